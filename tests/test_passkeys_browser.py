"""Second factors in headless Chromium: passkeys with its virtual authenticator (DevTools
protocol WebAuthn.addVirtualAuthenticator) — registering one, the second step with it, signing
in without a password where allowed, removal, and signing, co-signing and changing the policy
with it — and the authenticator-app pages; axe-core checks the pages and a 375 px screen
fits them. Browsers refuse WebAuthn on a bare IP, so the app is opened as localhost."""

import datetime
import re
from collections.abc import Callable, Iterator
from typing import Any

import pyotp
import pytest
from flask import Flask

from curriculum import db, second_factor
from models import LogState, Role, User
from tests.browser import BROWSER_TEST_MARKS, serious_violations, served, sideways_scroll
from tests.helpers import PASSWORD, load_log

pytestmark = BROWSER_TEST_MARKS
HOME = re.compile(r"^http://localhost:\d+/$")


@pytest.fixture
def tab(browser: Any, app: Flask) -> Iterator[Any]:
    """A browser tab on the test app at http://localhost:<port>, with a virtual platform
    authenticator that verifies its user; the app's WebAuthn origin is that address."""
    with served(app) as loopback:
        origin = loopback.replace("127.0.0.1", "localhost")
        app.config["WEBAUTHN_ORIGIN"] = origin
        context = browser.new_context(base_url=origin)
        page = context.new_page()
        page.set_default_timeout(10_000)
        cdp = context.new_cdp_session(page)
        cdp.send("WebAuthn.enable")
        page.authenticator = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
            "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
            "hasUserVerification": True, "isUserVerified": True}})["authenticatorId"]
        page.cdp = cdp
        yield page
        context.close()


def sign_in_with_password(page: Any, user: User) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()


def add_passkey(page: Any, name: str) -> None:
    page.goto("/account/passkeys")
    page.get_by_label("A name for it").fill(name)
    page.get_by_label("Your password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_role("status").filter(has_text=f"The passkey “{name}” is added").wait_for()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r".*/login$"))


def test_register_a_passkey_and_use_it_as_the_second_step(
        tab: Any, make_user: Callable) -> None:
    user = make_user(Role.FACILITATOR)
    sign_in_with_password(tab, user)
    tab.wait_for_url(HOME)
    tab.goto("/account/passkeys")
    assert serious_violations(tab) == []
    add_passkey(tab, "Work laptop")
    assert tab.get_by_text("Work laptop").first.is_visible()
    assert serious_violations(tab) == []
    credentials = tab.cdp.send("WebAuthn.getCredentials",
                               {"authenticatorId": tab.authenticator})["credentials"]
    assert len(credentials) == 1 and credentials[0]["isResidentCredential"]
    sign_out(tab)

    sign_in_with_password(tab, user)
    tab.wait_for_url(re.compile(r".*/login/second-step$"))
    assert tab.get_by_label("Code").count() == 0  # no authenticator app on this account
    assert serious_violations(tab) == []
    tab.get_by_role("button", name="Use a passkey").click()
    tab.wait_for_url(HOME)
    tab.goto("/account/passkeys")
    assert "last used" in tab.locator("ul.passkeys li").first.inner_text()


def test_signing_in_with_a_passkey_alone_only_where_allowed(
        tab: Any, app: Flask, make_user: Callable) -> None:
    user = make_user(Role.FACILITATOR)
    sign_in_with_password(tab, user)
    tab.wait_for_url(HOME)
    add_passkey(tab, "Phone")
    sign_out(tab)
    assert tab.get_by_role("button", name="Sign in with a passkey").count() == 0

    app.config["PASSKEY_SIGN_IN"] = True
    tab.goto("/login?next=/groups")
    assert serious_violations(tab) == []
    tab.get_by_role("button", name="Sign in with a passkey").click()
    tab.wait_for_url(re.compile(r"^http://localhost:\d+/groups$"))
    assert tab.get_by_text(f"{user.name} (facilitator)").is_visible()


def test_removing_a_passkey_asks_for_the_password(tab: Any, make_user: Callable) -> None:
    sign_in_with_password(tab, make_user(Role.FACILITATOR))
    tab.wait_for_url(HOME)
    add_passkey(tab, "Old key")
    tab.get_by_label("Your password, to remove “Old key”").fill("not my password")
    tab.get_by_role("button", name="Remove “Old key”").click()
    assert "That is not your password" in tab.get_by_role("status").inner_text()
    tab.get_by_label("Your password, to remove “Old key”").fill(PASSWORD)
    tab.get_by_role("button", name="Remove “Old key”").click()
    assert "is removed" in tab.get_by_role("status").inner_text()
    assert tab.get_by_text("You have no passkeys yet.").is_visible()


def test_an_admins_reset_removes_the_passkey(
        tab: Any, app: Flask, make_user: Callable) -> None:
    user = make_user(Role.FACILITATOR)
    sign_in_with_password(tab, user)
    tab.wait_for_url(HOME)
    add_passkey(tab, "Lost phone")
    sign_out(tab)
    assert app.test_cli_runner().invoke(args=["reset-two-factor", user.email]).exit_code == 0
    sign_in_with_password(tab, user)  # no second step: the passkey is gone
    tab.wait_for_url(re.compile(r".*/account/two-factor$"))
    tab.goto("/account/passkeys")
    assert tab.get_by_text("You have no passkeys yet.").is_visible()


def test_co_signing_with_a_passkey(
        tab: Any, app: Flask, make_user: Callable, make_group: Callable,
        make_log: Callable) -> None:
    supervisor, facilitator = make_user(Role.SUPERVISOR), make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], supervisor=supervisor, people=["Ana P."])
    log_id = make_log(group, facilitator, datetime.date(2026, 3, 4)).id
    sign_in_with_password(tab, supervisor)
    tab.wait_for_url(HOME)
    add_passkey(tab, "Desk key")
    tab.goto(f"/review/logs/{log_id}")
    assert serious_violations(tab) == []
    tab.get_by_label(re.compile("I have reviewed")).check()
    tab.get_by_role("button", name="Co-sign with a passkey instead").click()
    tab.get_by_role("status").filter(has_text="Co-signed.").wait_for()
    assert load_log(app, log_id).state == LogState.COSIGNED


