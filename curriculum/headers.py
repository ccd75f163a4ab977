"""Security headers on every response, and no caching of anything but the library."""

from flask import Flask, Response, current_app, request

# Responses the same for every signed-in user, which a browser may keep: handout PDFs
# (revalidated by ETag) and static files. Everything else — the library's pages too, which carry
# the reader's name, form token and what their curriculum permission lets them do; clinical
# pages and exports, accounts, administration, sign-in, unknown URLs, and any page added later —
# is no-store.
CACHEABLE_ENDPOINTS = frozenset({"topics.handout", "topics.packet", "static"})
CONTENT_SECURITY_POLICY = ("default-src 'self'; object-src 'none'; base-uri 'none'; "
                           "frame-ancestors 'none'; form-action 'self'")


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    if request.endpoint not in CACHEABLE_ENDPOINTS:
        headers["Cache-Control"] = "no-store"
    if current_app.config["GROUPWORK_ENV"] != "development":
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
