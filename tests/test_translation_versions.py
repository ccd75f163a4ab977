"""A Spanish handout is a version that needs approval (issue 16 with issue 15): edited in the
browser with the Spanish checks beside it, saved as a draft of kind translation, approved by
an approver who is not its author, attested; facilitators are then served it on the page, in
the ?lang=es PDF and in packets, here and on another app sharing the database — drafts never.
An English approval leaves the Spanish handout out of date, and ``curriculum check`` says so."""

import html
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from pypdf import PdfReader
from sqlalchemy import select

from curriculum import db
from curriculum.handout_translations import handout_hash
from curriculum.library import source_hash
from curriculum.served_library import current_library
from models import AuditEvent, ContentKind, CurriculumVersion, User, VersionState
from tests.browser import browser_test, serious_violations, sign_in
from tests.helpers import client_for, csrf_token, save_topic_draft, topic_editor, write_spanish

SLUG = "coping-with-cravings"
SPANISH_EDITOR = f"{SLUG}/es"
OLD = "Un detonante es algo que hace empezar el ansia."
NEW = "Un detonante es una persona, un lugar o un sentimiento que hace empezar el ansia."


@pytest.fixture
def content_dir(content_dir: Path) -> Path:
    """The three test topics, the first with its Spanish handout in step."""
    write_spanish(content_dir, SLUG)
    return content_dir


def submit(client: FlaskClient, markdown: str, base: str, action: str) -> object:
    return client.post(f"/topics/{SPANISH_EDITOR}/edit", data={
        "markdown": markdown, "change_note": "Más claro.", "base": base, "action": action,
        "csrf_token": csrf_token(client, "/")})


def decide(client: FlaskClient, number: int, step: str, at: str = SPANISH_EDITOR,
           **data: str) -> str:
    """POST a review step on a Spanish version; returns the page it leads to."""
    response = client.post(f"/topics/{at}/versions/{number}/{step}",
                           data={**data, "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302, (step, response.status_code)
    return html.unescape(client.get(response.headers["Location"]).text)


def stored(app: Flask, number: int) -> CurriculumVersion:
    with app.app_context():
        return db.get_session().scalar(select(CurriculumVersion).where(
            CurriculumVersion.kind == ContentKind.TRANSLATION, CurriculumVersion.slug == SLUG,
            CurriculumVersion.number == number))


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
                    .split())


def spanish_served(client: FlaskClient) -> tuple[str, str, str]:
    """What a facilitator gets in Spanish: the topic page, its handout and a packet."""
    page = html.unescape(client.get(f"/topics/{SLUG}").text)
    handout = client.get(f"/topics/{SLUG}/handout.pdf?lang=es")
    packet = client.get(f"/handouts.pdf?topics={SLUG},naming-feelings&lang=es")
    assert handout.status_code == packet.status_code == 200
    return page, pdf_text(handout.data), pdf_text(packet.data)


def test_the_spanish_editor_shows_the_spanish_problems_with_their_lines(
    app: Flask, people: dict[str, User]
) -> None:
    editor = client_for(app, people["editor"])
    source, base = topic_editor(editor, SPANISH_EDITOR)
    assert OLD in source and base == source_hash(source)
    assert "No problems" in html.unescape(submit(editor, source, base, "check").text)
    changed = (source.replace(OLD, "Un alcohólico debe dejar de beber de golpe hoy mismo.")
               .replace("[lines: 3]", "[lines: 2]"))
    line = next(number for number, text in enumerate(changed.split("\n"), start=1)
                if text.startswith("Un alcohólico"))
    page = html.unescape(submit(editor, changed, base, "check").text)
    assert f'Line {line}</a>: <strong>glossary</strong>: "alcohólico" → say' in page
    assert f"Line {line}</a>: <strong>stop-now advice</strong>" in page
    assert "<strong>structure</strong>: '[lines: N]' markers 2 (1); the English has 3 (1)" in page
    assert "Un alcohólico debe dejar" in page  # what was typed is kept
    # Not in step with the English in force: a notice, never in the way.
    elsewhere = changed.replace(f"translates: {source.split('translates: ')[1][:64]}",
                                "translates: " + "ab" * 32)
    page = html.unescape(submit(editor, elsewhere, base, "check").text)
    assert "This Spanish handout translates another version of the English handout" in page
    long_sentence = " ".join(["Cuando llega el ansia de consumir, usted puede respirar, "
                              "caminar, llamar a alguien de confianza y recordar por qué "
                              "quiere cambiar su vida"] * 4) + "."
    page = html.unescape(submit(editor, source.replace(OLD, long_sentence), base, "check").text)
    assert "Fernández-Huerta" in page and "is below 70" in page
    preview = submit(editor, source.replace(OLD, NEW), base, "preview")
    assert preview.headers["Cache-Control"] == "no-store"
    assert NEW in pdf_text(preview.data) and "Página 1 de 1" in pdf_text(preview.data)
    with app.app_context():
        events = db.get_session().scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == "translation-version")).all()
    assert events == []  # checking and previewing save nothing


