"""Production serving (``make serve``): gunicorn on loopback behind a TLS-terminating proxy.

Every setting below can be overridden from the environment (GUNICORN_WORKERS=4 and so on);
the README's "Running in production" section explains each choice.
"""

import os
from typing import Any

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Sync workers: one request each at a time. Two per core suits a 2-core server; each worker
# also keeps one PDF render child (see curriculum/limited_process.py).
workers = int(os.environ.get("GUNICORN_WORKERS", "2"))
# Longer than PDF_TIME_LIMIT_SECONDS (60), so a slow render is stopped by its own limit and
# answered 503, never by gunicorn killing the worker mid-request.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "120"))
graceful_timeout = 30
keepalive = 5
# Load the app (the rendered library, a warm WeasyPrint) once, before forking: workers share
# it, and none pays for it on its first request.
preload_app = True
# Recycle workers now and then, so a slow leak in a C library cannot grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = "-"
# No query strings in the access log: search words and ids stay out of log files.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
# The proxy's address: only its X-Forwarded-Proto/-For headers are believed.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# Request line and header limits well above any page's needs, well below abuse.
limit_request_line = 8190
limit_request_fields = 100


def when_ready(_server: object) -> None:
    """In the master, after the app is loaded and before any worker is forked: exercise
    WeasyPrint once, so every worker and render child starts warm."""
    from curriculum import pdf

    pdf.warm_up()


def post_worker_init(worker: Any) -> None:
    """Give this worker database connections of its own, fork its PDF render child, and lay
    the program's approved topic versions over its library, now rather than on its first
    request."""
    from curriculum import db, pdf, served_library

    app = worker.wsgi
    if "pdf_cache" in getattr(app, "extensions", {}):  # Groupwork, not bench's bare hello app
        with app.app_context():
            # The master's start-up checks left connections in the pool every worker inherits:
            # two workers talking over one socket answer each other's queries (SQLAlchemy's
            # advice for a fork: drop the inherited pool without closing the parent's).
            db.engine().dispose(close=False)
            pdf.renderer().start()
            served_library.current_library()
