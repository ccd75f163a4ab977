"""Route inventory: every rule is either public on purpose or needs a signed-in user; a new
unguarded route fails here."""

import re

from flask import Flask
from flask.testing import FlaskClient

from curriculum.signed_in import PUBLIC_ENDPOINTS

# Rules whose views are reachable without signing in, and why.
EXPECTED_PUBLIC = {
    "auth.login": "the sign-in form",
    "auth.login_post": "signing in",
    "two_factor.second_step": "the code after a right password, before the session starts",
    "two_factor.second_step_post": "checking that code",
    "passkeys.second_step_options": "a passkey's challenge for that second step",
    "passkeys.second_step": "checking the passkey's answer",
    "passkeys.sign_in_options": "a challenge to sign in with a passkey alone (when allowed)",
    "passkeys.sign_in": "checking that passkey's answer",
    "home.healthz": "load balancers and monitors",
    "static": "stylesheets and the scripts (autosave, passkeys)",
}


def concrete(rule: str) -> str:
    return re.sub(r"<[^>]+>", "1", rule)


def test_public_endpoints_are_exactly_the_expected_ones() -> None:
    assert set(PUBLIC_ENDPOINTS) == set(EXPECTED_PUBLIC)


def test_every_other_route_needs_a_signed_in_user(app: Flask, client: FlaskClient) -> None:
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXPECTED_PUBLIC:
            continue
        url = concrete(rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(url, method=method)
            if method == "GET":
                assert response.status_code == 302, (rule.rule, method)
                assert response.headers["Location"].startswith("/login?next="), rule.rule
            else:  # CSRF refuses first (400), or the sign-in check does (401)
                assert response.status_code in (400, 401), (rule.rule, method)
            checked += 1
    assert checked > 40


def test_every_view_has_a_docstring(app: Flask) -> None:
    missing = [endpoint for endpoint, view in app.view_functions.items()
               if endpoint != "static" and not (view.__doc__ or "").strip()]
    assert missing == []
