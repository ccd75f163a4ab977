"""Every shipped handout, English and Spanish, looked at as images: letter, A4 and large print
rendered to PNG by pdftoppm; no page is blank and nothing is printed into the page edges (text
running off)."""

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from PIL import Image

from curriculum.handouts import Variant, render_handouts
from curriculum.library import Library
from curriculum.settings import PROJECT_ROOT

SHIPPED = Library.load([PROJECT_ROOT / "content"])
VARIANTS = {"letter": Variant(), "a4": Variant(size="a4"), "large": Variant(large=True)}
DPI = 30
EDGE = 0.04  # the outer 4% of each side: inside the page margins, where nothing should print


def dark_pixels(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    region = image.crop(box).convert("L")
    return sum(1 for value in region.get_flattened_data() if value < 200)


@pytest.mark.slow
@pytest.mark.engine_independent
@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils is not installed")
@pytest.mark.parametrize("variant", VARIANTS)
def test_handout_pages_are_not_blank_and_nothing_runs_off(
    app: Flask, tmp_path: Path, variant: str
) -> None:
    problems = []
    with app.test_request_context():
        printed = [(topic, language) for topic in SHIPPED
                   for language in ("en", *topic.translations)]
        for topic, language in printed:
            name = f"{topic.slug}-{language}-{variant}"
            pdf_path = tmp_path / f"{name}.pdf"
            pdf_path.write_bytes(render_handouts(
                [topic], dataclasses.replace(VARIANTS[variant], language=language)))
            subprocess.run(["pdftoppm", "-r", str(DPI), "-png", str(pdf_path),
                            str(tmp_path / name)], check=True)
            for png in sorted(tmp_path.glob(f"{name}-*.png")):
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
    assert problems == []
