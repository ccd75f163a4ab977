"""Passkeys, the server's side (WebAuthn through py_webauthn), answered by a software
authenticator: registration with the password, the second step, signing in without a password
where allowed, user verification, replay and the lockout, removal and the policy, an admin's
reset, and the signing step-up. The browser's side is in test_passkeys_browser.py."""

import base64
import datetime
import hashlib
import json
import re
import secrets
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from webauthn.helpers import encode_cbor

from curriculum import db, passkey_ceremonies
from models import LogState, Passkey, Role, User
from tests.helpers import PASSWORD, AuthActions, load_log, sign, stored_user, user_events

TOKEN_RE = re.compile(r'(?:name="csrf_token"[^>]*?value|data-csrf)="([^"]+)"')


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Authenticator:
    """A passkey authenticator in software (ES256 key, "none" attestation), answering the
    options the app sends as a browser would. ``counts``: whether it keeps a signature
    counter (many synced passkeys always report 0)."""

    def __init__(self, origin: str, user_verified: bool = True, counts: bool = True) -> None:
        self.origin, self.user_verified, self.counts = origin, user_verified, counts
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = secrets.token_bytes(16)
        self.user_handle: str | None = None
        self.count = 0

    def _auth_data(self, rp_id: str, flags: int, attested: bytes = b"") -> bytes:
        flags |= 0x01 | (0x04 if self.user_verified else 0)  # user present, user verified
        return (hashlib.sha256(rp_id.encode()).digest() + bytes([flags])
                + self.count.to_bytes(4, "big") + attested)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin,
                           "crossOrigin": False}).encode()

    def create(self, options: dict[str, Any]) -> dict[str, Any]:
        numbers = self.key.public_key().public_numbers()
        cose_key = encode_cbor({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                                -3: numbers.y.to_bytes(32, "big")})
        attested = (bytes(16) + len(self.credential_id).to_bytes(2, "big")
                    + self.credential_id + cose_key)
        auth_data = self._auth_data(options["rp"]["id"], 0x40, attested)
        self.user_handle = options["user"]["id"]
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id),
                "type": "public-key", "clientExtensionResults": {},
                "response": {
                    "clientDataJSON": b64(self._client_data("webauthn.create",
                                                            options["challenge"])),
                    "attestationObject": b64(encode_cbor({"fmt": "none", "attStmt": {},
                                                          "authData": auth_data})),
                    "transports": ["internal"]}}

    def get(self, options: dict[str, Any]) -> dict[str, Any]:
        if self.counts:
            self.count += 1
        auth_data = self._auth_data(options["rpId"], 0)
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {"id": b64(self.credential_id), "rawId": b64(self.credential_id),
                "type": "public-key", "clientExtensionResults": {},
                "response": {"clientDataJSON": b64(client_data),
                             "authenticatorData": b64(auth_data), "signature": b64(signature),
                             "userHandle": self.user_handle}}


def token(client: FlaskClient, page: str) -> str:
    match = TOKEN_RE.search(client.get(page).get_data(as_text=True))
    assert match, f"no CSRF token on {page}"
    return match.group(1)


def call(client: FlaskClient, url: str, body: dict[str, Any] | None = None,
         page: str = "/account/passkeys") -> Any:
    """A JSON post as static/passkeys.js makes it, with the CSRF token in its header."""
    return client.post(url, json=body or {}, headers={"X-CSRFToken": token(client, page)})


def register(client: FlaskClient, authenticator: Authenticator, name: str = "Work laptop"):
    options = call(client, "/account/passkeys/options", {"name": name, "password": PASSWORD})
    assert options.status_code == 200, options.get_data(as_text=True)
    return call(client, "/account/passkeys",
                {"name": name, "credential": authenticator.create(options.get_json())})


def second_step(client: FlaskClient, authenticator: Authenticator) -> Any:
    options = call(client, "/login/second-step/passkey/options", page="/login/second-step")
    assert options.status_code == 200, options.get_data(as_text=True)
    return call(client, "/login/second-step/passkey",
                {"credential": authenticator.get(options.get_json())}, page="/login/second-step")


def sign_in_without_password(client: FlaskClient, authenticator: Authenticator,
                             next_url: str = "") -> Any:
    options = call(client, "/login/passkey/options", page="/login")
    assert options.status_code == 200, options.get_data(as_text=True)
    return call(client, "/login/passkey",
                {"credential": authenticator.get(options.get_json()), "next": next_url},
                page="/login")


