"""A local stand-in for Twilio: the REST API our twilio client calls, and the webhooks Twilio
would send back. It runs when no Twilio credentials are configured."""

from .app import create_emulator_app
from .store import Store

__all__ = ["Store", "create_emulator_app"]
