"""Keys for field encryption (AES-GCM), the audit chain (HMAC) and the signing of audit heads
sent to partners (Ed25519), kept outside the database.

The key file is JSON: {"pii_current": "k1", "pii_keys": {"k1": b64}, "audit_key": b64,
"signing_key": b64}. Old PII keys stay in the file after rotation so older backups remain
readable. A key file written before heads were signed gains its signing key when first read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jsms.config import get_settings

PREFIX = "jsms1"


class KeyringError(Exception):
    """The key file is missing, unreadable or cannot decrypt a value."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"))


@dataclass
class Keyring:
    pii_current: str
    pii_keys: dict[str, bytes]
    audit_key: bytes
    path: Path | None = field(default=None, compare=False)
    signing_key: bytes | None = None  # Ed25519 private key (raw 32 bytes): audit heads

    @classmethod
    def generate(cls) -> Keyring:
        return cls(
            pii_current="k1",
            pii_keys={"k1": AESGCM.generate_key(256)},
            audit_key=secrets.token_bytes(32),
            signing_key=_new_signing_key(),
        )

    def signer(self) -> Ed25519PrivateKey:
        """The instance's Ed25519 key that signs the audit heads its partners keep."""
        if self.signing_key is None:
            raise KeyringError(
                f"the key file {self.path} has no signing key and could not be given one: "
                "make it writable for one run of any jsms command"
            )
        return Ed25519PrivateKey.from_private_bytes(self.signing_key)

    def encrypt(self, plaintext: str, context: str) -> str:
        """Ciphertext bound to `context` (object, id and field), so it cannot be moved."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.pii_keys[self.pii_current]).encrypt(
            nonce, plaintext.encode("utf-8"), context.encode("utf-8")
        )
        return f"{PREFIX}:{self.pii_current}:{_b64(nonce + sealed)}"

    def decrypt(self, token: str, context: str) -> str:
        try:
            prefix, key_id, payload = token.split(":", 2)
            if prefix != PREFIX:
                raise ValueError(prefix)
            key = self.pii_keys[key_id]
            raw = _unb64(payload)
            return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode("utf-8")).decode()
        except KeyError as exc:
            raise KeyringError(f"no key {exc} in the key file") from None
        except (ValueError, InvalidTag) as exc:
            raise KeyringError(
                f"cannot decrypt value for {context}: {type(exc).__name__}"
            ) from None

    def key_id_of(self, token: str) -> str:
        return token.split(":", 2)[1]

    def reencrypt(self, token: str | None, context: str) -> str | None:
        """The value under the current key, or None when it already is (or is empty)."""
        if not token or self.key_id_of(token) == self.pii_current:
            return None
        return self.encrypt(self.decrypt(token, context), context)

    def add_pii_key(self) -> str:
        """A new current key; returns its id."""
        number = max(int(k.removeprefix("k")) for k in self.pii_keys) + 1
        key_id = f"k{number}"
        self.pii_keys[key_id] = AESGCM.generate_key(256)
        self.pii_current = key_id
        return key_id

    def audit_mac(self, message: bytes) -> str:
        return hmac.new(self.audit_key, message, hashlib.sha256).hexdigest()

    def to_json(self) -> str:
        data = {
            "pii_current": self.pii_current,
            "pii_keys": {k: _b64(v) for k, v in self.pii_keys.items()},
            "audit_key": _b64(self.audit_key),
        }
        if self.signing_key is not None:
            data["signing_key"] = _b64(self.signing_key)
        return json.dumps(data, indent=2)

    @classmethod
    def from_json(cls, text: str, path: Path | None = None) -> Keyring:
        data = json.loads(text)
        signing = data.get("signing_key")
        return cls(
            pii_current=data["pii_current"],
            pii_keys={k: _unb64(v) for k, v in data["pii_keys"].items()},
            audit_key=_unb64(data["audit_key"]),
            path=path,
            signing_key=_unb64(signing) if signing else None,
        )

    def save(self, path: Path | None = None) -> None:
        """Atomic write with owner-only permissions."""
        target = path or self.path
        if target is None:
            raise KeyringError("no path to save the key file to")
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.to_json())
        os.replace(tmp, target)
        self.path = target


def _new_signing_key() -> bytes:
    return Ed25519PrivateKey.generate().private_bytes_raw()


def _add_signing_key(ring: Keyring) -> None:
    """Give a key file written before heads were signed its signing key (kept unsigned if
    the file cannot be written: signing then says so)."""
    ring.signing_key = _new_signing_key()
    try:
        ring.save()
    except OSError:
        ring.signing_key = None


def load_keyring(path: Path, *, create: bool) -> Keyring:
    if path.exists():
        try:
            ring = Keyring.from_json(path.read_text(), path)
        except (ValueError, KeyError) as exc:
            raise KeyringError(f"key file {path} is unreadable: {exc}") from None
        if ring.signing_key is None:
            _add_signing_key(ring)
        return ring
    if not create:
        raise KeyringError(f"key file {path} is missing; production never invents keys")
    ring = Keyring.generate()
    ring.save(path)
    return ring


@cache
def _keyring_at(path: Path, modified_ns: int, create: bool) -> Keyring:
    return load_keyring(path, create=create)


def get_keyring() -> Keyring:
    """The process keyring, re-read when the key file changes (e.g. `jsms keys rotate` while
    the server runs); development and test create a key file on first use."""
    settings = get_settings()
    path = settings.key_file
    create = not settings.is_production
    if not path.exists():
        ring = load_keyring(path, create=create)
        _keyring_at.cache_clear()
        return ring
    return _keyring_at(path, path.stat().st_mtime_ns, create)


get_keyring.cache_clear = _keyring_at.cache_clear  # type: ignore[attr-defined]
