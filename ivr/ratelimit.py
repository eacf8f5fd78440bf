"""Fixed-window rate limits in Redis, for the public API.

A limit that Redis can't check is not enforced (logged): a citizen's request is worth more than
a perfect count.
"""

from __future__ import annotations

import logging

from flask import Response, jsonify, request
from redis import Redis
from redis.exceptions import RedisError

from . import context

log = logging.getLogger(__name__)
PREFIX = "irisline:ratelimit:"


def hit(redis: Redis, key: str, limit: int, window: int) -> int | None:
    """Count one request against `key`; the seconds to wait when over `limit`, else None."""
    if limit <= 0 or window <= 0:
        return None
    name = PREFIX + key
    try:
        pipe = redis.pipeline()
        pipe.set(name, 0, ex=window, nx=True)
        pipe.incr(name)
        pipe.ttl(name)
        _, count, ttl = pipe.execute()
    except RedisError as exc:
        log.warning("rate limit %s not checked: %s", key, exc)
        return None
    if int(count) > limit:
        return max(int(ttl), 1)
    return None


def client_address() -> str:
    if context.settings().IRISLINE_TRUST_PROXY:
        forwarded = request.headers.get("X-Forwarded-For", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.remote_addr or "unknown"


def too_many(retry_after: int, what: str) -> tuple[Response, int, dict[str, str]]:
    body = {
        "error": "rate-limited",
        "message": f"too many requests {what}; try again in {retry_after} s",
        "retry_after": retry_after,
    }
    return jsonify(body), 429, {"Retry-After": str(retry_after)}
