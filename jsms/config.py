"""Settings from environment variables, with safe defaults for a single-machine install."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Everything an operator may change; read once per process."""

    model_config = SettingsConfigDict(env_prefix="JSMS_", env_file=None, extra="ignore")

    env: str = "development"
    database_url: str = "sqlite:///var/jsms.sqlite3"
    key_file: Path = Path("var/keys.json")
    bind_host: str = "127.0.0.1"
    bind_port: int = 8000
    session_hours: float = 12.0
    token_hours: float = 12.0
    max_failed_logins: int = 5
    lockout_minutes: int = 15
    max_body_bytes: int = 1_000_000
    cookie_secure: bool = False
    # The instance's local time zone (IANA): reports' days, and SOP policies that name none.
    timezone: str = "Asia/Karachi"
    # Maps: the packaged outlines always draw; tiles only where the operator has them.
    tile_url: str = ""  # e.g. https://tiles.example.org/{z}/{x}/{y}.png (your own server)
    tile_attribution: str = ""
    tiles_file: Path | None = None  # a local .mbtiles or .pmtiles file served at /tiles/
    map_countries: str = ""  # ISO codes whose provinces outline the map; default: the sites'
    # Device ingest (jsms.tracking): Traccar Client's port, the MQTT broker, what is refused.
    osmand_port: int = 5055  # 0 = no OsmAnd listener (the API paths still take OsmAnd)
    mqtt_url: str = ""  # e.g. mqtt://jsms-ingest:secret@127.0.0.1:1883; empty = no MQTT
    store_forward_days: float = 7.0  # older fixes are refused (a device's backlog window)
    max_device_message_bytes: int = 65_536
    # Live monitor: empty = embedded in `jsms serve`; a NATS URL = positions to JetStream for
    # `jsms monitor-worker` processes (docs/live-operations.md, "Scaling out").
    stream_url: str = ""
    # Audit heads signed and sent to partners every this many minutes (0 = only on demand).
    head_interval: float = 15.0

    @field_validator("env")
    @classmethod
    def _known_env(cls, value: str) -> str:
        if value not in {"development", "test", "production"}:
            raise ValueError("JSMS_ENV must be development, test or production")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"JSMS_TIMEZONE {value!r} is not an IANA time zone") from exc
        return value

    @field_validator("tile_url")
    @classmethod
    def _tile_template(cls, value: str) -> str:
        if value and not (
            value.startswith(("https://", "http://"))
            and all(k in value for k in ["{z}", "{x}", "{y}"])
        ):
            raise ValueError("JSMS_TILE_URL must be an http(s) URL with {z}, {x} and {y}")
        return value

    @property
    def is_production(self) -> bool:
        return self.env == "production"


@cache
def get_settings() -> Settings:
    """The process-wide settings (tests clear the cache to change them)."""
    return Settings()


def shared_data_dir() -> Path | None:
    """The read-only real datasets beside the repository, when this machine has them."""
    import os

    configured = os.environ.get("JSMS_SHARED_DATA")
    candidate = (
        Path(configured) if configured else Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    return candidate if candidate.is_dir() else None
