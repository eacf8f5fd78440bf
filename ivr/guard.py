"""Signature check for every Twilio-facing route.

Twilio signs the full URL it was configured with plus the POST parameters. We validate
against PUBLIC_BASE_URL (what Twilio was told), never against the Host header, unless the
operator explicitly trusts a proxy's X-Forwarded-* headers.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from twilio.request_validator import RequestValidator

from irisline.settings import Settings

log = logging.getLogger(__name__)


def _path_and_query() -> str:
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def candidate_urls(settings: Settings, debug: bool) -> list[str]:
    path = _path_and_query()
    urls = []
    if settings.PUBLIC_BASE_URL:
        urls.append(settings.PUBLIC_BASE_URL.rstrip("/") + path)
    elif debug:
        # Only in debug/testing, where PUBLIC_BASE_URL may be left unset: trust what was asked.
        urls.append(request.host_url.rstrip("/") + path)
    if settings.IRISLINE_TRUST_PROXY:
        proto = request.headers.get("X-Forwarded-Proto", request.scheme).split(",")[0].strip()
        host = request.headers.get("X-Forwarded-Host", request.host).split(",")[0].strip()
        urls.append(f"{proto}://{host}{path}")
    return urls


def is_signed() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    settings: Settings = current_app.extensions["irisline.settings"]
    validator = RequestValidator(settings.auth_token)
    params = request.form if request.method == "POST" else {}
    return any(
        validator.validate(url, params, signature)
        for url in candidate_urls(settings, settings.IRISLINE_DEBUG)
    )


def _check() -> Response | None:
    if is_signed():
        return None
    log.warning(
        "rejected unsigned or forged webhook %s %s from %s",
        request.method,
        request.path,
        request.remote_addr,
    )
    return Response("Forbidden: invalid Twilio signature\n", status=403, mimetype="text/plain")


def protect(blueprint: Blueprint) -> Blueprint:
    """Require a valid Twilio signature on every route of `blueprint`."""
    blueprint.before_request(_check)
    return blueprint
