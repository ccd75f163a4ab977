"""The helpers every page's header calls, kept cheap because every page calls them: links that
are the same on every request, and the account bar with the session's form token; and pages
that are the same for many readers, rendered once for them all."""

import re
import secrets
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from flask import Flask, current_app, g, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape

T = TypeVar("T")
# Pages kept per worker by once_per_reader_kind before it starts over (a page is re-rendered
# on demand); each key holds one page of some 15 kB.
PAGES_KEPT = 1_000
# Stand-ins for the reader's own parts of a page rendered for many readers: NUL never reaches
# a page (stored text is cleaned of control characters), and the nonce keeps a shipped file
# from spelling one out.
_NONCE = secrets.token_hex(8)
ACCOUNT_BAR, FORM_TOKEN = f"\0{_NONCE} account bar\0", f"\0{_NONCE} form token\0"
_STAND_INS = re.compile(f"({re.escape(ACCOUNT_BAR)}|{re.escape(FORM_TOKEN)})")


def csrf_token() -> str:
    """This session's form token, made and checked by Flask-WTF (a stand-in while a page is
    rendered for many readers)."""
    if g.get("rendering_for_many"):
        return FORM_TOKEN
    return generate_csrf()


def once_per_mount(key: Hashable, build: Callable[[], T]) -> T:
    """What ``build`` gives for ``key``, built once per mount point in each worker: for
    output that is the same for every request and every reader."""
    made = current_app.extensions["made_once"]
    full_key = (key, request.script_root)
    if full_key not in made:
        made[full_key] = build()
    return made[full_key]


def once_per_reader_kind(key: Hashable, render: Callable[[], str]) -> str:
    """The page ``render`` gives, rendered once per ``key`` in each worker for every reader
    the key describes: the key must name everything the page depends on but the reader's
    account bar and form token, which are put in on each request. A page with a message to
    flash is rendered for this request alone."""
    if session.get("_flashes"):
        return render()
    made = current_app.extensions["pages_made_once"]
    full_key = (key, request.script_root)
    parts = made.get(full_key)
    if parts is None:
        g.rendering_for_many = True
        try:
            parts = _STAND_INS.split(render())
        finally:
            g.pop("rendering_for_many")
        if len(made) >= PAGES_KEPT:
            made.clear()
        made[full_key] = parts
    own = {ACCOUNT_BAR: account_bar(), FORM_TOKEN: escape(csrf_token())}
    # re.split with a group: the stand-ins are at the odd places.
    return "".join(own[part] if place % 2 else part for place, part in enumerate(parts))


def path_for(endpoint: str, **values: Any) -> str:
    """``url_for`` for links that are the same on every request (the menu, static files)."""
    return once_per_mount(("path", endpoint, tuple(sorted(values.items()))),
                          lambda: url_for(endpoint, **values))


def account_bar() -> Markup:
    """The signed-in user's name and role, and the sign-out form with this session's token:
    in every page's header. Here rather than in a template of its own (or Markup.format),
    which measured as costing more than the rest of a topic page's request."""
    if g.get("rendering_for_many"):
        return Markup(ACCOUNT_BAR)  # noqa: S704  # nosec B704  # our own constant
    user = current_user._get_current_object()  # one look-up, not one per field
    # Every value is escaped (the reason ruff's S704 and bandit's B704 are silenced here).
    return Markup(  # noqa: S704  # nosec B704
        f'<form class="signout" method="post" action="{escape(path_for("auth.logout"))}">\n'
        f'    <input type="hidden" name="csrf_token" value="{escape(csrf_token())}">\n'
        f'    <span class="who">{escape(user.name)} ({escape(user.role.value)})</span>\n'
        f'    <button type="submit">Sign out</button>\n'
        f'  </form>')


def init_app(app: Flask) -> None:
    """After Flask-WTF's init_app: this ``csrf_token`` replaces the one it gives templates,
    both as a global and through its context processor (a later processor wins)."""
    app.extensions["made_once"] = {}
    app.extensions["pages_made_once"] = {}
    app.jinja_env.globals.update(csrf_token=csrf_token, path_for=path_for,
                                 account_bar=account_bar)
    app.context_processor(lambda: {"csrf_token": csrf_token})
