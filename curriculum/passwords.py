"""Passwords: argon2id hashing and the length rule, for every place that sets or checks one."""

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app

PASSWORD_MIN, PASSWORD_MAX = 12, 1024

HASHERS = {
    # The library's RFC 9106 "low memory" profile (t=3, m=64 MiB, p=4): above OWASP ASVS 5.0's
    # minimum. Argon2 hashes the whole password; nothing is truncated.
    "rfc9106-low-memory": PasswordHasher(),
    # The least work argon2 accepts. Only a test configuration can choose it (no environment
    # variable reads it): the suite hashes and checks hundreds of passwords.
    "test-only-minimal": PasswordHasher(time_cost=1, memory_cost=8, parallelism=1),
}
PRODUCTION = "rfc9106-low-memory"


def init_app(app: Flask) -> None:
    app.extensions["password_hasher"] = HASHERS[app.config.setdefault("PASSWORD_HASHING",
                                                                      PRODUCTION)]


def _hasher() -> PasswordHasher:
    return current_app.extensions["password_hasher"]


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("not a real password; equalizes timing")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def spend_a_verification(password: str) -> None:
    """Do the work of checking a password, for an unknown or locked account, so that answer
    takes as long as a real check."""
    verify_password(_dummy_hash(_hasher()), password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than this app's (re-hash at sign-in)."""
    return _hasher().check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused (length only: no composition rules), or None."""
    if not PASSWORD_MIN <= len(password) <= PASSWORD_MAX:
        return f"Use {PASSWORD_MIN} to {PASSWORD_MAX} characters."
    return None
