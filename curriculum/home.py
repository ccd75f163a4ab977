"""Blueprint: the signed-in home page and the health check."""

from flask import Blueprint, jsonify, render_template
from flask.typing import ResponseReturnValue

from curriculum.db import database_answers

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    """The signed-in home page: the way to each of the three jobs."""
    return render_template("home/index.html")


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """200 when the database answers, 503 when it does not."""
    if database_answers():
        return jsonify(status="ok")
    return jsonify(status="unavailable"), 503