def passkeys_of(app: Flask, user_id: int) -> list[Passkey]:
    with app.app_context():
        return list(db.get_session().scalars(select(Passkey).where(Passkey.user_id == user_id)))


@pytest.fixture
def authenticator(app: Flask) -> Authenticator:
    return Authenticator(app.config["WEBAUTHN_ORIGIN"])


@pytest.fixture
def with_passkey(app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable,
                 authenticator: Authenticator) -> User:
    """A facilitator with one passkey (and no authenticator app), signed out again."""
    user = make_user(Role.FACILITATOR)
    auth.login(user.email)
    assert register(client, authenticator).status_code == 201
    auth.logout()
    return user


def test_registration_asks_for_the_password_and_keeps_the_passkey(
        app: Flask, client: FlaskClient, signed_in: User, authenticator: Authenticator) -> None:
    page = client.get("/account/passkeys")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "You have no passkeys yet." in page.get_data(as_text=True)
    wrong = call(client, "/account/passkeys/options", {"name": "Laptop", "password": "nope"})
    nameless = call(client, "/account/passkeys/options", {"name": " ", "password": PASSWORD})
    assert wrong.status_code == nameless.status_code == 400
    assert wrong.get_json()["error"] == "That is not your password."
    # An answer with no challenge issued (the options were refused) is refused too.
    assert call(client, "/account/passkeys", {"name": "Laptop", "credential": authenticator.create(
        {"rp": {"id": "localhost"}, "user": {"id": "AA"}, "challenge": b64(b"x" * 32)})}
                ).status_code == 400

    options = call(client, "/account/passkeys/options",
                   {"name": "Work laptop", "password": PASSWORD}).get_json()
    assert options["rp"]["id"] == "localhost"
    assert options["authenticatorSelection"]["userVerification"] == "preferred"
    assert options["authenticatorSelection"]["residentKey"] == "preferred"
    assert signed_in.email not in options["user"]["id"]
    answer = authenticator.create(options)
    added = call(client, "/account/passkeys", {"name": "Work laptop", "credential": answer})
    assert added.status_code == 201 and added.get_json() == {"redirect": "/account/passkeys"}
    # The challenge was used up: the same answer again adds nothing.
    assert call(client, "/account/passkeys",
                {"name": "Again", "credential": answer}).status_code == 400

    [passkey] = passkeys_of(app, signed_in.id)
    assert (passkey.name, passkey.transports, passkey.is_user_verified) == (
        "Work laptop", ["internal"], True)
    assert passkey.credential_id == authenticator.credential_id
    registered = ("register-passkey", "ok", {"passkey": passkey.id, "user_verified": True})
    assert registered in user_events(app, signed_in.id)
    listed = client.get("/account/passkeys").get_data(as_text=True)
    assert "Work laptop" in listed and "not used yet" in listed
    # The next registration excludes the passkey this account already has.
    again = call(client, "/account/passkeys/options",
                 {"name": "Phone", "password": PASSWORD}).get_json()
    assert [c["id"] for c in again["excludeCredentials"]] == [b64(authenticator.credential_id)]


def test_a_passkey_is_the_second_step_after_the_password(
        app: Flask, client: FlaskClient, auth: AuthActions, with_passkey: User,
        authenticator: Authenticator) -> None:
    assert auth.login(with_passkey.email, next_url="/groups").headers["Location"] == (
        "/login/second-step")
    assert client.get("/groups").status_code == 302
    page = client.get("/login/second-step").get_data(as_text=True)
    assert "Use a passkey" in page and 'name="code"' not in page  # no authenticator app
    options = call(client, "/login/second-step/passkey/options",
                   page="/login/second-step").get_json()
    assert [c["id"] for c in options["allowCredentials"]] == [b64(authenticator.credential_id)]
    assert options["userVerification"] == "preferred"
    done = call(client, "/login/second-step/passkey",
                {"credential": authenticator.get(options)}, page="/login/second-step")
    assert done.status_code == 200 and done.get_json() == {"redirect": "/groups"}
    assert client.get("/groups").status_code == 200
    assert passkeys_of(app, with_passkey.id)[0].last_used_at is not None
    [event] = [e for e in user_events(app, with_passkey.id) if e[0] == "second-factor"]
    assert event[1] == "ok" and event[2]["purpose"] == "sign-in"
    assert event[2]["method"] == "passkey" and event[2]["user_verified"] is True


