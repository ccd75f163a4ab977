"""App-wide behaviour: health check, error pages, security and caching headers, and the schema
staying in step with models."""

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from flask.testing import FlaskClient

from curriculum import db, schema, signed_in
from curriculum.headers import CACHEABLE_ENDPOINTS
from models import Base, Role, User
from tests.helpers import AuthActions, client_for


def test_healthz_reports_a_dead_database(make_app: Callable, tmp_path: Path) -> None:
    app = make_app()
    app.extensions["engine"].dispose()
    app.extensions["engine"] = db.make_engine(f"sqlite:///{tmp_path}/missing/dir/x.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def test_a_database_that_stops_answering_the_sign_in_check_is_a_503(
    make_app: Callable, make_user: Callable, tmp_path: Path
) -> None:
    """The per-request check of who is signed in runs on the driver directly; its errors are
    still answered as the database being unavailable, never as a crash."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    AuthActions(client).login(make_user().email)
    assert client.get("/topics").status_code == 200
    empty = db.make_engine(f"sqlite:///{tmp_path}/empty.sqlite3")  # no users table at all
    app.extensions["signed_in_query"] = db.DriverQuery(empty, signed_in.SIGNED_IN_QUERY)
    response = client.get("/topics")
    assert response.status_code == 503
    assert "Traceback" not in response.get_data(as_text=True)
    empty.dispose()


def test_500_page_shows_no_traceback(make_app: Callable, make_user: Callable,
                                     caplog) -> None:  # type: ignore[no-untyped-def]
    def explode() -> str:
        raise RuntimeError("secret internals")

    app = make_app(PROPAGATE_EXCEPTIONS=False)
    app.add_url_rule("/explode", "explode", explode)
    client = app.test_client()
    AuthActions(client).login(make_user().email)
    response = client.get("/explode")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "secret internals" not in page and "Traceback" not in page
    assert "secret internals" in caplog.text


def test_unknown_page_and_wrong_method(client: FlaskClient, signed_in: User) -> None:
    assert client.get("/no/such/page").status_code == 404
    assert client.delete("/topics").status_code == 405


def test_migrations_match_the_models(app: Flask) -> None:
    with app.app_context(), db.engine().connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []
    with app.app_context():
        assert schema.current_revision(db.engine()) == schema.head_revision()


def test_security_headers_on_every_response(client: FlaskClient, make_app: Callable) -> None:
    for url in ("/login", "/healthz", "/static/app.css", "/no/such/page"):
        response = client.get(url)
        response.close()  # a static file response holds the file open
        headers = response.headers
        assert headers["Content-Security-Policy"].startswith("default-src 'self'; object-src")
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # development: plain http
    production = make_app(GROUPWORK_ENV="production").test_client()
    assert "max-age" in production.get("/login").headers["Strict-Transport-Security"]


def test_pages_use_no_inline_script_or_style(client: FlaskClient, signed_in: User) -> None:
    for url in ("/", "/topics", "/topics/coping-with-cravings", "/groups", "/login"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>" not in page and "style=" not in page and " on" + "click=" not in page


@pytest.mark.engine_independent  # which endpoint answered, not what the database holds
def test_only_handouts_and_static_files_may_be_cached(
    app: Flask, client: FlaskClient, make_user: Callable
) -> None:
    """No-store is the default: every GET route of the URL map is asked for, signed out and as
    each role, and only the endpoints listed here answer without it, so a page added later is
    no-store without anyone remembering."""
    assert sorted(CACHEABLE_ENDPOINTS) == ["static", "topics.handout", "topics.packet"]
    staff = {role: client_for(app, make_user(role)) for role in Role}
    clients = [client, *staff.values()]
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in CACHEABLE_ENDPOINTS:
            continue
        url = re.sub(r"<[^>]+>", "1", rule.rule)
        for each in clients:
            response = each.get(url)
            assert response.headers["Cache-Control"] == "no-store", (url, response.status_code)
            checked += 1
    assert checked > 80
    admin, supervisor, facilitator = (staff[role] for role in (Role.ADMIN, Role.SUPERVISOR,
                                                               Role.FACILITATOR))
    for each, url in ((client, "/login"), (facilitator, "/"), (facilitator, "/account/password"),
                      (admin, "/admin/users"), (admin, "/admin/groups"),
                      (supervisor, "/review/"), (admin, "/healthz")):
        response = each.get(url)
        assert (response.status_code, response.headers["Cache-Control"]) == (200, "no-store"), url
    # The library's pages name their reader and hold a form token: never kept.
    for url in ("/topics", "/topics/coping-with-cravings"):
        assert facilitator.get(url).headers["Cache-Control"] == "no-store", url
    for url in ("/static/app.css", "/handouts.pdf?topics=coping-with-cravings"):
        response = facilitator.get(url)
        response.close()  # a static file response holds the file open
        assert response.status_code == 200
        assert "no-store" not in response.headers.get("Cache-Control", ""), url
    handout = facilitator.get("/topics/coping-with-cravings/handout.pdf")
    assert handout.headers["Cache-Control"] == "private, no-cache" and handout.headers["ETag"]
