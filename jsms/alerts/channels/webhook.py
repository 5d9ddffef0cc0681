"""Webhook: the alert as JSON, POSTed to the contact point's URL and signed.

The signature header `X-JSMS-Signature: sha256=<hex>` is an HMAC-SHA256 of the exact body
bytes under the contact point's secret, so the receiver knows the message came from JSMS and
was not changed on the way. The body carries `sent_at`, so a receiver can refuse replays.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from jsms.alerts.channels.base import DeliveryFailed, Message
from jsms.alerts.channels.settings import channel_settings

SIGNATURE_HEADER = "X-JSMS-Signature"


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post(url: str, message: Message, secret: str | None) -> None:
    body = json.dumps(message.payload, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "jsms-alerts"}
    if secret:
        headers[SIGNATURE_HEADER] = signature(secret, body)
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=channel_settings().channel_timeout_s) as reply:
            status = reply.status
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"{url} answered HTTP {exc.code}") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"{url} unreachable: {getattr(exc, 'reason', exc)}") from None
    if not 200 <= status < 300:
        raise DeliveryFailed(f"{url} answered HTTP {status}")
