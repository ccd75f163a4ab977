"""Configuration: a documented default for every key, and what the environment overrides."""

import os
import secrets
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    # "development" (make run) or "production" (make serve): production means secure cookies
    # and refusing to start on an invalid library.
    "GROUPWORK_ENV": "development",
    # Content folders in order; GROUPWORK_CONTENT_DIRS adds more after the shipped one.
    "CONTENT_DIRS": [PROJECT_ROOT / "content"],
    # Slugs of licensed-by-program topics this program holds a licence for ("*" for all).
    "LICENSED_TOPICS": frozenset(),
    # The program's time zone: what "today" and "overdue" mean to its counselors.
    "TIMEZONE": "America/New_York",
    # A draft older than this (from the session's date) is overdue for signature.
    "SIGNATURE_DUE_HOURS": 72,
    # How long a request waits for another writer's lock before answering 503 (SQLite's
    # busy timeout, PostgreSQL's lock_timeout).
    "LOCK_TIMEOUT_MS": 5000,
    "IDLE_TIMEOUT_MINUTES": 15,
    "ABSOLUTE_SESSION_HOURS": 12,
    "MAX_FAILED_LOGINS": 5,
    "LOCKOUT_MINUTES": 15,
    # Every account needs a second factor (GROUPWORK_REQUIRE_MFA=1; admins can also turn it on
    # in the app: either one is enough).
    "REQUIRE_MFA": False,
    # How long a password that was right waits for its second step before sign-in starts over.
    "SECOND_STEP_MINUTES": 5,
    # Passkeys (WebAuthn): the relying party's ID is the host name users type (browsers refuse
    # a bare IP), the origin the address their browser shows; with PASSKEY_SIGN_IN a passkey
    # may sign in without the password.
    "WEBAUTHN_RP_ID": "localhost",
    "WEBAUTHN_ORIGIN": "http://localhost:5000",
    "PASSKEY_SIGN_IN": False,
    "PACKET_MAX_TOPICS": 60,
    # How often each worker asks the database whether the approved curriculum changed: an
    # approval on any instance is served everywhere within this many seconds.
    "CURRICULUM_REFRESH_SECONDS": 2,
    # GROUPWORK_REQUIRE_APPROVAL=1: accounts without a curriculum permission are served only
    # the topics the program approved (as shipped or with changes); otherwise a topic not yet
    # reviewed serves its shipped text.
    "REQUIRE_APPROVAL": False,
    # After an approval, render the topic's handouts (and its tracks' packets) into the PDF
    # cache in a background thread, so the first facilitator to print does not wait.
    "PRERENDER_HANDOUTS": True,
    # A PDF render that runs longer, or needs more memory beyond a warm worker's, is stopped
    # and answered 503 (the gunicorn worker timeout is longer than this).
    "PDF_TIME_LIMIT_SECONDS": 60,
    "PDF_MEMORY_LIMIT_MB": 1024,
    "SESSION_COOKIE_NAME": "groupwork_session",
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the signed-in session
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
}


def _secret_key(instance: Path) -> str:
    """The key kept in the instance folder, generated on first use (mode 0600)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance: Path) -> dict[str, Any]:
    """Settings from DATABASE_URL, SECRET_KEY, GROUPWORK_CONTENT_DIRS and friends."""
    env = os.environ
    config: dict[str, Any] = {
        "GROUPWORK_ENV": env.get("GROUPWORK_ENV", DEFAULTS["GROUPWORK_ENV"]),
        "DATABASE_URL": env.get("DATABASE_URL", f"sqlite:///{instance / 'groupwork.sqlite3'}"),
        "SECRET_KEY": env.get("SECRET_KEY") or _secret_key(instance),
        # Earlier keys, comma-separated, while rotating SECRET_KEY (Flask's own setting).
        "SECRET_KEY_FALLBACKS": [k.strip() for k in env.get("SECRET_KEY_FALLBACKS", "").split(",")
                                 if k.strip()],
        "REQUIRE_MFA": env.get("GROUPWORK_REQUIRE_MFA", "") == "1",
        "PASSKEY_SIGN_IN": env.get("GROUPWORK_PASSKEY_SIGN_IN", "") == "1",
        "REQUIRE_APPROVAL": env.get("GROUPWORK_REQUIRE_APPROVAL", "") == "1",
        "WEBAUTHN_RP_ID": env.get("GROUPWORK_WEBAUTHN_RP_ID", DEFAULTS["WEBAUTHN_RP_ID"]),
        "WEBAUTHN_ORIGIN": env.get("GROUPWORK_WEBAUTHN_ORIGIN", DEFAULTS["WEBAUTHN_ORIGIN"]),
        "CONTENT_DIRS": DEFAULTS["CONTENT_DIRS"]
        + [Path(p) for p in env.get("GROUPWORK_CONTENT_DIRS", "").split(":") if p],
        "TIMEZONE": env.get("GROUPWORK_TIMEZONE", DEFAULTS["TIMEZONE"]),
        # Host names this deployment answers to; any other Host header gets a 400.
        "TRUSTED_HOSTS": [h.strip() for h in env.get("GROUPWORK_TRUSTED_HOSTS", "").split(",")
                          if h.strip()] or None,
        "LICENSED_TOPICS": frozenset(
            s.strip() for s in env.get("GROUPWORK_LICENSED_TOPICS", "").split(",") if s.strip()
        ),
        # Where rendered handouts and the rendered library are kept (default: instance/).
        **{key: Path(env[name]) for key, name in (
            ("PDF_CACHE_DIR", "GROUPWORK_PDF_CACHE_DIR"),
            ("LIBRARY_CACHE_DIR", "GROUPWORK_LIBRARY_CACHE_DIR")) if env.get(name)},
        "PDF_TIME_LIMIT_SECONDS": _positive(env, "GROUPWORK_PDF_TIME_LIMIT_SECONDS",
                                            DEFAULTS["PDF_TIME_LIMIT_SECONDS"]),
        "PDF_MEMORY_LIMIT_MB": int(_positive(env, "GROUPWORK_PDF_MEMORY_LIMIT_MB",
                                             DEFAULTS["PDF_MEMORY_LIMIT_MB"])),
    }
    return config


def _positive(env: os._Environ[str], name: str, default: float) -> float:
    value = env.get(name, "").strip()
    if not value:
        return default
    try:
        number = float(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    return number


def finish(config: dict[str, Any], instance: Path) -> None:
    """Settings derived from others (the cache and database paths only unless given)."""
    production = config["GROUPWORK_ENV"] == "production"
    config["SESSION_COOKIE_SECURE"] = production
    if production:  # served behind a TLS proxy: links built outside a request use https
        config["PREFERRED_URL_SCHEME"] = "https"
    config.setdefault("PDF_CACHE_DIR", instance / "pdf-cache")
    config.setdefault("LIBRARY_CACHE_DIR", instance / "library-cache")
    config.setdefault("DATABASE_URL", f"sqlite:///{instance / 'groupwork.sqlite3'}")
