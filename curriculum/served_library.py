"""The library this app serves: loaded once at start-up (through its on-disk cache), then read
by every request, command and report."""

import logging
from pathlib import Path

from flask import Flask, current_app

from curriculum import library_cache
from curriculum.library import Library

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    folders = [Path(folder) for folder in app.config["CONTENT_DIRS"]]
    loaded = library_cache.load(folders, frozenset(app.config["LICENSED_TOPICS"]),
                                Path(app.config["LIBRARY_CACHE_DIR"]))
    if loaded.problems:
        log.warning("the curriculum library has %d problem(s); run 'flask --app app "
                    "curriculum check'", len(loaded.problems))
    app.extensions["library"] = loaded


def current_library() -> Library:
    return current_app.extensions["library"]
