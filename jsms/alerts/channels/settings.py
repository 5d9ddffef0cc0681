"""Where the channels send from (environment variables, read at each use so an operator's
change and a test's local server apply without a restart)."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ChannelSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JSMS_", env_file=None, extra="ignore")

    # E-mail over SMTP
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "jsms-alerts@localhost"
    smtp_starttls: bool = False
    # SMS gateway (outbound: POST {to, body} with the token; inbound: the token it must send)
    sms_gateway_url: str = ""
    sms_gateway_token: str = ""
    sms_inbound_token: str = ""
    # Webhooks and retries
    channel_timeout_s: float = 10.0
    notify_max_attempts: int = 6
    notify_backoff_s: float = 2.0  # 2, 4, 8, 16 ... seconds between attempts
    cap_sender: str = "alerts@jsms.invalid"


def channel_settings() -> ChannelSettings:
    return ChannelSettings()