def test_failed_passkeys_count_toward_the_lockout_and_answers_are_not_replayed(
        app: Flask, client: FlaskClient, auth: AuthActions, with_passkey: User,
        make_user: Callable) -> None:
    origin = app.config["WEBAUTHN_ORIGIN"]
    # Another account's passkey does not answer for this one.
    other = make_user(Role.FACILITATOR)
    stranger = Authenticator(origin)
    other_client = app.test_client()
    AuthActions(other_client).login(other.email)
    assert register(other_client, stranger).status_code == 201
    auth.login(with_passkey.email)
    assert second_step(client, stranger).status_code == 401
    # A forged key (right credential id, wrong private key) fails; the fifth failure pauses.
    forger = Authenticator(origin)
    forger.credential_id = passkeys_of(app, with_passkey.id)[0].credential_id
    for _ in range(3):
        failed = second_step(client, forger)
        assert failed.status_code == 401 and "pauses for 15 minutes" in failed.get_json()["error"]
    assert call(client, "/login/second-step/passkey", {"credential": {"id": "junk"}},
                page="/login/second-step").status_code == 401
    assert stored_user(app, with_passkey.id).locked_until_at is not None
    failures = [e for e in user_events(app, with_passkey.id)
                if e[:2] == ("second-factor", "failed")]
    assert len(failures) == 5 and all(e[2]["purpose"] == "sign-in" for e in failures)


def test_a_captured_answer_is_not_accepted_again_with_an_old_session(
        app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable) -> None:
    """The session is a cookie: sent again as it was, it still holds the used challenge; the
    passkey's last use in the database refuses it (here a passkey without a counter)."""
    user = make_user(Role.FACILITATOR)
    no_counter = Authenticator(app.config["WEBAUTHN_ORIGIN"], counts=False)
    auth.login(user.email)
    register(client, no_counter)
    auth.logout()
    auth.login(user.email)
    options = call(client, "/login/second-step/passkey/options", page="/login/second-step")
    answer = {"credential": no_counter.get(options.get_json())}
    headers = {"X-CSRFToken": token(client, "/login/second-step")}
    cookie = client.get_cookie("groupwork_session").value
    assert client.post("/login/second-step/passkey", json=answer,
                       headers=headers).status_code == 200
    replay = app.test_client()
    replay.set_cookie("groupwork_session", cookie)
    assert replay.post("/login/second-step/passkey", json=answer,
                       headers=headers).status_code == 401
    assert replay.get("/groups").status_code == 302


def test_an_expired_challenge_is_refused(
        app: Flask, client: FlaskClient, auth: AuthActions, with_passkey: User,
        authenticator: Authenticator, monkeypatch: pytest.MonkeyPatch) -> None:
    auth.login(with_passkey.email)
    options = call(client, "/login/second-step/passkey/options", page="/login/second-step")
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
        seconds=passkey_ceremonies.CHALLENGE_SECONDS + 1)
    monkeypatch.setattr(passkey_ceremonies, "utcnow", lambda: later)
    assert call(client, "/login/second-step/passkey",
                {"credential": authenticator.get(options.get_json())},
                page="/login/second-step").status_code == 401


def test_signing_in_without_a_password_only_where_allowed(
        make_app: Callable, app: Flask, client: FlaskClient, with_passkey: User,
        authenticator: Authenticator) -> None:
    assert "Sign in with a passkey" not in client.get("/login").get_data(as_text=True)
    assert call(client, "/login/passkey/options", page="/login").status_code == 404
    assert call(client, "/login/passkey", {"credential": {}}, page="/login").status_code == 404

    allowed = make_app(PASSKEY_SIGN_IN=True)
    browser = allowed.test_client()
    assert "Sign in with a passkey" in browser.get("/login").get_data(as_text=True)
    options = call(browser, "/login/passkey/options", page="/login").get_json()
    assert options["allowCredentials"] == [] and options["userVerification"] == "required"
    done = call(browser, "/login/passkey",
                {"credential": authenticator.get(options), "next": "/groups"}, page="/login")
    assert done.status_code == 200 and done.get_json() == {"redirect": "/groups"}
    assert browser.get("/groups").status_code == 200
    assert any(e[:2] == ("second-factor", "ok") and e[2]["purpose"] == "passkey-sign-in"
               for e in user_events(allowed, with_passkey.id))
    # A discoverable credential is asked for when passkeys may sign in alone.
    options = call(browser, "/account/passkeys/options",
                   {"name": "Phone", "password": PASSWORD}).get_json()
    assert options["authenticatorSelection"]["residentKey"] == "required"
    # Never to another site: the next address stays on this one.
    AuthActions(browser).logout()
    off_site = sign_in_without_password(browser, authenticator, "//evil.example/x")
    assert off_site.get_json() == {"redirect": "/"}


