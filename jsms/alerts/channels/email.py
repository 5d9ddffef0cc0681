"""E-mail over SMTP (JSMS_SMTP_*), with the CAP document attached."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from jsms.alerts.channels.base import DeliveryFailed, Message
from jsms.alerts.channels.settings import channel_settings


def send(address: str, message: Message) -> None:
    settings = channel_settings()
    if not settings.smtp_host:
        raise DeliveryFailed("no SMTP server configured (JSMS_SMTP_HOST)")
    mail = EmailMessage()
    mail["From"] = settings.smtp_from
    mail["To"] = address
    mail["Subject"] = message.subject
    mail.set_content(message.text)
    if message.cap_xml:
        mail.add_attachment(
            message.cap_xml.encode(),
            maintype="application",
            subtype="cap+xml",
            filename="alert.cap.xml",
        )
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.channel_timeout_s
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password)
            smtp.send_message(mail)
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"SMTP {settings.smtp_host}:{settings.smtp_port}: {exc}") from None
