"""Error pages: our own words for every status we answer with; a save that lost a race; and,
when the database cannot take a request (locked past the wait, disk full, unreachable), a 503
that rolls back and hands back what the user typed, so nothing they wrote is lost."""

import logging

from flask import Flask, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException, SecurityError

from curriculum.db import get_session
from curriculum.signed_in import without_signed_in_user

log = logging.getLogger(__name__)
ERROR_CODES = (400, 401, 403, 404, 405, 413, 429, 500, 503)

# Never echoed: the old CSRF token (the retry form carries a fresh one) and the password.
NOT_RETURNED = frozenset({"csrf_token", "password"})
RETRY_AFTER_SECONDS = 10


def typed_text(form: dict[str, list[str]]) -> list[str]:
    """The free text in a submitted form, in form order: values with a space or a line break,
    or long ones. Statuses, numbers and ids travel in the retry form but are not shown."""
    return [value for key, values in form.items() if key not in NOT_RETURNED
            for value in values if value.strip() and (" " in value.strip()
                                                       or "\n" in value or len(value) >= 40)]


def database_unavailable(error: OperationalError) -> ResponseReturnValue:
    """Nothing from this request was committed: the transaction is rolled back as a whole."""
    get_session().rollback()
    without_signed_in_user()
    log.warning("database unavailable for %s %s: %s", request.method, request.path,
                str(error.orig).splitlines()[0] if error.orig else error)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if request.headers.get("X-Autosave") == "1":
        return jsonify(message="Not saved automatically: the database is busy. Your text is "
                               "still on this page; try Save draft in a moment."), 503, headers
    form = {key: request.form.getlist(key) for key in request.form
            if key not in NOT_RETURNED} if request.method == "POST" else {}
    return render_template("database_unavailable.html", form=form, text=typed_text(form),
                           asked_password="password" in request.form, without_menu=True,
                           ), 503, headers


def render_error(error: HTTPException) -> tuple[str, int]:
    """Our own words for every status; a view's abort(400, description=...) is shown as given."""
    code = error.code or 500
    # An untrusted Host header (TRUSTED_HOSTS): no link can be built.
    if isinstance(request.routing_exception, SecurityError):
        return f"{code} {error.name}", code
    custom = error.description != type(error).description and code < 500
    return render_template("errors.html", code=code, title=error.name,
                           message=error.description if custom else None), code


def render_conflict(_error: StaleDataError) -> tuple[str, int]:
    """Another save landed between this request's read and its write; this one is undone
    whole. (The log, goal and discharge summary editors answer it themselves, through
    ``db.flush_unless_stale``, with the user's text beside the saved one.)"""
    get_session().rollback()
    return render_template("errors.html", code=409, title="Changed by someone else",
                           message="Someone else saved this at the same moment, so nothing "
                                   "from your request was saved. Reload the page and try "
                                   "again."), 409


def init_app(app: Flask) -> None:
    for code in ERROR_CODES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(StaleDataError, render_conflict)
