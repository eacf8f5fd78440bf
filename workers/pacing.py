"""Pacing: a token bucket in Redis at the account's calls-per-second limit, shared by every
worker (Twilio's default limit for outbound calls is 1 per second per account).

The bucket is refilled from Redis's own clock (TIME), so workers on different machines agree.
If Redis loses the bucket, it starts full again: at worst one second's worth of calls.
"""

from __future__ import annotations

import time

from redis import Redis

# KEYS[1]: the bucket. ARGV[1]: rate (tokens per second), ARGV[2]: capacity.
# Returns "0" when a token was taken, else the seconds to wait for the next one.
TAKE = """
local rate = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(b[1])
local ts = tonumber(b[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], 60 + math.ceil(capacity / rate))
return tostring(wait)
"""


class TokenBucket:
    """`acquire()` takes one token, waiting up to `max_wait` seconds for it."""

    def __init__(
        self, connection: Redis, *, rate: float, key: str = "irisline:pace", max_wait: float = 20.0
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.connection = connection
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.key = key
        self.max_wait = max_wait
        self._take = connection.register_script(TAKE)

    def try_take(self) -> float:
        """Take a token if one is there (returns 0), else return how long to wait."""
        return float(self._take(keys=[self.key], args=[self.rate, self.capacity]))

    def acquire(self) -> bool:
        deadline = time.monotonic() + self.max_wait
        while True:
            wait = self.try_take()
            if wait <= 0:
                return True
            if time.monotonic() + wait > deadline:
                return False
            time.sleep(wait)
