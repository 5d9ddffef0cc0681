"""The message every channel sends, and the choice of channel."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CHANNELS = ("webhook", "email", "sms")


class DeliveryFailed(Exception):
    """The target did not take the message; the text says why (kept on the notification)."""


@dataclass(frozen=True)
class Message:
    """One alert notification: a subject and text for people, a JSON payload for machines,
    and the CAP 1.2 document."""

    subject: str
    text: str
    payload: dict[str, Any] = field(default_factory=dict)
    cap_xml: str = ""


def deliver(channel: str, target: str, message: Message, secret: str | None = None) -> None:
    """Send `message` to `target` on `channel`, or raise DeliveryFailed."""
    from jsms.alerts.channels import email, sms, webhook

    if channel == "webhook":
        webhook.post(target, message, secret)
    elif channel == "email":
        email.send(target, message)
    elif channel == "sms":
        sms.send(target, message.text)
    else:
        raise DeliveryFailed(f"unknown channel {channel!r}")