def test_signing_a_log_with_a_passkey(
        tab: Any, app: Flask, make_user: Callable, make_group: Callable,
        make_log: Callable) -> None:
    facilitator = make_user(Role.FACILITATOR)
    group = make_group(facilitators=[facilitator], people=["Ana P."])
    log_id = make_log(group, facilitator, datetime.date(2026, 3, 4), signed=False).id
    sign_in_with_password(tab, facilitator)
    tab.wait_for_url(HOME)
    add_passkey(tab, "Laptop")
    tab.goto(f"/logs/{log_id}/edit")
    tab.get_by_role("button", name="Sign with a passkey instead").click()
    tab.get_by_role("status").filter(has_text="Signed.").wait_for()
    signed = load_log(app, log_id)
    assert signed.state == LogState.SIGNED and signed.signed_by_id == facilitator.id


def test_an_admin_with_only_a_passkey_changes_the_policy(
        tab: Any, app: Flask, make_user: Callable) -> None:
    sign_in_with_password(tab, make_user(Role.ADMIN))
    tab.wait_for_url(HOME)
    add_passkey(tab, "Office key")
    tab.goto("/admin/users")
    assert tab.get_by_label(re.compile("^Code")).count() == 0  # no authenticator app to ask
    tab.get_by_role("button", name="Confirm with a passkey instead").click()
    tab.get_by_role("status").filter(has_text="Every account now needs a second factor.").wait_for()
    with app.app_context():
        assert second_factor.policy_required(db.get_session())


def test_the_authenticator_pages_are_accessible_and_fit_a_phone(
        tab: Any, make_user: Callable) -> None:
    user = make_user(Role.FACILITATOR)
    sign_in_with_password(tab, user)
    tab.wait_for_url(HOME)
    tab.goto("/account/two-factor")
    assert serious_violations(tab) == []
    assert sideways_scroll(tab, 375) is None
    secret = tab.locator("#secret-key").inner_text().replace(" ", "")
    tab.get_by_label("Your password", exact=True).fill(PASSWORD)
    tab.get_by_label("The 6-digit code your app shows now").fill(pyotp.TOTP(secret).now())
    tab.get_by_role("button", name="Add the authenticator").click()
    tab.get_by_role("heading", name="Your recovery codes").wait_for()
    assert serious_violations(tab) == []
    assert sideways_scroll(tab, 375) is None
    sign_out(tab)

    sign_in_with_password(tab, user)
    tab.wait_for_url(re.compile(r".*/login/second-step$"))
    assert serious_violations(tab) == []
    assert sideways_scroll(tab, 375) is None

