"""Blueprint: editing topics in the browser, for accounts with a curriculum permission — the
editor (check, preview the handout, save a draft), new topics, each topic's versions, a
version's page with its differences, the review steps (withdraw, return, approve), and the
program's decisions on a shipped text. The editor and the version pages are shared with
tracks (curriculum/version_views.py); what is a topic's alone is here.

Everyone else gets a 404 on every page here, audited. An editor's text is untrusted: it goes
through the same loading, checks and sanitizer as the shipped topics, and previews neither
run script nor fetch anything. None of these pages may be cached (curriculum/headers.py).
"""

from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy.orm import Session

from curriculum import curriculum_versions as versions
from curriculum import shipped_reviews
from curriculum import version_views as views
from curriculum.access import curriculum_approvers_only, curriculum_editors_only
from curriculum.db import get_session, write_session
from curriculum.handouts import Variant, prerender, render_handouts
from curriculum.responses import pdf_response
from curriculum.served_library import (
    facilitators_library,
    file_library,
    refresh_now,
)
from curriculum.text import clean
from curriculum.topic_check import SourceCheck
from curriculum.version_forms import ShippedForm, SourceForm
from models import ContentKind

bp = Blueprint("topic_versions", __name__)
bp.before_request(curriculum_editors_only)
TOPICS = views.Edited(
    ContentKind.TOPIC, "topic_versions", "topic", "topics.index", "Topic library", "topics.show",
    source_label="Topic source: front matter, facilitator guide, then the participant handout",
    source_hint="Front matter between the --- lines, the facilitator guide, then the line "
                "“# Participant handout” and the handout. README's “Writing topics” describes "
                "each part.",
    skeleton="topic_versions/new_topic.md", folder="topics", suffix=".md")


def _preview(checked: SourceCheck) -> ResponseReturnValue:
    """The handout as it would print (US letter), rendered for this request alone: never
    cached, never kept in the handout cache."""
    topic = checked.topic
    return pdf_response(render_handouts([topic], Variant()), f"{topic.slug}-preview.pdf")


def _prerender(slug: str) -> None:
    prerender(facilitators_library(), slug)


@bp.get("/topics/new")
def new() -> ResponseReturnValue:
    """The editor for a new topic, started from a skeleton with every section."""
    return views.new_page(TOPICS)


@bp.post("/topics/new")
def new_post() -> ResponseReturnValue:
    """Check, preview or save a new topic."""
    return views.new_submitted(TOPICS, _preview)


@bp.get("/topics/<slug>/edit")
def edit(slug: str) -> ResponseReturnValue:
    """The editor with the topic's text in force, or (?from=N) version N's text to carry on
    from; with ?merge=1, the program's text based on an upgrade's new shipped text."""
    if request.args.get("merge") == "1":
        return _merge_editor(views.slug_or_404(slug))
    return views.edit_page(TOPICS, slug)


def _merge_editor(slug: str) -> ResponseReturnValue:
    """The editor on the program's text, based on the new shipped text an upgrade brought: its
    draft's page shows what it changes there, so the two can be merged.

    :raise 404: unless the shipped text changed since the program's last review.
    """
    files = file_library()
    current = versions.current_text(get_session(), files, slug)
    if current is None or not versions.shipped_changed(get_session(), files, slug):
        abort(404)
    form = SourceForm(data={"markdown": current.source, "base": files.topics[slug].content_hash,
                            "change_note": "Merges the upgrade's new shipped text with the "
                                           "program's."})
    return views.editor(TOPICS, form, slug, views.check(TOPICS, slug, current.source))


@bp.post("/topics/<slug>/edit")
def edit_post(slug: str) -> ResponseReturnValue:
    """Check, preview or save an edit of a topic."""
    return views.submitted(TOPICS, SourceForm(), views.slug_or_404(slug), preview=_preview)


@bp.get("/topics/drafts")
def drafts() -> ResponseReturnValue:
    """Every draft awaiting review (topics and tracks), and the versions returned to me."""
    session = get_session()
    return render_template("topic_versions/drafts.html", drafts=versions.open_drafts(session),
                           returned=versions.returned_to(session, current_user.id))


@bp.get("/topics/<slug>/versions")
def index(slug: str) -> ResponseReturnValue:
    """Every version of one topic, newest first."""
    return views.versions_index(TOPICS, slug)


@bp.get("/topics/<slug>/versions/<id:number>")
def version(slug: str, number: int) -> ResponseReturnValue:
    """One version of a topic, with its differences and the review forms."""
    return views.version_page(TOPICS, slug, number)


@bp.get("/topics/<slug>/versions/<id:number>/handout.pdf")
def version_handout(slug: str, number: int) -> ResponseReturnValue:
    """A version's handout as it would print, never cached (400 when it does not load)."""
    return views.version_handout(TOPICS, slug, number, _preview)


@bp.post("/topics/<slug>/versions/<id:number>/withdraw")
def withdraw(slug: str, number: int) -> ResponseReturnValue:
    """The author withdraws their draft."""
    return views.withdraw(TOPICS, slug, number)


@bp.post("/topics/<slug>/versions/<id:number>/return")
@curriculum_approvers_only
def return_version(slug: str, number: int) -> ResponseReturnValue:
    """An approver returns a draft to its author with a comment."""
    return views.return_to_author(TOPICS, slug, number)


@bp.post("/topics/<slug>/versions/<id:number>/approve")
@curriculum_approvers_only
def approve(slug: str, number: int) -> ResponseReturnValue:
    """An approver who did not write it approves a draft, attesting to it; its handouts are
    rendered ahead for the first facilitator to print."""
    return views.approve(TOPICS, slug, number, _prerender)


def _decide_shipped(slug: str, step: Callable[[Session, ShippedForm], str]
                    ) -> ResponseReturnValue:
    """A decision on a topic's shipped text, under the curriculum's lock; back to its page
    with what was done, or why nothing was (a refusal is audited by the step)."""
    views.slug_or_404(slug)
    if slug not in file_library().topics:
        abort(404)
    form = ShippedForm()
    session = write_session()
    flash(views.decided(session, form, lambda: step(session, form)))
    refresh_now()  # committed: this worker serves it from its next request
    return redirect(url_for("topics.show", slug=slug))


@bp.post("/topics/<slug>/approve")
@curriculum_approvers_only
def approve_shipped(slug: str) -> ResponseReturnValue:
    """An approver approves the topic's shipped text as it stands, attesting to it (no second
    person: nobody in the program wrote it); an approved version of it is superseded."""

    def step(session: Session, form: ShippedForm) -> str:
        previous = shipped_reviews.approve_as_shipped(
            session, file_library(), slug, current_user.account(), form.attest.data,
            form.shipped.data, clean(form.comment.data or ""))
        replaced = f"; the program's version {previous.number} is superseded" if previous else ""
        approved.append(slug)
        return f"The shipped text is approved as it stands: facilitators see it now{replaced}."

    approved: list[str] = []
    answer = _decide_shipped(slug, step)
    if approved:
        _prerender(slug)
    return answer


@bp.post("/topics/<slug>/keep")
@curriculum_approvers_only
def keep_program_text(slug: str) -> ResponseReturnValue:
    """After an upgrade changed the shipped text, an approver keeps the program's own text."""

    def step(session: Session, form: ShippedForm) -> str:
        shipped_reviews.keep_program_text(session, file_library(), slug,
                                          current_user.account(), form.shipped.data,
                                          clean(form.comment.data or ""))
        return "Recorded: the program keeps its text; facilitators see it as before."

    return _decide_shipped(slug, step)
