"""Groupwork: the application factory."""

from pathlib import Path
from typing import Any

from flask import Flask
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter, Map

from curriculum import (
    admin,
    audit_trail,
    auth,
    cli,
    coverage,
    db,
    discharge,
    error_pages,
    exports,
    goals,
    headers,
    home,
    message_catalogs,
    participants,
    passkeys,
    passwords,
    pdf,
    reports,
    review,
    served_library,
    sessions,
    settings,
    signed_in,
    spot_checks,
    staff_accounts,
    template_filters,
    templating,
    topic_versions,
    topics,
    track_versions,
    tracks,
    translation_versions,
    two_factor,
)

csrf = CSRFProtect()


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
    template_filters.init_app(app)
    headers.init_app(app)
    pdf.init_app(app)
    message_catalogs.init_app(app)
    served_library.init_app(app)

    # Pages. Ids in URLs are positive and fit a 32-bit column on every engine.
    app.url_map.converters["id"] = RowIdConverter
    for blueprint in (auth.bp, home.bp, topics.bp, topic_versions.bp, tracks.bp,
                      track_versions.bp, sessions.bp, goals.bp, participants.bp, discharge.bp,
                      review.bp, reports.bp, coverage.bp, audit_trail.bp, exports.bp,
                      spot_checks.bp, admin.bp, staff_accounts.bp, two_factor.bp, passkeys.bp,
                      translation_versions.bp):
        app.register_blueprint(blueprint)

    # One error page for every status we answer with, and for a database that cannot answer.
    error_pages.init_app(app)

    cli.init_app(app)
    return app


class RowIdConverter(IntegerConverter):
    def __init__(self, url_map: Map) -> None:
        super().__init__(url_map, min=1, max=2**31 - 1)
