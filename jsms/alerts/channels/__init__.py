"""How a notification leaves JSMS: a webhook, an e-mail, an SMS. Each channel takes one
`Message` to one target and either returns or raises `DeliveryFailed` with the reason; the
retrying is done by jsms.alerts.notify, the same for every channel."""

from __future__ import annotations

from jsms.alerts.channels.base import CHANNELS, DeliveryFailed, Message, deliver

__all__ = ["CHANNELS", "DeliveryFailed", "Message", "deliver"]
