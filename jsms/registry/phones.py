"""Finding a protected person by phone number without decrypting every phone.

Phones are encrypted at rest (AES-GCM with a random nonce), so the same number never gives the
same ciphertext twice. Beside it we keep a keyed hash of the normalised number: an SMS reply
("SAFE", "OK 1234") is matched to its sender by one indexed lookup. The key is derived from the
key file's audit key, which never rotates, so the hashes survive `jsms keys rotate`; without
the key file a stolen database gives no way to test guessed numbers.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from jsms.keyring import Keyring, get_keyring

_LABEL = b"jsms:phone-lookup:v1"


def normalise(phone: str) -> str:
    """Digits only, with a leading + kept: '+92 300-123 4567' and '+923001234567' match;
    a leading 00 is read as +."""
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    if text.startswith("00") and not text.startswith("+"):
        return "+" + digits[2:]
    return ("+" if text.startswith("+") else "") + digits


def lookup_hash(phone: str, keyring: Keyring | None = None) -> str | None:
    """The keyed hash stored in `protected_persons.phone_lookup`; None for no digits."""
    number = normalise(phone)
    if not number.strip("+"):
        return None
    ring = keyring or get_keyring()
    key = hmac.new(ring.audit_key, _LABEL, hashlib.sha256).digest()
    return hmac.new(key, number.encode("ascii"), hashlib.sha256).hexdigest()
