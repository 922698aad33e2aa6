"""Credentials: random keys stored as SHA-256 digests, passwords stored with scrypt."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

KEY_BYTES = 24  # 192 random bits (the design asks for at least 128)

# scrypt cost: about 30 ms and 16 MiB per hash on this class of machine; slow on purpose.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


def new_key(prefix: str) -> str:
    """A fresh random key, e.g. `rhm_...`; the prefix lets secret scanners recognise it."""
    return f"{prefix}_{secrets.token_urlsafe(KEY_BYTES)}"


def key_digest(key: str) -> str:
    """SHA-256 hex digest: what the database stores instead of the key.

    Total over every str: a header that is not UTF-8 reaches us surrogate-escaped, and
    "surrogatepass" gives it bytes no issued (ASCII) key has, so it is an unknown key."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def digests_equal(left: str, right: str) -> bool:
    """Constant-time comparison, so response time does not leak how much of a digest matched."""
    return hmac.compare_digest(left.encode("ascii"), right.encode("ascii"))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    derived = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32
    )
    salt_text = base64.b64encode(salt).decode()
    derived_text = base64.b64encode(derived).decode()
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${salt_text}${derived_text}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, expected = stored.split("$")
        if scheme != "scrypt":
            return False
        derived = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(derived, base64.b64decode(expected))
