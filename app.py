"""Groupwork: the application factory."""

from pathlib import Path
from typing import Any

from flask import Flask, render_template
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from curriculum import (
    admin,
    audit_views,
    auth,
    cli,
    coverage,
    db,
    db_unavailable,
    exports,
    formats,
    headers,
    home,
    passwords,
    pdf,
    reports,
    review,
    served_library,
    sessions,
    settings,
    signed_in,
    spot_checks,
    templating,
    topics,
)

csrf = CSRFProtect()
ERROR_CODES = (400, 401, 403, 404, 405, 413, 429, 500, 503)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from defaults, then the environment (or the given test config)."""
    root = settings.PROJECT_ROOT
    app = Flask(__name__, instance_path=str(root / "instance"),
                template_folder=str(root / "templates"), static_folder=str(root / "static"))
    app.config.from_mapping(settings.DEFAULTS)
    if config is None:
        app.config.from_mapping(settings.from_environment(Path(app.instance_path)))
    else:
        app.config.from_mapping(config)
    settings.finish(app.config, Path(app.instance_path))

    # Services, each bound to this app.
    db.init_app(app)
    csrf.init_app(app)
    templating.init_app(app)
    passwords.init_app(app)
    signed_in.init_app(app)
    formats.init_app(app)
    headers.init_app(app)
    pdf.init_app(app)
    served_library.init_app(app)

    # Pages. Ids in URLs are positive and fit a 32-bit column on every engine.
    app.url_map.converters["id"] = RowIdConverter
    for blueprint in (auth.bp, home.bp, topics.bp, sessions.bp, review.bp, reports.bp,
                      coverage.bp, audit_views.bp, exports.bp, spot_checks.bp, admin.bp):
        app.register_blueprint(blueprint)

    # One error page for every status we answer with.
    for code in ERROR_CODES:
        app.register_error_handler(code, render_error)
    app.register_error_handler(OperationalError, db_unavailable.database_unavailable)
    app.register_error_handler(StaleDataError, render_conflict)

    cli.init_app(app)
    return app


class RowIdConverter(IntegerConverter):
    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)


def render_error(error: HTTPException) -> tuple[str, int]:
    """Our own words for every status; a view's abort(400, description=...) is shown as given."""
    code = error.code or 500
    if request_ctx.url_adapter is None:  # an untrusted Host header: no link can be built
        return f"{code} {error.name}", code
    custom = error.description != type(error).description and code < 500
    return render_template("errors.html", code=code, title=error.name,
                           message=error.description if custom else None), code


def render_conflict(_error: StaleDataError) -> tuple[str, int]:
    """Another save landed between this request's read and its write; this one is undone
    whole. (The log editor answers this itself, with both texts side by side.)"""
    db.get_session().rollback()
    return render_template("errors.html", code=409, title="Changed by someone else",
                           message="Someone else saved this at the same moment, so nothing "
                                   "from your request was saved. Reload the page and try "
                                   "again."), 409
