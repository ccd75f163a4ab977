"""When the database cannot take a request (locked past the wait, disk full, unreachable):
roll back, answer 503, and hand back what the user typed so nothing they wrote is lost."""

import logging

from flask import jsonify, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError

from curriculum.db import get_session
from curriculum.signed_in import without_signed_in_user

log = logging.getLogger(__name__)

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
