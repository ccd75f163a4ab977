"""Every shipped handout, English and Spanish, in letter, A4 and large print — each rendered
once and checked twice: as text (title and crisis routes on the first page, page count, the
PDF's language, Spanish page numbers) and as images (pdftoppm: no blank page, nothing printed
into the page edges, which is text running off)."""

import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image
from pypdf import PdfReader

from curriculum.handouts import Variant, render_handouts
from curriculum.library import Library, Topic
from curriculum.settings import PROJECT_ROOT
from tests.helpers import SPANISH_CRISIS, pdf_words

SHIPPED = Library.load([PROJECT_ROOT / "content"])
VARIANTS = {"letter": Variant(), "a4": Variant(size="a4"), "large": Variant(large=True)}
# Letter and A4 fit in 3 pages; large print doubles that.
MOST_PAGES = {"letter": 3, "a4": 3, "large": 6}
ENGLISH_CRISIS = ("Emergency: call 911", "988")
DPI = 30
EDGE = 0.04  # the outer 4% of each side: inside the page margins, where nothing should print


def dark_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    region = image.crop(box).convert("L")
    return sum(1 for value in region.get_flattened_data() if value < 200)


def text_problems(topic: Topic, language: str, most_pages: int, pdf: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(pdf))
    first_page = pdf_words(reader, 0)
    title = (topic.translations[language] if language != "en" else topic).title
    crisis = SPANISH_CRISIS if language == "es" else ENGLISH_CRISIS
    checks = {
        "title on the first page": title.split(":")[0] in first_page,
        "crisis routes on the first page": all(route in first_page for route in crisis),
        f"1 to {most_pages} pages": 1 <= len(reader.pages) <= most_pages,
        f"/Lang {language}": reader.trailer["/Root"]["/Lang"] == language,
    }
    if language == "es":
        checks["Spanish page numbers"] = f"Página 1 de {len(reader.pages)}" in first_page
    return [f"{topic.slug}-{language}: {name}" for name, ok in checks.items() if not ok]


def image_problems(pdf_path: Path) -> list[str]:
    stem = pdf_path.with_suffix("")
    subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf_path), str(stem)], check=True)
    problems = []
    for png in sorted(pdf_path.parent.glob(f"{stem.name}-*.png")):
        with Image.open(png) as image:
            width, height = image.size
            edge_w, edge_h = int(width * EDGE), int(height * EDGE)
            if dark_pixels(image, (0, 0, width, height)) < 50:
                problems.append(f"{png.name}: blank page")
            for side, box in (("left", (0, 0, edge_w, height)),
                              ("right", (width - edge_w, 0, width, height)),
                              ("top", (0, 0, width, edge_h)),
                              ("bottom", (0, height - edge_h // 2, width, height))):
                if dark_pixels(image, box):
                    problems.append(f"{png.name}: something prints into the {side} edge")
    return problems


@pytest.mark.slow
@pytest.mark.engine_independent
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_every_shipped_handout_prints(
    app: Flask, tmp_path: Path, variant: str, language: str
) -> None:
    printed = [topic for topic in SHIPPED if language == "en" or language in topic.translations]
    assert len(printed) >= (len(SHIPPED) if language == "en" else 3)
    most_pages = MOST_PAGES[variant]
    problems = []
    with app.test_request_context():
        for topic in printed:
            pdf = render_handouts([topic], dataclasses.replace(VARIANTS[variant],
                                                               language=language))
            problems += text_problems(topic, language, most_pages, pdf)
            pdf_path = tmp_path / f"{topic.slug}-{language}-{variant}.pdf"
            pdf_path.write_bytes(pdf)
            problems += image_problems(pdf_path)
    assert problems == []
