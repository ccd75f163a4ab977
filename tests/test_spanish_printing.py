"""Spanish handouts in print: the PDF routes and the build command with lang=es, the template's
words from the Spanish catalog, the Spanish crisis routes, and every shipped Spanish handout in
letter, A4 and large print."""

import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from models import User
from tests.helpers import SPANISH_CRISIS, pdf_words, write_spanish

# Pages and PDFs of the library: the same whatever database signs the reader in.
pytestmark = pytest.mark.engine_independent
LETTER = (612, 792)
A4 = (595, 842)


@pytest.fixture
def content_dir(content_dir: Path) -> Path:
    """The test library with Spanish handouts: one in step, one out of date, one missing."""
    write_spanish(content_dir, "coping-with-cravings", title="Cómo manejar las ganas")
    write_spanish(content_dir, "naming-feelings", translates="f" * 64)
    return content_dir


def pdf_of(response) -> PdfReader:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def page_size(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_spanish_handout_pdf(client: FlaskClient, signed_in: User) -> None:
    response = client.get("/topics/coping-with-cravings/handout.pdf?lang=es")
    reader = pdf_of(response)
    first_page = pdf_words(reader, 0)
    assert reader.trailer["/Root"]["/Lang"] == "es"
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    assert page_size(reader) == LETTER
    assert reader.metadata.title == "Cómo manejar las ganas (material para participantes)"
    assert "Material para participantes · actualizado el 1 de noviembre de 2026" in first_page
    assert all(route in first_page for route in SPANISH_CRISIS), first_page
    assert "Página 1 de 1" in first_page and "Page 1" not in first_page
    assert "Mis detonantes" in first_page and "My triggers" not in first_page
    assert "versión anterior" not in first_page
    assert "coping-with-cravings-handout-es.pdf" in response.headers["Content-Disposition"]


def test_spanish_handout_in_a4_and_large_print(client: FlaskClient, signed_in: User) -> None:
    url = "/topics/coping-with-cravings/handout.pdf?lang=es"
    a4 = pdf_of(client.get(url + "&size=a4"))
    large = pdf_of(client.get(url + "&large=1"))
    assert page_size(a4) == A4 and page_size(large) == LETTER
    for reader in (a4, large):
        assert reader.trailer["/Root"]["/Lang"] == "es"
        assert "Página 1 de" in pdf_words(reader, 0) and "Mis detonantes" in pdf_words(reader)


def test_english_is_unchanged_beside_spanish(client: FlaskClient, signed_in: User) -> None:
    reader = pdf_of(client.get("/topics/coping-with-cravings/handout.pdf"))
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert "Page 1 of 1" in pdf_words(reader) and "Participant handout · updated November 1, 2026" \
        in pdf_words(reader)


def test_a_spanish_packet_prints_english_where_there_is_no_spanish(
    client: FlaskClient, signed_in: User
) -> None:
    reader = pdf_of(client.get("/handouts.pdf?topics=coping-with-cravings,talking-it-through"
                               "&lang=es&size=a4"))
    text = pdf_words(reader)
    assert reader.trailer["/Root"]["/Lang"] == "es" and page_size(reader) == A4
    assert "Cómo manejar las ganas" in text and "Talking It Through" in text
    assert "I-statement" in text
    assert reader.metadata.title == ("Material para participantes: Cómo manejar las ganas; "
                                     "Talking It Through")


@pytest.mark.parametrize(("url", "status"), [
    ("/topics/talking-it-through/handout.pdf?lang=es", 404),
    ("/topics/coping-with-cravings/handout.pdf?lang=fr", 400),
    ("/handouts.pdf?topics=talking-it-through&lang=ES", 400),
])
def test_unknown_or_untranslated_language(
    client: FlaskClient, signed_in: User, url: str, status: int
) -> None:
    assert client.get(url).status_code == status


def test_a_stale_spanish_handout_still_prints_marked(client: FlaskClient, signed_in: User
                                                      ) -> None:
    text = pdf_words(pdf_of(client.get("/topics/naming-feelings/handout.pdf?lang=es")))
    assert "Esta traducción sigue una versión anterior del material en inglés." in text
    assert all(route in text for route in SPANISH_CRISIS)


def test_the_topic_page_offers_both_languages(client: FlaskClient, signed_in: User) -> None:
    page = client.get("/topics/coping-with-cravings").get_data(as_text=True)
    assert 'href="/topics/coping-with-cravings/handout.pdf?size=a4"' in page
    assert 'href="/topics/coping-with-cravings/handout.pdf?size=a4&amp;lang=es"' in page
    assert '<span lang="es">Cómo manejar las ganas</span>' in page
    assert "earlier version" not in page
    stale = client.get("/topics/naming-feelings").get_data(as_text=True)
    assert "translates an earlier version of the English one" in stale
    untranslated = client.get("/topics/talking-it-through").get_data(as_text=True)
    assert "No Spanish handout for this topic yet." in untranslated
    assert "lang=es" not in untranslated


@pytest.mark.slow
def test_handouts_build_in_spanish(app: Flask, tmp_path: Path) -> None:
    result = app.test_cli_runner().invoke(args=["handouts", "build", str(tmp_path / "out"),
                                                "--lang", "es", "--size", "a4"])
    assert result.exit_code == 0, result.output
    assert "Wrote 2 handouts" in result.output and "(1 topics have none" in result.output
    built = sorted(path.name for path in (tmp_path / "out").iterdir())
    assert built == ["coping-with-cravings.es.pdf", "naming-feelings.es.pdf"]
    reader = PdfReader(tmp_path / "out" / "coping-with-cravings.es.pdf")
    assert reader.trailer["/Root"]["/Lang"] == "es" and page_size(reader) == A4
