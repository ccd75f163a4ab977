"""Sign-in, sign-out and the session rules, through the real forms."""

import datetime
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from curriculum import db, passwords
from curriculum.auth import SIGN_IN_FAILED
from models import Role, User, utcnow
from tests.helpers import PASSWORD, AuthActions, csrf_token, password_matches, stored_user


def test_sign_in_and_out(client: FlaskClient, auth: AuthActions, make_user: Callable) -> None:
    user = make_user(name="Dana Reyes")
    response = auth.login(user.email)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Dana Reyes" in client.get("/").get_data(as_text=True)
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(auth: AuthActions, make_user: Callable) -> None:
    user = make_user(email="Mixed.Case@Example.org")
    assert auth.login("mixed.case@example.ORG").status_code == 302
    assert user.id


def test_unknown_email_and_wrong_password_get_the_same_answer(
    auth: AuthActions, make_user: Callable
) -> None:
    user = make_user()
    wrong = auth.login(user.email, "not the right password")
    unknown = auth.login("nobody@example.org", PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert SIGN_IN_FAILED in wrong.get_data(as_text=True)
    assert SIGN_IN_FAILED in unknown.get_data(as_text=True)
    assert 'value="nobody@example.org"' in unknown.get_data(as_text=True)


def test_missing_csrf_token_is_refused(client: FlaskClient, make_user: Callable) -> None:
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_inactive_account_cannot_sign_in(auth: AuthActions, make_user: Callable) -> None:
    user = make_user(is_active=False)
    assert auth.login(user.email).status_code == 401


@pytest.mark.parametrize("url", ["/", "/topics", "/topics/coping-with-cravings",
                                 "/topics/coping-with-cravings/handout.pdf",
                                 "/handouts.pdf?topics=coping-with-cravings",
                                 "/topics/no-such-topic", "/account/password"])
def test_anonymous_users_are_sent_to_sign_in(client: FlaskClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_anonymous_posts_are_refused(client: FlaskClient) -> None:
    token = csrf_token(client)
    assert client.post("/logout", data={"csrf_token": token}).status_code == 401


def test_public_pages(client: FlaskClient) -> None:
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}


@pytest.mark.parametrize(("next_url", "expected"), [
    ("/topics?q=waves", "/topics?q=waves"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_only_redirects_within_the_site(
    auth: AuthActions, make_user: Callable, next_url: str, expected: str
) -> None:
    user = make_user()
    response = auth.login(user.email, next_url=next_url)
    assert response.headers["Location"] == expected


def test_sign_out_is_post_only(client: FlaskClient, signed_in: User) -> None:
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_cookie_replayed_after_sign_out_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable
) -> None:
    user = make_user()
    auth.login(user.email)
    stolen = client.get_cookie("groupwork_session").value
    auth.logout()
    replay = app.test_client()
    replay.set_cookie("groupwork_session", stolen)
    assert replay.get("/").status_code == 302


def test_pre_login_session_data_is_dropped(client: FlaskClient, make_user: Callable) -> None:
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    AuthActions(client).login(user.email)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{user.id}:")


def test_five_wrong_passwords_lock_the_account(
    app: Flask, auth: AuthActions, make_user: Callable
) -> None:
    user = make_user()
    for _ in range(5):
        assert auth.login(user.email, "wrong password here").status_code == 401
    assert auth.login(user.email).status_code == 401  # right password, still locked
    with app.app_context():
        session = db.get_session()
        locked = session.get(User, user.id)
        assert locked.locked_until_at > utcnow()
        locked.locked_until_at = utcnow() - datetime.timedelta(seconds=1)  # cool-down over
        session.commit()
    assert auth.login(user.email).status_code == 302


def test_idle_and_absolute_timeouts(client: FlaskClient, signed_in: User) -> None:
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["seen_at"] -= 16 * 60
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    AuthActions(client).login(signed_in.email)
    with client.session_transaction() as session:
        session["signed_in_at"] -= 13 * 3600
    assert client.get("/").status_code == 302


def test_session_cookie_flags(client: FlaskClient, signed_in: User) -> None:
    cookie = client.get_cookie("groupwork_session")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert not cookie.secure  # development; production sets Secure (see test_production_cookie)


def test_production_cookie_is_secure(make_app: Callable) -> None:
    app = make_app(GROUPWORK_ENV="production")
    assert app.config["SESSION_COOKIE_SECURE"] is True


def change_password(client: FlaskClient, current: str, new: str, confirm: str | None = None):
    token = csrf_token(client, "/account/password")
    return client.post("/account/password", data={
        "current_password": current, "new_password": new,
        "confirm": new if confirm is None else confirm, "csrf_token": token})


def test_temporary_password_must_be_changed_first(
    app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable
) -> None:
    user = make_user(is_password_temporary=True)
    auth.login(user.email)
    assert client.get("/topics").headers["Location"] == "/account/password"
    response = change_password(client, PASSWORD, "a brand new passphrase")
    assert response.status_code == 302
    assert client.get("/topics").status_code == 200
    assert not stored_user(app, user.id).is_password_temporary


@pytest.mark.parametrize(("current", "new", "confirm", "message"), [
    (PASSWORD, "too short", None, "Use 12 to 1024 characters."),
    (PASSWORD, "x" * 1025, None, "Use 12 to 1024 characters."),
    (PASSWORD, "a brand new passphrase", "something else", "The two do not match."),
    ("wrong current password", "a brand new passphrase", None, "not your current password"),
    (PASSWORD, PASSWORD, None, "different from the current one"),
])
def test_password_change_errors_keep_nothing(
    app: Flask, client: FlaskClient, signed_in: User, current: str, new: str,
    confirm: str | None, message: str
) -> None:
    response = change_password(client, current, new, confirm)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert password_matches(app, stored_user(app, signed_in.id).password_hash, PASSWORD)


def test_long_passwords_are_not_truncated(
    app: Flask, client: FlaskClient, auth: AuthActions, signed_in: User
) -> None:
    long_password = "p" * 200 + "A"
    assert change_password(client, PASSWORD, long_password).status_code == 302
    auth.logout()
    assert auth.login(signed_in.email, "p" * 200 + "B").status_code == 401
    assert auth.login(signed_in.email, long_password).status_code == 302


def test_password_change_ends_other_sessions(
    app: Flask, client: FlaskClient, signed_in: User
) -> None:
    other = app.test_client()
    AuthActions(other).login(signed_in.email)
    assert other.get("/").status_code == 200
    assert change_password(client, PASSWORD, "a brand new passphrase").status_code == 302
    assert other.get("/").status_code == 302
    assert client.get("/").status_code == 200


def test_deactivation_ends_sessions(app: Flask, client: FlaskClient, signed_in: User) -> None:
    with app.app_context():
        session = db.get_session()
        user = session.scalar(select(User).where(User.id == signed_in.id))
        user.is_active = False
        user.rotate_session_token()
        session.commit()
    assert client.get("/").status_code == 302


def test_production_stores_argon2id_at_rfc9106_cost_and_upgrades_cheaper_hashes(
    make_app: Callable[..., Flask]
) -> None:
    """Outside tests, passwords are hashed with RFC 9106's low-memory profile; a hash made
    with cheaper parameters (here the test profile's) is re-hashed at the next sign-in."""
    app = make_app(PASSWORD_HASHING=passwords.PRODUCTION)
    with app.app_context():
        session = db.get_session()
        cheap = passwords.HASHERS["test-only-minimal"].hash(PASSWORD)
        session.add(User(email="admin@example.org", name="Ada", role=Role.ADMIN,
                         password_hash=cheap))
        session.commit()
    assert AuthActions(app.test_client()).login("admin@example.org").status_code == 302
    with app.app_context():
        upgraded = db.get_session().scalar(select(User.password_hash))
    assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert password_matches(app, upgraded, PASSWORD)


def test_form_tokens_belong_to_their_own_session(app: Flask, make_user: Callable) -> None:
    """A token from any of a session's pages is accepted by its forms; another session's token
    is refused, and signing in again starts a new one (the old token refused)."""
    user = make_user()
    first, second = app.test_client(), app.test_client()
    AuthActions(first).login(user.email)
    AuthActions(second).login(user.email)
    token = csrf_token(first, "/")
    other = csrf_token(second, "/")
    assert other != token
    assert first.post("/logout", data={"csrf_token": other}).status_code == 400
    assert first.post("/logout", data={"csrf_token": csrf_token(first, "/topics")}
                      ).status_code == 302
    AuthActions(first).login(user.email)
    assert first.post("/logout", data={"csrf_token": token}).status_code == 400
