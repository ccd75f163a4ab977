"""Make ``docs/participant-page.png``: the demo's discharged participant's page (``seed-demo``
data and the shipped library, in a throwaway SQLite database) as their supervisor sees it in
headless Chromium, the whole page at 1000 px wide.

Run it again whenever the participant page changes:
    .venv/bin/python -m tests.participant_page_screenshot
"""

import sys
import tempfile
from pathlib import Path

from sqlalchemy import select

from app import create_app
from curriculum import db, demo, schema
from curriculum.localtime import today
from curriculum.served_library import current_library
from curriculum.settings import PROJECT_ROOT
from models import DischargeSummary
from tests.browser import CHROMIUM, CHROMIUM_ARGS, served, sign_in
from tests.helpers import PASSWORD

OUTPUT = PROJECT_ROOT / "docs" / "participant-page.png"


def main() -> int:
    if CHROMIUM is None:
        print("Chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({
            "SECRET_KEY": "screenshot-only", "DATABASE_URL": f"sqlite:///{folder}/demo.sqlite3",
            "CONTENT_DIRS": [PROJECT_ROOT / "content"], "PDF_CACHE_DIR": Path(folder) / "pdf",
            "LIBRARY_CACHE_DIR": Path(folder) / "library", "PRERENDER_HANDOUTS": False})
        with app.app_context():
            schema.upgrade(db.engine())
            session = db.get_session()
            accounts = demo.seed(session, current_library(), PASSWORD, today())
            session.commit()
            participant_id = session.scalars(select(DischargeSummary.participant_id)).one()
        supervisor = next(a for a in accounts if a.email.startswith("supervisor@"))
        with served(app) as base_url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(base_url=base_url, viewport={"width": 1000, "height": 800})
            sign_in(page, supervisor)
            page.goto(f"/participants/{participant_id}")
            page.screenshot(path=str(OUTPUT), full_page=True)
            browser.close()
        app.extensions["engine"].dispose()
    print(f"Wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
