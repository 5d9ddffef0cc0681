"""Signed audit heads: this instance's chain head (database id, number, hash, time), signed
with its Ed25519 key, for partners to keep.

Someone holding both the database and the key file can rewrite the whole chain and its
anchor. A head a partner received and kept before the rewrite still names the old hash at
its number, and the partner's copy is out of that person's reach: `jsms audit verify
--against` compares our chain with the heads a partner holds of us.

Pure functions over plain data: no database, no HTTP.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

__all__ = [
    "HeadFormatError",
    "SignedHead",
    "fingerprint",
    "parse_public_key",
    "public_key_text",
    "sign_head",
    "signature_holds",
]

CONTEXT = b"jsms-audit-head/1\n"  # signatures over heads are never valid for anything else
HEX64 = re.compile(r"^[0-9a-f]{64}$")


class HeadFormatError(ValueError):
    """A head (or a public key) that is not what its format says."""


@dataclass(frozen=True)
class SignedHead:
    """A chain head as signed: whose chain (database id), how far (seq, hash), when, by which
    key (its fingerprint), and the signature."""

    database_id: str
    seq: int
    hash: str
    signed_at: str  # ISO 8601 with offset, as signed
    key: str
    signature: str  # base64

    def statement(self) -> bytes:
        return statement(self.database_id, self.seq, self.hash, self.signed_at)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> SignedHead:
        """A head from JSON (a partner's POST, an exported file); HeadFormatError says what
        is wrong."""
        if not isinstance(data, dict):
            raise HeadFormatError("a head is a JSON object")
        wanted = {"database_id": str, "seq": int, "hash": str, "signed_at": str, "key": str}
        for name, kind in {**wanted, "signature": str}.items():
            value = data.get(name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise HeadFormatError(f"{name} is missing or not a {kind.__name__}")
        if data["seq"] < 0:
            raise HeadFormatError("seq must not be negative")
        if not HEX64.match(data["hash"]):
            raise HeadFormatError("hash must be 64 lowercase hex digits")
        if len(data["database_id"]) > 36 or len(data["key"]) > 80:
            raise HeadFormatError("database_id or key is too long")
        try:
            moment = datetime.fromisoformat(data["signed_at"])
        except ValueError:
            raise HeadFormatError("signed_at is not an ISO 8601 time") from None
        if moment.tzinfo is None:
            raise HeadFormatError("signed_at needs its UTC offset")
        return cls(**{name: data[name] for name in [*wanted, "signature"]})

    def signed_time(self) -> datetime:
        return datetime.fromisoformat(self.signed_at)


def statement(database_id: str, seq: int, head_hash: str, signed_at: str) -> bytes:
    """The exact bytes signed: a fixed context line, then canonical JSON."""
    body = {"database_id": database_id, "seq": seq, "hash": head_hash, "signed_at": signed_at}
    return CONTEXT + json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def public_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes_raw()


def public_key_text(raw: bytes) -> str:
    """How a public key is written down and handed to partners: base64 of its 32 bytes."""
    return base64.b64encode(raw).decode("ascii")


def parse_public_key(text: str) -> bytes:
    """The 32 raw bytes of a public key given as base64 (HeadFormatError otherwise)."""
    try:
        raw = base64.b64decode(text.strip().encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise HeadFormatError("the public key is not base64") from None
    if len(raw) != 32:
        raise HeadFormatError("an Ed25519 public key is 32 bytes (44 base64 characters)")
    return raw


def fingerprint(raw_public: bytes) -> str:
    """SHA-256 of the public key, as OpenSSH shows key fingerprints.

    >>> fingerprint(bytes(32))
    'SHA256:Zmh6rfhivXdsj8GLjp+OIAiXFIVu4jOzkCpZHQ1fKSU'
    """
    digest = hashlib.sha256(raw_public).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def sign_head(
    key: Ed25519PrivateKey, *, database_id: str, seq: int, head_hash: str, signed_at: datetime
) -> SignedHead:
    at = signed_at.isoformat(timespec="microseconds")
    signature = key.sign(statement(database_id, seq, head_hash, at))
    return SignedHead(
        database_id=database_id,
        seq=seq,
        hash=head_hash,
        signed_at=at,
        key=fingerprint(public_raw(key)),
        signature=base64.b64encode(signature).decode("ascii"),
    )


def signature_holds(head: SignedHead, raw_public: bytes) -> bool:
    """True when `head` was signed by the key whose public half is `raw_public`."""
    try:
        signature = base64.b64decode(head.signature.encode("ascii"), validate=True)
        Ed25519PublicKey.from_public_bytes(raw_public).verify(signature, head.statement())
    except (InvalidSignature, binascii.Error, ValueError, UnicodeEncodeError):
        return False
    return True
