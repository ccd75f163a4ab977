"""Secrets kept at rest (authenticator keys), encrypted with a key derived from SECRET_KEY.

Keys in SECRET_KEY_FALLBACKS (Flask's setting for rotating SECRET_KEY) still open what the old
key sealed, so a rotated key keeps every enrolment working; `flask --app app reseal-secrets`
then re-encrypts everything under the current key, after which the old key can be dropped. A
database restored onto another instance needs the same SECRET_KEY (or it as a fallback)."""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

# A key of its own for this purpose: SECRET_KEY also signs session cookies.
_PURPOSE = b"groupwork: second-factor secrets at rest"


class SecretUnreadable(Exception):
    """Sealed under a key that is neither SECRET_KEY nor one of its fallbacks."""


def _fernet(secret_key: str | bytes) -> Fernet:
    material = secret_key.encode() if isinstance(secret_key, str) else secret_key
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_PURPOSE).derive(material)
    return Fernet(base64.urlsafe_b64encode(key))


def _box() -> MultiFernet:
    config = current_app.config
    keys = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    return MultiFernet([_fernet(key) for key in keys])


def seal(plaintext: str) -> str:
    return _box().encrypt(plaintext.encode()).decode("ascii")


def unseal(sealed: str) -> str:
    try:
        return _box().decrypt(sealed.encode("ascii")).decode()
    except InvalidToken as error:
        raise SecretUnreadable("sealed under another SECRET_KEY") from error


def reseal(sealed: str) -> str:
    """The same secret sealed under the current key."""
    try:
        return _box().rotate(sealed.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise SecretUnreadable("sealed under another SECRET_KEY") from error
