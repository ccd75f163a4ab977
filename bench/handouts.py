"""Handout PDFs: the app's endpoint (uncached and cached) against bare WeasyPrint renders of the
same HTML and of the shared reference handout, all in one process and one run."""

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import weasyprint

from app import create_app
from bench.timing import measure, measure_pair
from curriculum import db, pdf, schema
from curriculum.cli import add_user
from curriculum.handouts import Variant, handout_html
from curriculum.settings import PROJECT_ROOT
from models import Role
from tests.helpers import csrf_token

REFERENCE = PROJECT_ROOT.parent / "shared" / "bench" / "reference-handout.html"
ROUNDS = 15


def missing_reference(path: Path) -> str | None:
    """The line that stands in for the reference row where the shared reference handout is not
    beside this checkout (a user's machine has no ../shared/), else None."""
    if path.exists():
        return None
    return (f"one handout / reference handout: skipped, "
            f"{os.path.relpath(path, PROJECT_ROOT)} is not here")


def run() -> dict[str, object]:
    scratch = Path(tempfile.mkdtemp(prefix="groupwork-bench-"))
    cache_dir = scratch / "pdf-cache"
    app = create_app({"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{scratch}/b.sqlite3",
                      "PDF_CACHE_DIR": cache_dir})
    with app.app_context():
        schema.upgrade(db.engine())
        add_user("bench@example.org", "Bench", Role.FACILITATOR, "bench password 123")
        library = app.extensions["library"]
        topic = library.get("managing-cravings") or next(iter(library))
        html = handout_html([topic])
        track = library.tracks["core-12-week"]
        track_topics = [library.get(slug) for slug in track.topics]
        packet_html = handout_html(track_topics)
        singles_html = [handout_html([t]) for t in track_topics]
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": "bench password 123",
                                "csrf_token": csrf_token(client)})
    url = f"/topics/{topic.slug}/handout.pdf"
    css = [weasyprint.CSS(filename=str(pdf.PRINT_CSS)), weasyprint.CSS(string=Variant().css())]

    def bare(document: str = html) -> bytes:
        return weasyprint.HTML(string=document, base_url=str(pdf.STATIC_DIR)).write_pdf(
            stylesheets=css, pdf_variant="pdf/ua-1")

    def reference() -> bytes:
        return weasyprint.HTML(filename=str(REFERENCE)).write_pdf()

    def fetch(path: str, fresh: bool = False) -> Callable[[], bytes]:
        """A GET through the signed-in client; ``fresh``: after emptying the handout cache."""
        def get() -> bytes:
            if fresh:
                shutil.rmtree(cache_dir, ignore_errors=True)
            response = client.get(path)
            assert response.status_code == 200
            return response.data
        return get

    packet_url = "/handouts.pdf?topics=" + ",".join(track.topics)

    def singles() -> None:
        shutil.rmtree(cache_dir, ignore_errors=True)
        for slug in track.topics:
            assert client.get(f"/topics/{slug}/handout.pdf").status_code == 200

    skipped = missing_reference(REFERENCE)
    timings = {}
    # The single handout first: it warms WeasyPrint and the app, so the packets (18 s a round
    # here) need no warm-up round of their own.
    timings["uncached"], timings["bare"] = measure_pair(
        ("handout endpoint, uncached", fetch(url, fresh=True)),
        ("bare WeasyPrint, same HTML", bare), ROUNDS)
    timings["packet"], timings["singles"] = measure_pair(
        (f"packet of {len(track.topics)} handouts, first request", fetch(packet_url, fresh=True)),
        (f"{len(track.topics)} single handouts, uncached", singles), 3, warmup=0)
    # WeasyPrint's own floor for a packet: the same two jobs with nothing of ours around them.
    timings["bare_packet"], timings["bare_singles"] = measure_pair(
        ("bare WeasyPrint, the packet's HTML", lambda: bare(packet_html)),
        (f"bare WeasyPrint, {len(track.topics)} singles' HTML",
         lambda: [bare(single) for single in singles_html]), 2, warmup=0)
    timings["packet_repeat"] = measure("packet, repeated (cached)", fetch(packet_url), ROUNDS)
    if not skipped:
        timings["reference"] = measure("bare WeasyPrint, reference handout", reference, ROUNDS)
    timings["cached"] = measure("handout endpoint, cached", fetch(url), ROUNDS * 20)
    print(f"Handout PDFs ({topic.slug}; medians of {ROUNDS} rounds)")
    print(timings["bare"].row())
    print(skipped or timings["reference"].row())
    print(timings["uncached"].row(timings["bare"]))
    if not skipped:
        print(timings["bare"].row(timings["reference"]))
    print(timings["cached"].row(timings["bare"]))
    print(timings["singles"].row())
    print(timings["packet"].row(timings["singles"]))
    print(timings["bare_singles"].row())
    print(timings["bare_packet"].row(timings["bare_singles"]))
    print(timings["packet_repeat"].row(timings["packet"]))
    shutil.rmtree(scratch, ignore_errors=True)
    return {name: t.as_dict() for name, t in timings.items()} | {
        "ratios": {
            "uncached_vs_bare": timings["uncached"].median / timings["bare"].median,
            "bare_vs_reference": (None if skipped
                                  else timings["bare"].median / timings["reference"].median),
            "cached_vs_bare": timings["cached"].median / timings["bare"].median,
            "packet_vs_singles": timings["packet"].median / timings["singles"].median,
            "bare_packet_vs_bare_singles": (timings["bare_packet"].median
                                            / timings["bare_singles"].median),
        }}
