"""Library pages and handout PDFs, as a signed-in facilitator sees them."""

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader

from curriculum import pdf
from models import Role, User
from tests.helpers import CSRF_RE, AuthActions, write_topic

# Pages and PDFs of the library: the same whatever database signs the reader in.
pytestmark = pytest.mark.engine_independent
LETTER = (612, 792)
A4 = (595, 842)


def pdf_of(response) -> PdfReader:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def page_size(reader: PdfReader) -> tuple[int, int]:
    box = reader.pages[0].mediabox
    return round(float(box.width)), round(float(box.height))


def test_library_lists_every_topic(client: FlaskClient, signed_in: User) -> None:
    page = client.get("/topics").get_data(as_text=True)
    for title in ("Coping With Cravings", "Talking It Through", "Naming Feelings"):
        assert title in page
    assert "3 topics." in page


def test_search_shows_matching_words(client: FlaskClient, signed_in: User) -> None:
    page = client.get("/topics?q=I-statement").get_data(as_text=True)
    assert "1 topic found for “I-statement”" in page
    assert "<mark>statement</mark>" in page
    assert "Coping With Cravings" not in page


def test_tag_filter_and_unknown_tag(client: FlaskClient, signed_in: User) -> None:
    page = client.get("/topics?tag=communication").get_data(as_text=True)
    assert "Talking It Through" in page and "Naming Feelings" not in page
    assert "3 topics." in client.get("/topics?tag=not-a-tag").get_data(as_text=True)


def test_search_text_is_escaped(client: FlaskClient, signed_in: User) -> None:
    page = client.get('/topics?q=<script>alert(1)</script>"').get_data(as_text=True)
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;" in page


def test_no_matches_says_so(client: FlaskClient, signed_in: User) -> None:
    page = client.get("/topics?q=xylophone").get_data(as_text=True)
    assert "No topics match" in page


def test_topic_page_shows_guide_and_handout(client: FlaskClient, signed_in: User) -> None:
    page = client.get("/topics/coping-with-cravings").get_data(as_text=True)
    assert "Facilitator guide" in page and "FACILITATOR SECRET" in page
    assert "Participant handout (preview)" in page
    assert "/topics/coping-with-cravings/handout.pdf?size=a4" in page


def test_topic_page_body_is_shared_but_the_menu_is_each_readers(
    app: Flask, make_user: Callable[..., User]
) -> None:
    """The body is rendered once per topic; the menu, name and sign-out token stay per reader."""
    pages = {}
    for role in (Role.FACILITATOR, Role.SUPERVISOR):
        user = make_user(role)
        client = app.test_client()
        AuthActions(client).login(user.email)
        page = client.get("/topics/coping-with-cravings").get_data(as_text=True)
        pages[role] = (user, page, CSRF_RE.search(page).group(1))
    (facilitator, first, first_token), (supervisor, second, second_token) = pages.values()
    assert first.count("FACILITATOR SECRET") == second.count("FACILITATOR SECRET") == 1
    assert facilitator.name in first and facilitator.name not in second
    assert supervisor.name in second and "Review queue" in second and "Review queue" not in first
    assert first_token in first and first_token not in second and second_token in second


def test_topic_page_rendered_once_per_role_is_still_each_readers(
    app: Flask, make_user: Callable[..., User]
) -> None:
    """The page is rendered once per role, the account bar put in per request: a second reader
    gets the first's page with their own name and token; a message to flash is shown (that
    page is rendered in full), once."""
    url = "/topics/coping-with-cravings"
    readers = []
    for _ in range(2):
        user = make_user(Role.FACILITATOR)
        client = app.test_client()
        AuthActions(client).login(user.email)
        page = client.get(url).get_data(as_text=True)
        readers.append((user, client, page, CSRF_RE.search(page).group(1)))
    (first, _, first_page, first_token), (second, client, second_page, second_token) = readers
    assert first_token in first_page and first.name in first_page
    assert second_page == first_page.replace(first.name, second.name).replace(
        first_token, second_token)
    with client.session_transaction() as session:
        session["_flashes"] = [("message", "Topic saved.")]
    shown = client.get(url).get_data(as_text=True)
    flash = '<div class="flash" role="status"><p>Topic saved.</p></div>'
    assert flash in shown
    assert shown.replace(flash, "").split() == second_page.split()
    again = client.get(url).get_data(as_text=True)
    assert again == second_page.replace(second_token, CSRF_RE.search(again).group(1))


