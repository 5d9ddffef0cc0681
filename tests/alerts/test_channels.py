"""Channels against real local servers: a webhook that fails twice then takes the message
(retried with backoff, signature checked), one that never does (given up, error kept), e-mail
through a real SMTP server (aiosmtpd), and the SMS gateway adapter over HTTP."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from datetime import timedelta
from email import message_from_bytes
from email.message import Message as EmailMessage

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.orm import Session

from jsms.alerts import contacts, service, worker
from jsms.alerts.channels import DeliveryFailed
from jsms.alerts.channels.sms import HttpSmsGateway
from jsms.alerts.models import Alert, Notification
from jsms.identity.roles import Role, Side
from tests.alerts.conftest import actor_of, finding
from tests.movements.conftest import MovementWorld

SECRET = "sindh-control-room-hook-secret"


def _sos(db: Session, movement_id: str) -> Alert:
    alert = service.raise_alert(
        db, finding(movement_id, kind="sos", severity="critical", key=f"sos:{movement_id}:d")
    )
    db.commit()
    return alert


def _point(db: Session, mworld: MovementWorld, channel: str, target: str, **extra) -> str:
    ops = actor_of(mworld.world.host_sindh, Side.HOST, Role.OPS_OFFICER)
    point = contacts.create_point(db, ops, channel=channel, target=target, **extra)
    db.commit()
    return point.id


def _notification(db: Session) -> Notification:
    db.expire_all()
    found = db.scalar(select(Notification))
    assert found is not None
    return found


def test_a_webhook_that_fails_twice_is_retried_with_backoff_then_delivered_signed(
    db: Session, db_url: str, mworld: MovementWorld, on_the_road: str, endpoint
) -> None:
    hook = endpoint([500, 502])
    _point(db, mworld, "webhook", hook.url, secret=SECRET)
    alert = _sos(db, on_the_road)
    now = alert.opened_at
    worker.tick(db_url, now)
    first = _notification(db)
    assert (first.status, first.attempts) == ("pending", 1)
    assert "HTTP 500" in first.last_error
    assert first.next_attempt_at == now + timedelta(seconds=2)
    worker.tick(db_url, now + timedelta(seconds=1))  # not yet due: nothing sent
    assert len(hook.received) == 1
    worker.tick(db_url, now + timedelta(seconds=2))
    second = _notification(db)
    assert second.attempts == 2 and "HTTP 502" in second.last_error
    assert second.next_attempt_at == now + timedelta(seconds=6)  # 2 s, then 4 s
    worker.tick(db_url, now + timedelta(seconds=6))
    done = _notification(db)
    assert (done.status, done.attempts, done.last_error) == ("sent", 3, "")
    assert len(hook.received) == 3
    headers, body = hook.received[-1]
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-jsms-signature"], expected)
    payload = json.loads(body)
    assert payload["kind"] == "sos" and payload["alert_id"] == alert.id
    assert payload["cap"].startswith("<?xml")
    # a forged body does not match the signature
    assert not hmac.compare_digest(
        expected, "sha256=" + hmac.new(SECRET.encode(), body + b" ", hashlib.sha256).hexdigest()
    )
    notified = [e for e in db.get(Alert, alert.id).events if e.action == "notified"]
    assert len(notified) == 1 and hook.url in notified[0].note


def test_a_webhook_that_never_answers_well_is_given_up_with_the_error_kept(
    db: Session,
    db_url: str,
    mworld: MovementWorld,
    on_the_road: str,
    endpoint,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("JSMS_NOTIFY_MAX_ATTEMPTS", "3")
    hook = endpoint([503] * 10)
    _point(db, mworld, "webhook", hook.url)
    alert = _sos(db, on_the_road)
    for seconds in (0, 2, 6, 14, 30):
        worker.tick(db_url, alert.opened_at + timedelta(seconds=seconds))
    gave_up = _notification(db)
    assert (gave_up.status, gave_up.attempts) == ("failed", 3)
    assert "HTTP 503" in gave_up.last_error
    assert len(hook.received) == 3
    events = db.get(Alert, alert.id).events
    assert any(e.action == "notify_failed" and "503" in e.note for e in events)


def test_an_unreachable_webhook_keeps_the_reason(
    db: Session, db_url: str, mworld: MovementWorld, on_the_road: str
) -> None:
    _point(db, mworld, "webhook", "http://127.0.0.1:9/nothing-listens-here")
    alert = _sos(db, on_the_road)
    worker.tick(db_url, alert.opened_at)
    assert "unreachable" in _notification(db).last_error


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(monkeypatch: pytest.MonkeyPatch):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("JSMS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("JSMS_SMTP_PORT", str(port))
    monkeypatch.setenv("JSMS_SMTP_FROM", "jsms-alerts@sindh.example")
    yield inbox
    controller.stop()


def test_an_alert_reaches_a_control_room_by_email_over_smtp(
    db: Session, db_url: str, mworld: MovementWorld, on_the_road: str, smtp_server: Inbox
) -> None:
    from tests.alerts.test_cap import validate

    _point(db, mworld, "email", "duty-room@sindh.example")
    alert = _sos(db, on_the_road)
    worker.tick(db_url, alert.opened_at)
    deadline = time.monotonic() + 5
    while not smtp_server.messages and time.monotonic() < deadline:
        time.sleep(0.05)
    [mail] = smtp_server.messages
    assert mail["To"] == "duty-room@sindh.example"
    assert mail["From"] == "jsms-alerts@sindh.example"
    assert "SOS pressed" in mail["Subject"] and "CRITICAL" in mail["Subject"]
    parts = {part.get_content_type(): part for part in mail.walk()}
    assert "MV left the approved corridor" in parts["text/plain"].get_payload(decode=True).decode()
    cap = parts["application/cap+xml"].get_payload(decode=True).decode()
    validate(cap)
    assert _notification(db).status == "sent"


def test_email_without_an_smtp_server_configured_says_so(
    db: Session, db_url: str, mworld: MovementWorld, on_the_road: str, monkeypatch
) -> None:
    monkeypatch.delenv("JSMS_SMTP_HOST", raising=False)
    _point(db, mworld, "email", "duty-room@sindh.example")
    alert = _sos(db, on_the_road)
    worker.tick(db_url, alert.opened_at)
    assert "JSMS_SMTP_HOST" in _notification(db).last_error


def test_the_sms_adapter_posts_to_the_gateway_with_its_token(endpoint) -> None:
    gateway_server = endpoint([200])
    HttpSmsGateway(gateway_server.url, "gw-token-123").send("+923001234567", "Are you safe?")
    [(headers, body)] = gateway_server.received
    assert headers["authorization"] == "Bearer gw-token-123"
    assert json.loads(body) == {"to": "+923001234567", "body": "Are you safe?"}


def test_the_sms_adapter_reports_a_refusal(endpoint) -> None:
    with pytest.raises(DeliveryFailed, match="HTTP 401"):
        HttpSmsGateway(endpoint([401]).url, "wrong").send("+923001234567", "x")


def test_an_alert_reaches_a_duty_phone_by_sms(
    db: Session, db_url: str, mworld: MovementWorld, on_the_road: str, endpoint, monkeypatch
) -> None:
    gateway_server = endpoint()
    monkeypatch.setenv("JSMS_SMS_GATEWAY_URL", gateway_server.url)
    monkeypatch.setenv("JSMS_SMS_GATEWAY_TOKEN", "gw-token-123")
    _point(db, mworld, "sms", "+923000000001")
    alert = _sos(db, on_the_road)
    worker.tick(db_url, alert.opened_at)
    [(_, body)] = gateway_server.received
    sent = json.loads(body)
    assert sent["to"] == "+923000000001" and "corridor" in sent["body"]
    assert _notification(db).status == "sent"
