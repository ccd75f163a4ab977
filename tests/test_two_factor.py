"""Two-factor sign-in with an authenticator app (TOTP): enrolment, the second step, replay,
lockout, recovery codes, the policy, resets, key rotation, and the signing step-up."""

import datetime
import re
from collections.abc import Callable, Iterator

import pyotp
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from curriculum import db, readiness, second_factor
from models import LogState, RecoveryCode, Role, User
from tests.helpers import PASSWORD, AuthActions, csrf_token, load_log, stored_user, user_events

SECRET_RE = re.compile(r'<code id="secret-key">([A-Z2-7 ]+)</code>')
CODE_RE = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")
START = datetime.datetime(2026, 12, 1, 9, 0, 0, tzinfo=datetime.UTC)


class Clock:
    """The time the second-factor code sees, moved by hand."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime.datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += datetime.timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    frozen = Clock()
    monkeypatch.setattr(second_factor, "utcnow", frozen)
    yield frozen


def code_at(secret: str, moment: datetime.datetime) -> str:
    return pyotp.TOTP(secret).at(moment)


def post(client: FlaskClient, url: str, **data: str):
    """A form post with the session's token, taken from a page every state can reach."""
    form_page = "/login/second-step" if url.startswith("/login") else "/account/two-factor"
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_page)})


def enrol(client: FlaskClient, clock: Clock) -> tuple[str, list[str]]:
    """Add an authenticator through the page; its secret and the recovery codes shown."""
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    answer = client.post("/account/two-factor", data={
        "password": PASSWORD, "code": code_at(secret, clock.now),
        "csrf_token": csrf_token(client, "/account/two-factor")})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return secret, CODE_RE.findall(answer.get_data(as_text=True))


@pytest.fixture
def enrolled(app: Flask, client: FlaskClient, auth: AuthActions, make_user: Callable,
             clock: Clock) -> dict:
    """A facilitator with an authenticator, signed out again."""
    user = make_user(Role.FACILITATOR)
    auth.login(user.email)
    secret, codes = enrol(client, clock)
    auth.logout()
    return {"user": user, "secret": secret, "codes": codes}


def test_enrolment_shows_the_secret_as_text_and_an_inline_qr_code(
        app: Flask, client: FlaskClient, signed_in: User, clock: Clock) -> None:
    page = client.get("/account/two-factor")
    text = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    grouped = SECRET_RE.search(text).group(1)
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4}){7}", grouped)
    assert '<svg viewBox="' in text and "<title>QR code for your authenticator app</title>" in text
    assert "<img" not in text
    secret = grouped.replace(" ", "")
    # The same secret until it is confirmed, so a reload does not break a half-done scan.
    assert grouped in client.get("/account/two-factor").get_data(as_text=True)

    wrong_password = post(client, "/account/two-factor", password="not my password",
                          code=code_at(secret, clock.now))
    wrong_code = post(client, "/account/two-factor", password=PASSWORD, code="000000")
    assert wrong_password.status_code == wrong_code.status_code == 400
    assert "That is not your password." in wrong_password.get_data(as_text=True)
    assert "That code does not match" in wrong_code.get_data(as_text=True)
    assert stored_user(app, signed_in.id).totp_secret is None

    _, codes = enrol(client, clock)
    assert len(codes) == 10 and len(set(codes)) == 10
    user = stored_user(app, signed_in.id)
    assert user.totp_secret and secret not in user.totp_secret  # encrypted at rest
    with app.app_context():
        hashes = db.get_session().scalars(select(RecoveryCode.code_hash).where(
            RecoveryCode.user_id == signed_in.id)).all()
    assert len(hashes) == 10 and not set(codes) & set(hashes)
    assert ("enrol-authenticator", "ok", {}) in user_events(app, signed_in.id)
    assert "Recovery codes left: <strong>10</strong>" in client.get(
        "/account/two-factor").get_data(as_text=True)


def test_an_enrolled_account_is_not_signed_in_until_the_second_step(
        app: Flask, client: FlaskClient, auth: AuthActions, enrolled: dict, clock: Clock) -> None:
    answer = auth.login(enrolled["user"].email, next_url="/groups")
    assert answer.headers["Location"] == "/login/second-step"
    assert client.get("/groups").status_code == 302  # not signed in yet
    assert "authenticator app" in client.get("/login/second-step").get_data(as_text=True)
    clock.advance(30)
    done = post(client, "/login/second-step", code=code_at(enrolled["secret"], clock.now))
    assert done.status_code == 302 and done.headers["Location"] == "/groups"
    assert client.get("/groups").status_code == 200
    passed = ("second-factor", "ok", {"purpose": "sign-in", "method": "authenticator"})
    assert passed in user_events(app, enrolled["user"].id)


