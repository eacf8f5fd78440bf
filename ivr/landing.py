"""The landing page and the health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, render_template_string
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from . import context

bp = Blueprint("landing", __name__)

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>irisline</title>
<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}
code{background:#f3f3f3;padding:0 .25rem}</style></head>
<body>
<h1>irisline</h1>
<p>Telephony and call-back service of the Brussels-Capital Region's contact number.</p>
<ul>
  <li>Twilio voice webhook: <code>POST {{ base }}/voice/incoming</code> (signed)</li>
  <li>Health: <a href="{{ url_for('landing.health') }}">/healthz</a></li>
  {% if emulator %}<li>Twilio emulator (no Twilio credentials configured):
    <a href="{{ emulator }}">{{ emulator }}</a></li>{% endif %}
</ul>
</body></html>
"""


@bp.get("/")
def index() -> str:
    settings = context.settings()
    return render_template_string(
        PAGE,
        base=settings.PUBLIC_BASE_URL.rstrip("/"),
        emulator=settings.IRISLINE_EMULATOR_URL if settings.uses_emulator else None,
    )


@bp.get("/healthz")
def health() -> tuple[Response, int]:
    checks = {}
    try:
        with context.db().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except SQLAlchemyError as exc:
        checks["database"] = f"error: {type(exc).__name__}"
    try:
        context.redis().ping()
        checks["redis"] = "ok"
    except RedisError as exc:
        checks["redis"] = f"error: {type(exc).__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return jsonify({"status": "ok" if healthy else "degraded", **checks}), 200 if healthy else 503