def test_a_passkey_without_user_verification_is_a_second_step_only(
        make_app: Callable, make_user: Callable, make_group: Callable, make_log: Callable
) -> None:
    app = make_app(PASSKEY_SIGN_IN=True)
    user = make_user(Role.FACILITATOR)
    touch_only = Authenticator(app.config["WEBAUTHN_ORIGIN"], user_verified=False)
    client = app.test_client()
    AuthActions(client).login(user.email)
    register(client, touch_only)
    assert not passkeys_of(app, user.id)[0].is_user_verified
    assert "did not check a PIN" in client.get("/account/passkeys").get_data(as_text=True)
    AuthActions(client).logout()
    assert sign_in_without_password(client, touch_only).status_code == 401
    AuthActions(client).login(user.email)
    assert second_step(client, touch_only).status_code == 200
    # Nor does it sign a log alone.
    group = make_group(facilitators=[user], people=["Ana P."])
    log_id = make_log(group, user, datetime.date(2026, 3, 4), signed=False).id
    options = call(client, "/account/passkeys/step-up/options").get_json()
    assert options["userVerification"] == "required"
    page = client.get(f"/logs/{log_id}/edit").get_data(as_text=True)
    assert "Sign with a passkey" in page
    refused = sign(app, client, log_id, password="", passkey=json.dumps(touch_only.get(options)))
    assert refused.status_code == 400 and "did not confirm it is you" in refused.get_data(
        as_text=True)
    assert load_log(app, log_id).state == LogState.DRAFT


def test_removal_asks_for_the_password_and_keeps_the_last_factor_the_policy_requires(
        make_app: Callable, app: Flask, client: FlaskClient, auth: AuthActions,
        with_passkey: User, authenticator: Authenticator, make_user: Callable) -> None:
    auth.login(with_passkey.email)
    second_step(client, authenticator)
    [passkey] = passkeys_of(app, with_passkey.id)
    url = f"/account/passkeys/{passkey.id}/remove"
    client.post(url, data={"password": "wrong", "csrf_token": token(client, "/")})
    assert "That is not your password" in client.get("/account/passkeys").get_data(as_text=True)
    assert passkeys_of(app, with_passkey.id)

    required = make_app(REQUIRE_MFA=True).test_client()
    AuthActions(required).login(with_passkey.email)
    second_step(required, authenticator)
    assert "cannot be removed" in required.get("/account/passkeys").get_data(as_text=True)
    required.post(url, data={"password": PASSWORD, "csrf_token": token(required, "/")})
    assert passkeys_of(app, with_passkey.id)

    intruder = app.test_client()
    AuthActions(intruder).login(make_user(Role.FACILITATOR).email)
    assert intruder.post(url, data={"password": PASSWORD, "csrf_token": token(
        intruder, "/")}).status_code == 404
    assert passkeys_of(app, with_passkey.id)

    removed = client.post(url, data={"password": PASSWORD, "csrf_token": token(client, "/")})
    assert removed.status_code == 302 and passkeys_of(app, with_passkey.id) == []
    assert ("remove-passkey", "ok", {"passkey": passkey.id}) in user_events(app, with_passkey.id)
    auth.logout()
    assert auth.login(with_passkey.email).headers["Location"] == "/"  # password alone again


def test_a_passkey_satisfies_the_policy(
        make_app: Callable, make_user: Callable) -> None:
    app = make_app(REQUIRE_MFA=True)
    user = make_user(Role.SUPERVISOR)
    client = app.test_client()
    AuthActions(client).login(user.email)
    assert client.get("/groups").headers["Location"] == "/account/two-factor"
    assert "a passkey</a> to continue" in client.get("/account/two-factor").get_data(
        as_text=True)
    assert client.get("/account/passkeys").status_code == 200  # reachable while enrolling
    assert register(client, Authenticator(app.config["WEBAUTHN_ORIGIN"])).status_code == 201
    assert client.get("/groups").status_code == 200


