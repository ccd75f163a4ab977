"""The program's review of shipped topics (issue 15, stage 3): each topic's review status on
the library and topic pages, an approver approving a shipped text as it stands, what
GROUPWORK_REQUIRE_APPROVAL withholds from facilitators (and not from editors), and an upgrade
that changes a shipped text the program approved or changed: marked with its differences,
the approved text kept until an approver adopts the new one, keeps the program's, or approves
a draft merging them."""

import datetime
import html
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from curriculum import db
from curriculum.library import source_hash
from models import (
    AuditEvent,
    CurriculumVersion,
    Group,
    ShippedReviewDecision,
    ShippedTopicReview,
    User,
    VersionState,
)
from tests.helpers import client_for, csrf_token, save_topic_draft, topic_editor

SLUG = "coping-with-cravings"
OLD = "Notice one trigger."
UPGRADED = "Notice one trigger and one craving."
CHANGED = "[shipped text changed since your approval]"
MARKER = "Shipped text changed since your approval"



def file_hash(content_dir: Path, slug: str = SLUG) -> str:
    return source_hash((content_dir / "topics" / f"{slug}.md").read_text(encoding="utf-8"))


def decide(client: FlaskClient, step: str, shipped: str, slug: str = SLUG, **data: str) -> str:
    """POST a decision on the shipped text from the topic page; returns the page it leads to."""
    response = client.post(f"/topics/{slug}/{step}", data={
        **data, "shipped": shipped, "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302, (step, response.status_code)
    assert response.headers["Location"] == f"/topics/{slug}"
    return html.unescape(client.get(response.headers["Location"]).text)


def reviews(app: Flask) -> list[tuple[str, ShippedReviewDecision, str]]:
    with app.app_context():
        return [(r.slug, r.decision, r.shipped_hash) for r in db.get_session().scalars(
            select(ShippedTopicReview).order_by(ShippedTopicReview.id))]


def topic_events(app: Flask) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(e.action, e.outcome, e.object_id) for e in db.get_session().scalars(
            select(AuditEvent).where(AuditEvent.object_type == "topic")
            .order_by(AuditEvent.id))]


def upgrade(content_dir: Path, make_app: Callable[..., Flask], **config: object) -> Flask:
    """The program upgraded: the shipped file changed, and a new app serves it."""
    path = content_dir / "topics" / f"{SLUG}.md"
    path.write_text(path.read_text(encoding="utf-8").replace(OLD, UPGRADED), encoding="utf-8")
    return make_app(**config)


def test_statuses_and_approving_a_shipped_text_as_it_stands(
    app: Flask, people: dict[str, User], content_dir: Path
) -> None:
    facilitator = client_for(app, people["facilitator"])
    approver = client_for(app, people["approver"])
    library = facilitator.get("/topics").text
    assert library.count("Program review: not yet reviewed") == 3
    page = approver.get(f"/topics/{SLUG}").text
    assert "Not yet reviewed" in page and "needs no second person" in page
    assert "Approve the shipped text as it stands" in page
    assert "Approve the shipped" not in facilitator.get(f"/topics/{SLUG}").text
    shipped = file_hash(content_dir)
    assert "Not done: Tick the box" in decide(approver, "approve", shipped)
    assert "Not done: The shipped text is not the one you read" in decide(
        approver, "approve", "0" * 64, attest="1")
    page = decide(approver, "approve", shipped, attest="1", comment="Fits our program.")
    assert "The shipped text is approved as it stands" in page
    assert "Approved as shipped" in page and "Approve the shipped text" not in page
    assert reviews(app) == [(SLUG, ShippedReviewDecision.APPROVED, shipped)]
    assert topic_events(app) == [("approve-shipped-topic", "refused", SLUG)] * 2 + [
        ("approve-shipped-topic", "ok", SLUG)]
    assert "Not done: The program has already approved" in decide(approver, "approve", shipped,
                                                                  attest="1")
    library = facilitator.get("/topics").text
    assert library.count("Program review: approved as shipped") == 1
    assert library.count("Program review: not yet reviewed") == 2
    # A version approved with changes is shown as such, and the shipped text can replace it.
    editor = client_for(app, people["editor"])
    source, base = topic_editor(editor, "naming-feelings")
    number = save_topic_draft(editor, "naming-feelings", source.replace(OLD, "Name one."), base)
    approver.post(f"/topics/naming-feelings/versions/{number}/approve", data={
        "attest": "1", "csrf_token": csrf_token(approver, "/")})
    assert "Approved with changes: the program's version 1" in facilitator.get(
        "/topics/naming-feelings").text
    page = decide(approver, "approve", file_hash(content_dir, "naming-feelings"),
                  slug="naming-feelings", attest="1")
    assert "the program's version 1 is superseded" in page and "Approved as shipped" in page
    with app.app_context():
        first = db.get_session().scalar(select(CurriculumVersion))
        assert first.state == VersionState.SUPERSEDED and first.superseded_by_version_id is None
    assert "the shipped text, approved as it stands" in editor.get(
        "/topics/naming-feelings/versions/1").text
    assert "Name one." not in facilitator.get("/topics/naming-feelings").text


@pytest.mark.engine_independent
def test_require_approval_withholds_unreviewed_topics_from_facilitators_only(
    make_app: Callable[..., Flask], people: dict[str, User], content_dir: Path,
    make_group: Callable[..., Group]
) -> None:
    app = make_app(REQUIRE_APPROVAL=True)
    group = make_group(facilitators=[people["facilitator"]])
    facilitator = client_for(app, people["facilitator"])
    approver = client_for(app, people["approver"])
    decide(approver, "approve", file_hash(content_dir), attest="1")
    library = facilitator.get("/topics").text
    assert "Coping With Cravings" in library and "Naming Feelings" not in library
    assert facilitator.get("/topics/naming-feelings").status_code == 404
    assert facilitator.get("/topics/naming-feelings/handout.pdf").status_code == 404
    assert facilitator.get(f"/handouts.pdf?topics={SLUG},naming-feelings").status_code == 404
    group_page = facilitator.get(f"/groups/{group.id}").text
    assert 'value="coping-with-cravings"' in group_page
    assert 'value="naming-feelings"' not in group_page
    coverage = facilitator.get(f"/coverage/groups/{group.id}").text
    assert "Coping With Cravings" in coverage and "Naming Feelings" not in coverage
    # Editors and approvers still see every topic, with its status.
    editor = client_for(app, people["editor"])
    assert editor.get("/topics").text.count("Program review: not yet reviewed") == 2
    assert "Not yet reviewed" in editor.get("/topics/naming-feelings").text
    # Without the setting, a topic not yet reviewed serves its shipped text.
    other = make_app()
    assert client_for(other, people["facilitator"]).get(
        "/topics/naming-feelings").status_code == 200


def test_an_upgrade_of_a_text_approved_as_shipped_keeps_it_until_the_new_one_is_adopted(
    app: Flask, make_app: Callable[..., Flask], people: dict[str, User], content_dir: Path
) -> None:
    approved = file_hash(content_dir)
    decide(client_for(app, people["approver"]), "approve", approved, attest="1")
    upgraded = upgrade(content_dir, make_app, REQUIRE_APPROVAL=True)
    facilitator = client_for(upgraded, people["facilitator"])
    approver = client_for(upgraded, people["approver"])
    page = html.unescape(facilitator.get(f"/topics/{SLUG}").text)
    assert OLD in page and UPGRADED not in page and MARKER not in page
    assert "the shipped text as approved" in page
    assert "shipped text changed since your approval" in approver.get("/topics").text
    page = approver.get(f"/topics/{SLUG}").text
    assert MARKER in page and '<ins class="diff-ins">' in page and "and one craving" in page
    assert "Adopt the new shipped text" in page and "Keep the program's text" in page
    new = file_hash(content_dir)
    page = decide(approver, "approve", new, attest="1")
    assert MARKER not in page and UPGRADED in page
    assert UPGRADED in facilitator.get(f"/topics/{SLUG}").text
    assert reviews(upgraded) == [(SLUG, ShippedReviewDecision.APPROVED, approved),
                                 (SLUG, ShippedReviewDecision.APPROVED, new)]


def test_keeping_the_programs_version_after_an_upgrade(
    app: Flask, make_app: Callable[..., Flask], people: dict[str, User], content_dir: Path
) -> None:
    editor = client_for(app, people["editor"])
    source, base = topic_editor(editor, SLUG)
    number = save_topic_draft(editor, SLUG, source.replace("Print handouts.", "Print two."),
                              base)
    approver = client_for(app, people["approver"])
    approver.post(f"/topics/{SLUG}/versions/{number}/approve", data={
        "attest": "1", "csrf_token": csrf_token(approver, "/")})
    assert reviews(app) == [(SLUG, ShippedReviewDecision.CHANGED, base)]
    upgraded = upgrade(content_dir, make_app)
    approver = client_for(upgraded, people["approver"])
    page = approver.get(f"/topics/{SLUG}").text
    assert MARKER in page and "Approved with changes: the program's version 1" in page
    page = client_for(upgraded, people["facilitator"]).get(f"/topics/{SLUG}").text
    assert "Print two." in page and UPGRADED not in page
    page = decide(approver, "keep", file_hash(content_dir), comment="Ours is better.")
    assert "Recorded: the program keeps its text" in page and MARKER not in page
    assert "Print two." in page and UPGRADED not in page
    assert reviews(upgraded)[-1] == (SLUG, ShippedReviewDecision.KEPT, file_hash(content_dir))
    assert "Not done: The shipped text has not changed" in decide(approver, "keep",
                                                                  file_hash(content_dir))
    assert [e[:2] for e in topic_events(upgraded)] == [("keep-program-topic", "ok"),
                                                       ("keep-program-topic", "refused")]


def test_a_draft_merging_the_programs_text_with_the_upgrade(
    app: Flask, make_app: Callable[..., Flask], people: dict[str, User], content_dir: Path
) -> None:
    editor = client_for(app, people["editor"])
    source, base = topic_editor(editor, SLUG)
    program = source.replace("Print handouts.", "Print two.")
    approver = client_for(app, people["approver"])
    approver.post(f"/topics/{SLUG}/versions/{save_topic_draft(editor, SLUG, program, base)}"
                  f"/approve", data={"attest": "1", "csrf_token": csrf_token(approver, "/")})
    assert editor.get(f"/topics/{SLUG}/edit?merge=1").status_code == 404  # nothing to merge
    upgraded = upgrade(content_dir, make_app)
    editor = client_for(upgraded, people["editor"])
    carried, merge_base = topic_editor(editor, SLUG, "?merge=1")
    assert carried == program and merge_base == file_hash(content_dir)
    merged = save_topic_draft(editor, SLUG, program.replace(OLD, UPGRADED), merge_base)
    approver = client_for(upgraded, people["approver2"])
    review = html.unescape(approver.get(f"/topics/{SLUG}/versions/{merged}").text)
    assert "Approve version 2" in review and "Print two." in review
    approver.post(f"/topics/{SLUG}/versions/{merged}/approve", data={
        "attest": "1", "csrf_token": csrf_token(approver, "/")})
    page = html.unescape(client_for(upgraded, people["facilitator"]).get(f"/topics/{SLUG}").text)
    assert "Print two." in page and UPGRADED in page and "the program's version 2" in page
    assert MARKER not in approver.get(f"/topics/{SLUG}").text
    assert reviews(upgraded)[-1] == (SLUG, ShippedReviewDecision.CHANGED,
                                     file_hash(content_dir))
    # The first version's base, the shipped text before the upgrade, is still at hand.
    assert "no longer at hand" not in editor.get(f"/topics/{SLUG}/versions/1").text


@pytest.mark.engine_independent
def test_reviews_of_shipped_texts_are_never_changed(app: Flask, people: dict[str, User],
                                                    content_dir: Path) -> None:
    decide(client_for(app, people["approver"]), "approve", file_hash(content_dir), attest="1")
    with app.app_context():
        session = db.get_session()
        review = session.scalar(select(ShippedTopicReview))
        review.decided_at = datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)
        with pytest.raises(Exception, match="append-only"):
            session.flush()