@pytest.mark.parametrize("path", [
    "/topics/no-such-topic", "/topics/..%2F..%2Fetc%2Fpasswd", "/topics/%2e%2e",
    "/topics/Coping-With-Cravings", "/topics/" + "a" * 65, "/topics/coping%00",
    "/topics/../app.py/handout.pdf", "/topics/no-such-topic/handout.pdf",
    "/handouts.pdf?topics=coping-with-cravings,../../etc/passwd",
])
def test_unknown_or_traversal_looking_slugs_are_404(
    client: FlaskClient, signed_in: User, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "There is nothing here" in response.get_data(as_text=True)


def test_handout_pdf_letter_has_handout_text_only(client: FlaskClient, signed_in: User) -> None:
    reader = pdf_of(client.get("/topics/coping-with-cravings/handout.pdf"))
    text = text_of(reader)
    assert page_size(reader) == LETTER
    assert "Coping With Cravings" in text and "My triggers" in text
    assert "FACILITATOR SECRET" not in text and "Overview" not in text
    assert "988" in text and "1-800-662-4357" in text
    assert "Emergency: call 911 for an overdose, a seizure, chest pain" in " ".join(text.split())
    assert "Page 1 of" in text and "November 1, 2026" in text
    assert reader.metadata.title == "Coping With Cravings (participant handout)"
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en" and root["/MarkInfo"]["/Marked"]


def test_handout_pdf_a4_and_large_print(client: FlaskClient, signed_in: User) -> None:
    a4 = pdf_of(client.get("/topics/coping-with-cravings/handout.pdf?size=a4"))
    assert page_size(a4) == A4
    regular = pdf_of(client.get("/topics/coping-with-cravings/handout.pdf"))
    large = pdf_of(client.get("/topics/coping-with-cravings/handout.pdf?large=1"))
    assert page_size(large) == LETTER
    assert "My triggers" in text_of(large)
    assert len(large.pages) >= len(regular.pages)
    assert large.pages[0].extract_text() != regular.pages[0].extract_text()


@pytest.mark.parametrize("query", ["size=legal", "large=yes", "size=A4"])
def test_bad_variant_is_400(client: FlaskClient, signed_in: User, query: str) -> None:
    response = client.get(f"/topics/coping-with-cravings/handout.pdf?{query}")
    assert response.status_code == 400
    assert "size=letter or size=a4" in response.get_data(as_text=True)


def test_packet_keeps_the_order_given(client: FlaskClient, signed_in: User) -> None:
    reader = pdf_of(client.get(
        "/handouts.pdf?topics=naming-feelings,coping-with-cravings,talking-it-through"))
    text = text_of(reader)
    positions = [text.index(t) for t in ("Naming Feelings", "Coping With Cravings",
                                          "Talking It Through")]
    assert positions == sorted(positions)
    assert len(reader.pages) == 3
    assert "Participant handouts: Naming Feelings; Coping With Cravings" in reader.metadata.title


def test_packet_from_the_library_form(client: FlaskClient, signed_in: User) -> None:
    reader = pdf_of(client.get(
        "/handouts.pdf?topics=talking-it-through&topics=naming-feelings&size=a4&large=1"))
    assert page_size(reader) == A4 and "Talking It Through" in text_of(reader)


@pytest.mark.parametrize(("query", "status"), [
    ("", 400), ("topics=", 400), ("topics=" + ",".join(["naming-feelings"] * 61), 400),
    ("topics=naming-feelings,nope", 404),
])
def test_bad_packets(client: FlaskClient, signed_in: User, query: str, status: int) -> None:
    assert client.get(f"/handouts.pdf?{query}").status_code == status


def test_repeat_request_is_served_from_cache_with_etag(
    client: FlaskClient, signed_in: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    renders = []
    real_render = pdf.render_pdf

    def counting_render(*args, **kwargs):  # type: ignore[no-untyped-def]
        renders.append(1)
        return real_render(*args, **kwargs)

    monkeypatch.setattr(pdf, "render_pdf", counting_render)
    first = client.get("/topics/naming-feelings/handout.pdf")
    second = client.get("/topics/naming-feelings/handout.pdf")
    assert len(renders) == 1
    assert first.data == second.data and first.headers["ETag"] == second.headers["ETag"]
    not_modified = client.get("/topics/naming-feelings/handout.pdf",
                              headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304
    client.get("/topics/naming-feelings/handout.pdf?size=a4")
    assert len(renders) == 2


def test_changed_content_is_rendered_again(
    make_app: Callable, content_dir: Path, make_user: Callable
) -> None:
    app = make_app()
    client = app.test_client()
    user = make_user()
    AuthActions(client).login(user.email)
    before = client.get("/topics/naming-feelings/handout.pdf")
    write_topic(content_dir, "naming-feelings", title="Naming Feelings Revised")
    app2 = make_app()
    client2 = app2.test_client()
    AuthActions(client2).login(user.email)
    after = client2.get("/topics/naming-feelings/handout.pdf")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Naming Feelings Revised" in text_of(pdf_of(after))


def test_pdf_routes_answer_503_without_weasyprint(
    client: FlaskClient, signed_in: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "weasyprint", None)
    monkeypatch.setattr(pdf, "_IMPORT_ERROR", "cannot load library 'libpango-1.0-0'")
    response = client.get("/topics/naming-feelings/handout.pdf")
    assert response.status_code == 503
    assert "libpango" in response.get_data(as_text=True)
    assert client.get("/topics/naming-feelings").status_code == 200


def test_licensed_topic_is_served_only_with_a_licence(
    make_app: Callable, content_dir: Path, make_user: Callable
) -> None:
    write_topic(content_dir, "licensed-topic", license="licensed-by-program")
    user = make_user()
    for licensed, status in ((frozenset(), 404), (frozenset({"licensed-topic"}), 200)):
        client = make_app(LICENSED_TOPICS=licensed).test_client()
        AuthActions(client).login(user.email)
        assert client.get("/topics/licensed-topic").status_code == status


def test_extra_content_folder_overrides(
    make_app: Callable, content_dir: Path, tmp_path: Path, make_user: Callable
) -> None:
    extra = tmp_path / "program-content"
    write_topic(extra, "naming-feelings", title="Our Feelings Group")
    client = make_app(CONTENT_DIRS=[content_dir, extra]).test_client()
    AuthActions(client).login(make_user().email)
    assert "Our Feelings Group" in client.get("/topics/naming-feelings").get_data(as_text=True)


def test_development_shows_library_problems(
    make_app: Callable, content_dir: Path, make_user: Callable
) -> None:
    write_topic(content_dir, "broken-topic", group_type="lecture")
    user = make_user()
    for env, shown in (("development", True), ("production", False)):
        client = make_app(GROUPWORK_ENV=env).test_client()
        AuthActions(client).login(user.email)
        page = client.get("/topics").get_data(as_text=True)
        assert ("broken-topic.md: group_type" in page) is shown


def test_pdf_cache_is_per_app_instance_folder(app: Flask, tmp_path: Path) -> None:
    assert Path(app.config["PDF_CACHE_DIR"]) == tmp_path / "pdf-cache"
