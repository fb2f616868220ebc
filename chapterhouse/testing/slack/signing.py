"""Signing requests exactly as Slack signs them, so the real Bolt app verifies them.

The signed string is `v0:{timestamp}:{raw body}`, HMAC-SHA256 with the app's signing
secret, sent as `X-Slack-Signature: v0=<hex>` with `X-Slack-Request-Timestamp`.
"""

from __future__ import annotations

import hashlib
import hmac
import time

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
"""The fake workspace's signing secret (any 32 characters do)."""


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    """The `X-Slack-Signature` value for `body` sent at `timestamp`."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str,
    *,
    content_type: str = "application/x-www-form-urlencoded",
    timestamp: int | None = None,
    secret: str = SIGNING_SECRET,
) -> dict[str, str]:
    """The headers Slack sends with `body`: content type, timestamp and signature."""
    stamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(body, stamp, secret),
    }