def test_codes_of_the_current_and_previous_step_only_and_never_twice(
        app: Flask, client: FlaskClient, auth: AuthActions, enrolled: dict, clock: Clock) -> None:
    secret = enrolled["secret"]

    def second_step(code: str) -> int:
        auth.login(enrolled["user"].email)
        status = post(client, "/login/second-step", code=code).status_code
        if status == 302:
            auth.logout()
        return status

    clock.advance(120)
    assert second_step(code_at(secret, clock.now - datetime.timedelta(seconds=60))) == 401
    previous = code_at(secret, clock.now - datetime.timedelta(seconds=30))
    assert second_step(previous) == 302
    assert second_step(previous) == 401  # replayed
    current = code_at(secret, clock.now)
    assert second_step(current) == 302
    assert second_step(current) == 401  # replayed within its own step
    clock.advance(30)
    assert second_step(code_at(secret, clock.now)) == 302
    failed = [a for a in user_events(app, enrolled["user"].id)
              if a[:2] == ("second-factor", "failed")]
    assert len(failed) == 3


def test_wrong_codes_count_toward_the_password_lockout(
        app: Flask, client: FlaskClient, auth: AuthActions, enrolled: dict, clock: Clock) -> None:
    email = enrolled["user"].email
    auth.login(email)
    for _ in range(4):
        assert post(client, "/login/second-step", code="123456").status_code == 401
    # The right password again does not clear the count the codes built up.
    auth.login(email)
    locked = post(client, "/login/second-step", code="654321")
    assert locked.status_code == 401
    assert stored_user(app, enrolled["user"].id).locked_until_at is not None
    assert auth.login(email).status_code == 401  # paused, right password or not
    assert "pauses for 15 minutes" in locked.get_data(as_text=True)


def test_a_recovery_code_works_once(
        app: Flask, client: FlaskClient, auth: AuthActions, enrolled: dict) -> None:
    code = enrolled["codes"][3]
    auth.login(enrolled["user"].email)
    answer = post(client, "/login/second-step", code=code.upper().replace("-", " "))
    assert answer.status_code == 302
    assert "9 are left" in client.get("/").get_data(as_text=True)
    auth.logout()
    auth.login(enrolled["user"].email)
    assert post(client, "/login/second-step", code=code).status_code == 401
    used = ("second-factor", "ok", {"purpose": "sign-in", "method": "recovery-code"})
    assert used in user_events(app, enrolled["user"].id)


def test_the_half_signed_in_state_lasts_five_minutes(
        client: FlaskClient, auth: AuthActions, enrolled: dict, clock: Clock,
        monkeypatch: pytest.MonkeyPatch) -> None:
    from curriculum import pending_sign_in
    monkeypatch.setattr(pending_sign_in, "utcnow", clock)
    auth.login(enrolled["user"].email)
    token = csrf_token(client, "/login/second-step")
    clock.advance(5 * 60 + 1)
    late = client.post("/login/second-step", data={
        "code": code_at(enrolled["secret"], clock.now), "csrf_token": token})
    assert late.status_code == 302 and late.headers["Location"] == "/login"
    assert client.get("/").status_code == 302


def test_new_recovery_codes_replace_the_old_and_need_the_password(
        client: FlaskClient, auth: AuthActions, enrolled: dict, clock: Clock) -> None:
    auth.login(enrolled["user"].email)
    clock.advance(30)
    post(client, "/login/second-step", code=code_at(enrolled["secret"], clock.now))
    refused = post(client, "/account/two-factor/recovery-codes", password="wrong")
    assert refused.status_code == 302
    fresh = CODE_RE.findall(post(client, "/account/two-factor/recovery-codes",
                                 password=PASSWORD).get_data(as_text=True))
    assert len(fresh) == 10 and not set(fresh) & set(enrolled["codes"])
    auth.logout()
    auth.login(enrolled["user"].email)
    assert post(client, "/login/second-step", code=enrolled["codes"][0]).status_code == 401
    assert post(client, "/login/second-step", code=fresh[0]).status_code == 302


def test_the_policy_sends_accounts_without_a_factor_to_enrol_first(
        make_app: Callable, make_user: Callable, clock: Clock) -> None:
    app = make_app(REQUIRE_MFA=True)
    user = make_user(Role.SUPERVISOR)
    client = app.test_client()
    AuthActions(client).login(user.email)
    for url in ("/", "/groups", "/review/", "/account/password"):
        assert client.get(url).headers["Location"] == "/account/two-factor", url
    assert "Your program requires a second factor" in client.get(
        "/account/two-factor").get_data(as_text=True)
    enrol(client, clock)
    assert client.get("/groups").status_code == 200
    removed = post(client, "/account/two-factor/remove", password=PASSWORD)
    assert removed.status_code == 302 and stored_user(app, user.id).totp_secret is not None
    assert readiness.warnings(app) == []


