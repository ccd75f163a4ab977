"""Responses several pages send: a PDF shown in the browser, a CSV a spreadsheet can open
safely, and the redirect with a message that ends most form posts."""

import csv
import io
from collections.abc import Iterable

from flask import Response, flash, redirect, send_file, url_for
from flask.typing import ResponseReturnValue

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A spreadsheet cannot run it: text that looks like a formula gets a leading apostrophe."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_response(header: list[str], rows: Iterable[Iterable[object]], filename: str) -> Response:
    """UTF-8 CSV with one header row, downloaded as ``filename``; every text cell made inert."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([csv_cell(v) if isinstance(v, str) else v for v in row])
    response = Response(out.getvalue().encode("utf-8"), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def pdf_response(document: bytes, filename: str, etag: str | None = None) -> Response:
    """A PDF shown in the browser as ``filename``; with ``etag``, a repeat request that names it
    is answered 304."""
    return send_file(io.BytesIO(document), mimetype="application/pdf", download_name=filename,
                     etag=etag or False)


def flash_redirect(message: str, endpoint: str, **values: object) -> ResponseReturnValue:
    """Go to ``endpoint`` and show ``message`` there (the answer to most form posts)."""
    flash(message)
    return redirect(url_for(endpoint, **values))
