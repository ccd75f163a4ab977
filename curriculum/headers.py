"""Security headers on every response, and no caching of pages with clinical data."""

from flask import Flask, Response, current_app, request

# Blueprints whose pages and exports carry clinical data: never kept by a browser or proxy.
CLINICAL_BLUEPRINTS = frozenset({"sessions", "review", "reports", "coverage", "exports",
                                 "audit_trail", "spot_checks", "two_factor"})
CONTENT_SECURITY_POLICY = ("default-src 'self'; object-src 'none'; base-uri 'none'; "
                           "frame-ancestors 'none'; form-action 'self'")


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.blueprint in CLINICAL_BLUEPRINTS:
        headers["Cache-Control"] = "no-store"
    if current_app.config["GROUPWORK_ENV"] != "development":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