def test_an_admins_reset_removes_passkeys_too(
        app: Flask, runner: Any, with_passkey: User, client: FlaskClient,
        auth: AuthActions) -> None:
    assert runner.invoke(args=["reset-two-factor", with_passkey.email]).exit_code == 0
    assert passkeys_of(app, with_passkey.id) == []
    assert stored_user(app, with_passkey.id).must_enrol_second_factor
    auth.login(with_passkey.email)
    assert client.get("/").headers["Location"] == "/account/two-factor"


def test_co_signing_with_a_user_verified_passkey_alone(
        app: Flask, make_user: Callable, make_group: Callable, make_log: Callable) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], supervisor=supervisor, people=["Ana P."])
    log_id = make_log(group, facilitator, datetime.date(2026, 3, 4)).id
    client = app.test_client()
    AuthActions(client).login(supervisor.email)
    authenticator = Authenticator(app.config["WEBAUTHN_ORIGIN"])
    register(client, authenticator)
    page = client.get(f"/review/logs/{log_id}").get_data(as_text=True)
    assert "Co-sign with a passkey" in page and 'name="code"' not in page
    version = str(load_log(app, log_id).version)
    # The password alone is not enough for an account with a passkey.
    password_only = client.post(f"/review/logs/{log_id}/cosign", data={
        "version": version, "attest": "1", "password": PASSWORD,
        "csrf_token": token(client, "/")})
    assert "use the passkey button" in client.get(password_only.headers["Location"]).get_data(
        as_text=True)
    assert load_log(app, log_id).state == LogState.SIGNED
    options = call(client, "/account/passkeys/step-up/options").get_json()
    client.post(f"/review/logs/{log_id}/cosign", data={
        "version": version, "attest": "1", "passkey": json.dumps(authenticator.get(options)),
        "csrf_token": token(client, "/")})
    assert load_log(app, log_id).state == LogState.COSIGNED
    assert any(e[:2] == ("second-factor", "ok") and e[2]["purpose"] == "cosign-log"
               for e in user_events(app, supervisor.id))


def test_signing_a_log_with_a_user_verified_passkey(
        app: Flask, make_user: Callable, make_group: Callable, make_log: Callable) -> None:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], people=["Ana P."])
    log_id = make_log(group, facilitator, datetime.date(2026, 3, 4), signed=False).id
    client = app.test_client()
    AuthActions(client).login(facilitator.email)
    authenticator = Authenticator(app.config["WEBAUTHN_ORIGIN"])
    register(client, authenticator)
    options = call(client, "/account/passkeys/step-up/options").get_json()
    assert [c["id"] for c in options["allowCredentials"]] == [b64(authenticator.credential_id)]
    signed = sign(app, client, log_id, password="",
                  passkey=json.dumps(authenticator.get(options)))
    assert signed.status_code == 302, signed.get_data(as_text=True)
    assert load_log(app, log_id).state == LogState.SIGNED
    assert any(e[:2] == ("second-factor", "ok") and e[2]["purpose"] == "sign-log"
               for e in user_events(app, facilitator.id))


def test_an_admin_with_a_passkey_resets_a_passkey_only_account_from_the_page(
        app: Flask, make_user: Callable, with_passkey: User) -> None:
    admin = make_user(Role.ADMIN)
    client = app.test_client()
    AuthActions(client).login(admin.email)
    admins_key = Authenticator(app.config["WEBAUTHN_ORIGIN"])
    register(client, admins_key)
    accounts_page = client.get("/admin/users").get_data(as_text=True)
    assert "1 passkey" in accounts_page
    url = f"/admin/users/{with_passkey.id}/two-factor-reset"
    assert f'href="{url}"' in accounts_page
    assert "Confirm with a passkey instead" in client.get(url).get_data(as_text=True)
    options = call(client, "/account/passkeys/step-up/options").get_json()
    done = client.post(url, data={"passkey": json.dumps(admins_key.get(options)),
                                  "csrf_token": token(client, url)})
    assert done.status_code == 302
    assert passkeys_of(app, with_passkey.id) == [] and passkeys_of(app, admin.id)
    assert ("reset-second-factors", "ok", {}) in user_events(app, with_passkey.id)
