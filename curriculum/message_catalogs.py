"""The print template's fixed words in each handout language: Flask-Babel with the message
catalogs under ``translations/`` (``.po`` files in the repository; the ``.mo`` files Babel
reads are compiled from them here, at start-up, whenever one is missing or older).

The app's pages stay English; a handout is rendered inside ``force_locale`` (see
``handouts``), so only the print template asks for translated words and dates.
"""

import io
import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from flask_babel import Babel

from curriculum.files import write_replacing
from curriculum.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
babel = Babel()


def catalogs() -> list[Path]:
    """Every language's ``.po`` file."""
    return sorted(TRANSLATIONS_DIR.glob("*/LC_MESSAGES/messages.po"))


def compile_catalogs() -> None:
    """Write each ``.mo`` beside its ``.po`` when it is missing or older."""
    for po_path in catalogs():
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        compiled = io.BytesIO()
        write_mo(compiled, catalog)
        write_replacing(mo_path, compiled.getvalue())
        log.info("compiled %s", mo_path.relative_to(PROJECT_ROOT))


def init_app(app: Flask) -> None:
    compile_catalogs()
    babel.init_app(app, default_locale="en",
                   default_translation_directories=str(TRANSLATIONS_DIR))
