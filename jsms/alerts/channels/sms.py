"""SMS through a gateway: a small interface, and one adapter for a generic HTTP gateway.

The HTTP adapter POSTs `{"to": "+92...", "body": "..."}` as JSON to JSMS_SMS_GATEWAY_URL with
`Authorization: Bearer <JSMS_SMS_GATEWAY_TOKEN>`; any 2xx answer means the gateway took it.
Another gateway needs only another class with `send`.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Protocol

from jsms.alerts.channels.base import DeliveryFailed
from jsms.alerts.channels.settings import channel_settings

MAX_LENGTH = 459  # three concatenated SMS segments


class SmsGateway(Protocol):
    def send(self, to: str, body: str) -> None:
        """Hand one text to the gateway, or raise DeliveryFailed."""


class HttpSmsGateway:
    def __init__(self, url: str, token: str, timeout_s: float = 10.0) -> None:
        self.url = url
        self.token = token
        self.timeout_s = timeout_s

    def send(self, to: str, body: str) -> None:
        data = json.dumps({"to": to, "body": body[:MAX_LENGTH]}).encode()
        request = urllib.request.Request(
            self.url,
            data=data,
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as reply:
                status = reply.status
        except urllib.error.HTTPError as exc:
            raise DeliveryFailed(f"SMS gateway answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryFailed(
                f"SMS gateway unreachable: {getattr(exc, 'reason', exc)}"
            ) from None
        if not 200 <= status < 300:
            raise DeliveryFailed(f"SMS gateway answered HTTP {status}")


def gateway() -> SmsGateway:
    """The configured gateway; DeliveryFailed when none is configured."""
    settings = channel_settings()
    if not settings.sms_gateway_url:
        raise DeliveryFailed("no SMS gateway configured (JSMS_SMS_GATEWAY_URL)")
    return HttpSmsGateway(
        settings.sms_gateway_url, settings.sms_gateway_token, settings.channel_timeout_s
    )


def send(to: str, body: str) -> None:
    gateway().send(to, body)