def test_the_admin_setting_turns_the_policy_on_with_a_step_up(
        app: Flask, make_user: Callable, clock: Clock) -> None:
    admin, other = make_user(Role.ADMIN), make_user(Role.FACILITATOR)
    client = app.test_client()
    AuthActions(client).login(admin.email)
    assert "password alone" in readiness.warnings(app)[0]
    assert post(client, "/admin/users/policy", require_second_factor="1",
                password="wrong").status_code == 302
    with app.app_context():
        assert not second_factor.policy_required(db.get_session())
    post(client, "/admin/users/policy", require_second_factor="1", password=PASSWORD)
    assert readiness.warnings(app) == []
    # The admin has no factor yet, so the next page is their own enrolment.
    assert client.get("/admin/users").headers["Location"] == "/account/two-factor"
    someone = app.test_client()
    AuthActions(someone).login(other.email)
    assert someone.get("/").headers["Location"] == "/account/two-factor"


def test_an_admin_resets_a_users_factors_and_they_enrol_again(
        app: Flask, make_user: Callable, enrolled: dict, clock: Clock) -> None:
    admin = make_user(Role.ADMIN)
    client = app.test_client()
    AuthActions(client).login(admin.email)
    user_id = enrolled["user"].id
    assert "Reset two-factor" in client.get("/admin/users").get_data(as_text=True)
    url = f"/admin/users/{user_id}/two-factor-reset"
    assert post(client, url, password="wrong").status_code == 400
    assert post(client, url, password=PASSWORD).status_code == 302
    user = stored_user(app, user_id)
    assert user.totp_secret is None and user.must_enrol_second_factor
    assert ("reset-second-factors", "ok", {}) in user_events(app, user_id)
    again = app.test_client()
    assert AuthActions(again).login(user.email).headers["Location"] == "/"
    assert again.get("/").headers["Location"] == "/account/two-factor"
    enrol(again, clock)
    assert not stored_user(app, user_id).must_enrol_second_factor
    facilitator = app.test_client()
    AuthActions(facilitator).login(make_user(Role.FACILITATOR).email)
    assert post(facilitator, url, password=PASSWORD).status_code == 404


def test_reset_two_factor_command(app: Flask, runner, enrolled: dict) -> None:
    unknown = runner.invoke(args=["reset-two-factor", "nobody@example.org"])
    assert unknown.exit_code == 1 and "no account has the email" in unknown.output
    done = runner.invoke(args=["reset-two-factor", enrolled["user"].email])
    assert done.exit_code == 0, done.output
    assert stored_user(app, enrolled["user"].id).must_enrol_second_factor


def test_a_rotated_secret_key_keeps_authenticators_working_and_reseal_moves_them(
        make_app: Callable, app: Flask, auth: AuthActions, client: FlaskClient,
        enrolled: dict, clock: Clock) -> None:
    old_key = app.config["SECRET_KEY"]
    rotated = make_app(SECRET_KEY="a new key " * 4, SECRET_KEY_FALLBACKS=[old_key])
    rotated_client = rotated.test_client()

    def signs_in(target: Flask, browser: FlaskClient) -> bool:
        AuthActions(browser).login(enrolled["user"].email)
        clock.advance(30)
        answer = post(browser, "/login/second-step", code=code_at(enrolled["secret"], clock.now))
        return answer.status_code == 302

    assert signs_in(rotated, rotated_client)
    assert rotated.test_cli_runner().invoke(args=["reseal-secrets"]).exit_code == 0
    new_only = make_app(SECRET_KEY="a new key " * 4)
    assert signs_in(new_only, new_only.test_client())
    old_only = make_app(SECRET_KEY=old_key)
    assert not signs_in(old_only, old_only.test_client())
    assert any("cannot be opened" in p for p in readiness.problems(old_only))


def test_signing_asks_for_the_code_when_the_account_has_one(
        app: Flask, make_user: Callable, make_group: Callable, make_log: Callable,
        clock: Clock) -> None:
    supervisor = make_user(Role.SUPERVISOR)
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], supervisor=supervisor, people=["Ana P."])
    log_id = make_log(group, facilitator, datetime.date(2026, 3, 4)).id
    client = app.test_client()
    AuthActions(client).login(supervisor.email)
    secret, _ = enrol(client, clock)
    page = client.get(f"/review/logs/{log_id}").get_data(as_text=True)
    assert 'name="code"' in page
    version = str(load_log(app, log_id).version)
    clock.advance(30)
    no_code = post(client, f"/review/logs/{log_id}/cosign", version=version, attest="1",
                   password=PASSWORD)
    assert "authenticator app shows now" in client.get(
        no_code.headers["Location"]).get_data(as_text=True)
    assert load_log(app, log_id).state == LogState.SIGNED
    post(client, f"/review/logs/{log_id}/cosign", version=version, attest="1",
         password=PASSWORD, code=code_at(secret, clock.now))
    assert load_log(app, log_id).state == LogState.COSIGNED
