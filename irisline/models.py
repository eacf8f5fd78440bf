"""Every package's tables on one metadata, for Alembic."""

from callbacks import models as _callbacks  # noqa: F401
from routing import models as _routing  # noqa: F401

from .db import Base

metadata = Base.metadata