def test_a_spanish_draft_waits_for_another_approver_then_is_served_everywhere(
    app: Flask, people: dict[str, User], make_app: Callable[..., Flask],
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    editor = client_for(app, people["editor"])
    approver = client_for(app, people["approver"])
    facilitator = client_for(app, people["facilitator"])
    elsewhere = client_for(make_app(CURRICULUM_REFRESH_SECONDS=0), people["facilitator"])
    source, base = topic_editor(editor, SPANISH_EDITOR)
    number = save_topic_draft(editor, SPANISH_EDITOR, source.replace(OLD, NEW), base)
    draft = stored(app, number)
    assert (draft.kind, draft.state, draft.base_hash) == (ContentKind.TRANSLATION,
                                                          VersionState.DRAFT, base)
    # A draft is never served.
    for client in (facilitator, elsewhere):
        page, handout, packet = spanish_served(client)
        assert OLD in handout and OLD in packet and NEW not in handout + packet
        assert "The program's Spanish version" not in page
    # The author cannot approve (an editor: no such route); the approver reads the diff.
    assert editor.post(f"/topics/{SPANISH_EDITOR}/versions/{number}/approve", data={
        "attest": "1", "csrf_token": csrf_token(editor, "/")}).status_code == 404
    review = approver.get(f"/topics/{SPANISH_EDITOR}/versions/{number}").text
    assert '<del class="diff-del">' in review and '<ins class="diff-ins">' in review
    assert "Approve Spanish version 1" in review
    assert "Tick the box to attest" in decide(approver, number, "approve")
    page = decide(approver, number, "approve", attest="1", approval_comment="Bien.")
    assert "Version 1 is approved" in page
    approved = stored(app, number)
    assert approved.state == VersionState.APPROVED and "Approved by" in approved.attestation
    for client in (facilitator, elsewhere):
        page, handout, packet = spanish_served(client)
        assert "The program's Spanish version 1" in page
        assert NEW in handout and NEW in packet and OLD not in handout + packet
    with app.app_context():
        events = db.get_session().execute(select(AuditEvent.action, AuditEvent.outcome).where(
            AuditEvent.object_type == "translation-version").order_by(AuditEvent.id)).all()
    assert [tuple(e) for e in events] == [("save-translation-draft", "ok"),
                                          ("approve-translation-version", "refused"),
                                          ("approve-translation-version", "ok")]
    # Exported beside its topic as shipped; imported back, it is the text in force, and an
    # edited copy becomes a Spanish draft by the importing editor.
    out = tmp_path / "export"
    exported = runner.invoke(args=["curriculum", "export", str(out)])
    assert exported.exit_code == 0 and "1 approved Spanish handouts" in exported.output
    spanish_file = out / "topics" / f"{SLUG}.es.md"
    assert spanish_file.read_text() == approved.source
    imported = runner.invoke(args=["curriculum", "import", str(out), "--author",
                                   people["editor"].email])
    assert "0 draft(s) await" in imported.output, imported.output
    spanish_file.write_text(approved.source.replace(NEW, NEW + " Hoy."))
    imported = runner.invoke(args=["curriculum", "import", str(out), "--author",
                                   people["editor"].email])
    assert f"topics/{SLUG}.es.md: draft version 2\n" in imported.output, imported.output
    assert (stored(app, 2).kind, stored(app, 2).state) == (ContentKind.TRANSLATION,
                                                           VersionState.DRAFT)


def test_the_two_person_rule_and_the_review_steps_hold_for_spanish_versions(
    app: Flask, people: dict[str, User]
) -> None:
    author = client_for(app, people["approver"])
    source, base = topic_editor(author, SPANISH_EDITOR)
    first = save_topic_draft(author, SPANISH_EDITOR, source.replace(OLD, NEW), base)
    assert "You wrote this version, so you cannot approve it" in decide(
        author, first, "approve", attest="1")
    assert stored(app, first).state == VersionState.DRAFT
    second = save_topic_draft(author, SPANISH_EDITOR, source.replace(OLD, NEW + " Hoy."), base)
    other = client_for(app, people["approver2"])
    waiting = other.get("/topics/drafts").text
    assert all(f'href="/topics/{SPANISH_EDITOR}/versions/{n}">Version {n}' in waiting
               for n in (first, second))
    decide(other, first, "approve", attest="1")
    # The second started from the text the first replaced.
    page = decide(other, second, "approve", attest="1")
    assert "The text in force has changed since this draft was started" in page
    carried, rebased = topic_editor(author, SPANISH_EDITOR, f"?from={second}")
    assert "Hoy." in carried and rebased == stored(app, first).content_hash
    decide(other, second, "return", comment="Empiece desde la versión aprobada.")
    assert stored(app, second).state == VersionState.RETURNED
    assert f'href="/topics/{SPANISH_EDITOR}/versions/{second}">translation {SLUG}, version' \
        in author.get("/topics/drafts").text
    third = save_topic_draft(author, SPANISH_EDITOR, carried, rebased)
    assert stored(app, third).base_version_id == stored(app, first).id
    decide(author, third, "withdraw", withdrawal_comment="Ya no hace falta.")
    assert stored(app, third).state == VersionState.WITHDRAWN
    unchanged = submit(author, stored(app, first).source, rebased, "save")
    assert unchanged.status_code == 400 and "change something before saving" in unchanged.text
    unknown_base = submit(author, carried, "f" * 64, "save")
    assert unknown_base.status_code == 400 and "Open the editor again" in unknown_base.text
    listing = author.get(f"/topics/{SPANISH_EDITOR}/versions").text
    assert "Facilitators get Spanish version 1" in listing
    assert client_for(app, people["editor"]).get(
        f"/topics/{SPANISH_EDITOR}/versions/99").status_code == 404


def test_a_first_translation_starts_from_the_english_handout(
    app: Flask, people: dict[str, User]
) -> None:
    editor = client_for(app, people["editor"])
    facilitator = client_for(app, people["facilitator"])
    assert facilitator.get("/topics/naming-feelings/handout.pdf?lang=es").status_code == 404
    source, base = topic_editor(editor, "naming-feelings/es")
    assert base == "" and 'title: "Naming Feelings"' in source
    assert "This is the naming-feelings handout." in source
    spanish = (source.replace('"Naming Feelings"', "Nombrar los sentimientos")
               .replace("## Key ideas", "## Ideas clave")
               .replace("A trigger is something that starts a craving. This is the "
                        "naming-feelings handout.", "Un sentimiento tiene nombre y pasa.")
               .replace("## My triggers", "## Mis detonantes")
               .replace("## Before next group", "## Antes del próximo grupo")
               .replace("Notice one trigger.", "Fíjese en un sentimiento."))
    number = save_topic_draft(editor, "naming-feelings/es", spanish, base)
    page = decide(client_for(app, people["approver"]), number, "approve",
                  at="naming-feelings/es", attest="1")
    assert "Version 1 is approved" in page, page
    handout = facilitator.get("/topics/naming-feelings/handout.pdf?lang=es")
    assert "Un sentimiento tiene nombre y pasa." in pdf_text(handout.data)


def test_an_english_approval_leaves_the_spanish_handout_out_of_date_in_the_check(
    app: Flask, people: dict[str, User], runner: FlaskCliRunner
) -> None:
    """The English in force comes from the database: ``curriculum check`` compares the
    Spanish handout with it, not only with the file's English."""
    assert "es.md: translation: out of date" not in runner.invoke(
        args=["curriculum", "check"]).output
    editor = client_for(app, people["editor"])
    source, base = topic_editor(editor, SLUG)
    number = save_topic_draft(editor, SLUG, source.replace(
        "A trigger is something that starts a craving.",
        "A trigger is a person, place or feeling that starts a craving."), base)
    approver = client_for(app, people["approver"])
    approver.post(f"/topics/{SLUG}/versions/{number}/approve",
                  data={"attest": "1", "csrf_token": csrf_token(approver, "/")})
    result = runner.invoke(args=["curriculum", "check"])
    assert result.exit_code == 1
    assert (f"topics/{SLUG}.es.md: translation: out of date: translates an earlier version of "
            f"the English handout of '{SLUG}'") in result.output
    page = html.unescape(client_for(app, people["facilitator"]).get(f"/topics/{SLUG}").text)
    assert "This Spanish handout translates an earlier version of the English one" in page
    # Brought in step by a Spanish version, approved: the check passes again for it.
    spanish, base = topic_editor(editor, SPANISH_EDITOR)
    with app.app_context():
        english = handout_hash(current_library().get(SLUG).handout_markdown)
    in_step = spanish.replace(spanish.split("translates: ")[1][:64], english)
    decide(approver, save_topic_draft(editor, SPANISH_EDITOR, in_step, base), "approve",
           attest="1")
    assert "out of date" not in runner.invoke(args=["curriculum", "check"]).output


@browser_test
def test_the_spanish_editor_and_version_pages_pass_axe(
    page: Any, people: dict[str, User]
) -> None:
    sign_in(page, people["editor"])
    page.goto(f"/topics/{SLUG}")
    page.get_by_role("link", name="Edit the Spanish handout").click()
    source_box = page.get_by_label("Spanish handout source", exact=False)
    source_box.fill(source_box.input_value().replace(OLD, "Un adicto siente el ansia."))
    page.get_by_role("button", name="Check").click()
    assert "glossary" in page.locator(".problems").inner_text()
    findings = [f"editor: {v}" for v in serious_violations(page)]
    page.get_by_label("Spanish handout source", exact=False).fill(
        page.get_by_label("Spanish handout source", exact=False).input_value().replace(
            "Un adicto siente el ansia.", NEW))
    page.get_by_label("What changed", exact=False).fill("Más claro.")
    page.get_by_role("button", name="Save as a draft").click()
    page.wait_for_url(f"**/topics/{SLUG}/es/versions/1")
    findings += [f"version page: {v}" for v in serious_violations(page)]
    page.context.clear_cookies()
    sign_in(page, people["approver"])
    page.goto(f"/topics/{SLUG}/es/versions/1")
    page.get_by_label("I have read this version", exact=False).check()
    findings += [f"version page, approver: {v}" for v in serious_violations(page)]
    page.get_by_role("button", name="Approve Spanish version 1").click()
    page.get_by_text("Version 1 is approved", exact=False).wait_for()
    assert findings == [], findings
