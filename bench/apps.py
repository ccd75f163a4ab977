"""The WSGI apps the page benchmarks serve with gunicorn, beside Groupwork itself."""

import os

from flask import Flask, Response

from app import create_app


def hello_app() -> Flask:
    """The ceiling for any page: a minimal Flask view, nothing else."""
    app = Flask(__name__)
    app.add_url_rule("/hello", "hello", lambda: "hello")
    app.add_url_rule("/healthz", "healthz", lambda: "ok")  # how the starter knows it is up
    return app


def signed_in_hello_app() -> Flask:
    """Groupwork with one minimal view added: behind its sign-in and session checks, and
    nothing more (the ceiling for any signed-in page)."""
    app = create_app()
    app.add_url_rule("/bench/hello", "bench_hello", lambda: "hello")
    return app


def labelled_app() -> Flask:
    """Groupwork, each answer naming the worker process that gave it (X-Worker): so a
    benchmark can tell when every worker serves something."""
    app = create_app()

    def label(response: Response) -> Response:
        response.headers["X-Worker"] = str(os.getpid())
        return response

    app.after_request(label)
    return app
