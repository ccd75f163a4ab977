"""HTML → PDF through one function, with a fetcher that reaches only our static files, run in
a child process with time and memory limits (see ``limited_process``); and the on-disk cache of
rendered handouts.

WeasyPrint needs Pango and friends from the system. Where they are missing the rest of the app
still runs and the PDF routes answer 503 with the reason (see ``unavailable_reason``).
"""

import functools
import hashlib
import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from flask import Flask, current_app, has_app_context, render_template
from flask.typing import ResponseReturnValue

from curriculum.files import write_replacing
from curriculum.limited_process import LimitedProcess, LimitExceeded
from curriculum.settings import DEFAULTS, PROJECT_ROOT

log = logging.getLogger(__name__)

STATIC_DIR = PROJECT_ROOT / "static"
PRINT_CSS = STATIC_DIR / "print.css"

try:
    import weasyprint
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    _IMPORT_ERROR: str | None = None
except OSError as error:  # the Python package is there, the system libraries are not
    weasyprint = None  # type: ignore[assignment]
    URLFetcher, URLFetcherResponse = object, object  # type: ignore[assignment,misc]
    _IMPORT_ERROR = str(error).splitlines()[0]


class PdfUnavailable(Exception):
    """PDF rendering cannot run on this server; the message says why."""


class StaticOnlyFetcher(URLFetcher):  # type: ignore[misc,valid-type]
    """Serves files under ``static/`` and refuses everything else: no network, no other local
    file (WeasyPrint's default fetcher would embed any file named by <link rel=attachment>)."""

    def __init__(self) -> None:
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)

    def fetch(self, url: str, headers: Any = None) -> Any:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ValueError(f"refused to fetch {url[:80]!r}")
        path = Path(url2pathname(parts.path)).resolve()
        if not path.is_relative_to(STATIC_DIR) or not path.is_file():
            raise ValueError(f"refused to fetch {url[:80]!r}")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})


def unavailable_reason() -> str | None:
    return None if weasyprint is not None else _IMPORT_ERROR or "WeasyPrint is not installed"


@functools.lru_cache(maxsize=16)
def _stylesheet(extra_css: str = "") -> Any:
    """A stylesheet parsed once per process and reused by every render: the print CSS (no
    argument), or one variant's few rules (page size, large print)."""
    if not extra_css:
        return weasyprint.CSS(filename=str(PRINT_CSS), url_fetcher=StaticOnlyFetcher())
    return weasyprint.CSS(string=extra_css, url_fetcher=StaticOnlyFetcher())


def _render_here(html: str, extra_css: str) -> bytes:
    """Render in this process; only the render child calls it (and the warm-up)."""
    stylesheets = [_stylesheet()] + ([_stylesheet(extra_css)] if extra_css else [])
    document = weasyprint.HTML(string=html, base_url=STATIC_DIR.as_uri() + "/",
                               url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(stylesheets=stylesheets, pdf_variant="pdf/ua-1")


class RenderStopped(PdfUnavailable):
    """A render went over its time or memory limit and was stopped."""


# This process's render child, kept between renders (a child per render measured 1.5× the
# render itself). Per process rather than per app: each gunicorn worker starts its own after
# the fork (gunicorn.conf.py), from the one app they share.
_renderer: LimitedProcess | None = None


def _setting(key: str) -> Any:
    return current_app.config[key] if has_app_context() else DEFAULTS[key]


def renderer() -> LimitedProcess:
    """This process's render child (one per web worker), with the app's memory limit."""
    global _renderer
    allowance = _setting("PDF_MEMORY_LIMIT_MB")
    if _renderer is None or _renderer.allowance != allowance * 1024 * 1024:
        if _renderer is not None:
            _renderer.close()
        _renderer = LimitedProcess(_render_here, allowance)
    return _renderer


def render_pdf(html: str, extra_css: str = "") -> bytes:
    """Render one HTML document to a tagged PDF (PDF/UA-1) with our print stylesheet, in the
    render child, within PDF_TIME_LIMIT_SECONDS and PDF_MEMORY_LIMIT_MB."""
    if weasyprint is None:
        raise PdfUnavailable(unavailable_reason())
    try:
        return renderer().call(html, extra_css, timeout=_setting("PDF_TIME_LIMIT_SECONDS"))
    except LimitExceeded as error:
        log.warning("PDF render stopped: %s", error)
        raise RenderStopped(str(error)) from None


@functools.cache
def warm_up() -> None:
    """Import and exercise WeasyPrint once (fonts, Pango, the print CSS) in this process, so
    workers and render children forked from it start warm. Once per process."""
    if weasyprint is not None:
        _render_here("<p>Warm-up.</p>", "")


def style_fingerprint() -> str:
    """Changes whenever the print stylesheet or the WeasyPrint version does."""
    version = weasyprint.__version__ if weasyprint is not None else "none"
    return hashlib.sha256(PRINT_CSS.read_bytes() + version.encode()).hexdigest()[:16]


class PdfCache:
    """Rendered PDFs on disk, keyed by what went into them; written atomically."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def path_for(self, key: str) -> Path:
        return self.folder / f"{key}.pdf"

    def get(self, key: str) -> Path | None:
        path = self.path_for(key)
        return path if path.exists() else None

    def put(self, key: str, pdf: bytes) -> Path:
        return write_replacing(self.path_for(key), pdf)


def cache() -> PdfCache:
    return current_app.extensions["pdf_cache"]


def answer_unavailable(error: PdfUnavailable) -> ResponseReturnValue:
    """503 for any PDF route: printing is missing here, or this document was stopped."""
    if isinstance(error, RenderStopped):
        message = (f"Printing this document was stopped because {error}. Nothing else was "
                   f"affected. Try fewer handouts at once, or a shorter date range.")
        return render_template("errors.html", code=503, title="Too large to print",
                               message=message), 503
    return render_template("errors.html", code=503, title="Printing unavailable",
                           message=f"Printing is not available on this server ({error})."), 503


def init_app(app: Flask) -> None:
    app.extensions["pdf_cache"] = PdfCache(Path(app.config["PDF_CACHE_DIR"]))
    app.register_error_handler(PdfUnavailable, answer_unavailable)
    if weasyprint is None:
        log.warning("PDF rendering is unavailable: %s", unavailable_reason())
