"""Blueprint: editing topics in the browser, for accounts with a curriculum permission — the
editor (check, preview the handout, save a draft), new topics, each topic's versions, a
version's page with its differences, and the review steps (withdraw, return, approve).

Everyone else gets a 404 on every page here, audited. An editor's text is untrusted: it goes
through the same loading, checks and sanitizer as the shipped topics, and previews neither
run script nor fetch anything. None of these pages may be cached (curriculum/headers.py).
"""

from collections.abc import Callable
from pathlib import Path

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from curriculum import curriculum_versions as versions
from curriculum import shipped_reviews
from curriculum.access import curriculum_approvers_only, curriculum_editors_only, get_version
from curriculum.db import begin_write, get_session
from curriculum.handouts import Variant, prerender, render_handouts
from curriculum.library import RESERVED_SLUGS, SLUG_RE, Topic, source_hash
from curriculum.localtime import today
from curriculum.responses import pdf_response
from curriculum.served_library import (
    current_library,
    facilitators_library,
    file_library,
    refresh_now,
)
from curriculum.text import clean, clean_document
from curriculum.text_diff import diff_html
from curriculum.topic_check import SourceCheck, check_source
from models import ContentKind, CurriculumVersion

bp = Blueprint("topic_versions", __name__)
bp.before_request(curriculum_editors_only)
TOPIC = ContentKind.TOPIC


class TopicForm(FlaskForm):
    markdown = TextAreaField(
        "Topic source: front matter, facilitator guide, then the participant handout",
        validators=[InputRequired(message="Write the topic."),
                    Length(max=versions.MAX_SOURCE_CHARACTERS)],
        render_kw={"rows": 30, "class": "source-input"})
    change_note = TextAreaField("What changed, and why (for the approver and the record)",
                                validators=[Length(max=versions.MAX_NOTE_CHARACTERS)],
                                render_kw={"rows": 3})
    # The SHA-256 of the text this edit started from ('' for a new topic).
    base = HiddenField(validators=[Regexp(r"^([0-9a-f]{64})?$")])


class NewTopicForm(TopicForm):
    slug = StringField("Address (slug): lowercase letters, digits and hyphens",
                       validators=[InputRequired(message="Choose the topic's address."),
                                   Regexp(SLUG_RE.pattern, message="Use 1 to 64 lowercase "
                                          "letters, digits and hyphens.")])


class ReturnForm(FlaskForm):
    comment = TextAreaField("What the author should change",
                            validators=[DataRequired(message="Say what the author should "
                                                             "change."),
                                        Length(max=versions.MAX_NOTE_CHARACTERS)])


class ApproveForm(FlaskForm):
    attest = BooleanField(versions.ATTESTATION)
    approval_comment = TextAreaField("Comment on the approval (optional)",
                                     validators=[Length(max=versions.MAX_NOTE_CHARACTERS)])


class ShippedForm(FlaskForm):
    """Approve a topic's shipped text as it stands, or keep the program's after an upgrade."""

    attest = BooleanField(shipped_reviews.ATTESTATION)
    comment = TextAreaField("Comment (optional)",
                            validators=[Length(max=versions.MAX_NOTE_CHARACTERS)])
    # The SHA-256 of the shipped text the approver read.
    shipped = HiddenField(validators=[Regexp(r"^[0-9a-f]{64}$")])


class WithdrawForm(FlaskForm):
    withdrawal_comment = TextAreaField("Why you withdraw it (optional)",
                                       validators=[Length(max=versions.MAX_NOTE_CHARACTERS)])


def _slug_or_404(slug: str) -> str:
    if not SLUG_RE.match(slug):
        abort(404)
    return slug


def _check(slug: str, source: str) -> SourceCheck:
    return check_source(slug, source, current_library(), Path("topics") / f"{slug}.md")


def _editor(form: TopicForm, slug: str | None, checked: SourceCheck | None,
            status: int = 200) -> ResponseReturnValue:
    is_new = isinstance(form, NewTopicForm)
    topic = None if is_new or slug is None else current_library().get(slug)
    heading = "New topic" if is_new else f"Edit: {topic.title if topic else slug}"
    return render_template("topic_versions/edit.html", form=form, slug=slug, topic=topic,
                           is_new=is_new, heading=heading, checked=checked), status


@bp.get("/topics/new")
def new() -> ResponseReturnValue:
    """The editor for a new topic, started from a skeleton with every section."""
    source = render_template("topic_versions/new_topic.md", today=today().isoformat())
    form = NewTopicForm(data={"markdown": source, "base": ""})
    return _editor(form, None, None)


@bp.post("/topics/new")
def new_post() -> ResponseReturnValue:
    """Check, preview or save a new topic."""
    form = NewTopicForm()
    slug = form.slug.data or ""
    files = file_library()
    taken = (slug in RESERVED_SLUGS or slug in current_library().topics
             or slug in files.topics or slug in files.withheld)
    return _submitted(form, slug if SLUG_RE.match(slug) else None, slug_taken=taken)


@bp.get("/topics/<slug>/edit")
def edit(slug: str) -> ResponseReturnValue:
    """The editor with the topic's text in force, or (?from=N) version N's text to carry on
    from, either way based on the text in force now.

    :raise 404: for a topic that has neither text in force nor that version.
    """
    _slug_or_404(slug)
    session, files = get_session(), file_library()
    current = versions.current_text(session, files, slug)
    if request.args.get("merge") == "1":
        return _merge_editor(slug, current)
    carried = request.args.get("from", type=int)
    if carried is not None and not 0 < carried < 2**31:
        abort(404)
    start = get_version(TOPIC, slug, carried, action="edit-version") if carried else None
    if current is None and start is None:
        abort(404)
    source = start.source if start else current.source
    form = TopicForm(data={"markdown": source, "change_note": start.change_note if start else "",
                           "base": current.content_hash if current else ""})
    return _editor(form, slug, _check(slug, source))


def _merge_editor(slug: str, current: versions.CurrentText | None) -> ResponseReturnValue:
    """The editor on the program's text, based on the new shipped text an upgrade brought: its
    draft's page shows what it changes there, so the two can be merged.

    :raise 404: unless the shipped text changed since the program's last review.
    """
    files = file_library()
    if current is None or not versions.shipped_changed(get_session(), files, slug):
        abort(404)
    form = TopicForm(data={"markdown": current.source, "base": files.topics[slug].content_hash,
                           "change_note": "Merges the upgrade's new shipped text with the "
                                          "program's."})
    return _editor(form, slug, _check(slug, current.source))


@bp.post("/topics/<slug>/edit")
def edit_post(slug: str) -> ResponseReturnValue:
    """Check, preview or save an edit of a topic."""
    return _submitted(TopicForm(), _slug_or_404(slug))


def _submitted(form: TopicForm, slug: str | None, slug_taken: bool = False
               ) -> ResponseReturnValue:
    """The editor's three buttons: check the text, preview its handout as a PDF, or save it as
    a draft version (problems and all)."""
    valid = form.validate_on_submit()
    if slug_taken and isinstance(form, NewTopicForm):
        form.slug.errors = [*form.slug.errors, f"'{slug}' is taken: choose another address, "
                                               f"or edit that topic."]
    if not valid or slug is None or slug_taken:
        return _editor(form, slug, None, status=400)
    source = clean_document(form.markdown.data)
    form.markdown.data = source
    checked = _check(slug, source)
    action = request.form.get("action", "check")
    if action == "preview":
        if checked.topic is None:
            form.form_errors.append("The handout cannot be previewed until the problems that "
                                    "stop the topic loading are fixed.")
            return _editor(form, slug, checked, status=400)
        return _preview(checked.topic)
    if action != "save":
        return _editor(form, slug, checked)
    note = clean(form.change_note.data or "")
    if not note:
        form.change_note.errors = ["Say what changed and why: the approver and the record "
                                   "need it."]
        return _editor(form, slug, checked, status=400)
    session = get_session()
    begin_write(session)
    try:
        version = versions.save_draft(session, file_library(), slug, source, note,
                                      current_user.account(), form.base.data or "")
    except versions.Refused as refusal:
        session.rollback()
        form.form_errors.append(str(refusal))
        return _editor(form, slug, checked, status=400)
    session.commit()
    flash(f"Saved as draft version {version.number}. Facilitators keep the text in force "
          f"until another approver approves it.")
    return redirect(url_for("topic_versions.version", slug=slug, number=version.number))


def _preview(topic: Topic) -> ResponseReturnValue:
    """The handout as it would print (US letter), rendered for this request alone: never
    cached, never kept in the handout cache."""
    return pdf_response(render_handouts([topic], Variant()), f"{topic.slug}-preview.pdf")


@bp.get("/topics/drafts")
def drafts() -> ResponseReturnValue:
    """Every draft awaiting review (topics and Spanish handouts), and the versions returned
    to me."""
    session = get_session()
    drafts = versions.open_drafts(session, (TOPIC, ContentKind.TRANSLATION))
    return render_template("topic_versions/drafts.html", drafts=drafts,
                           returned=versions.returned_to(session, current_user.id))


@bp.get("/topics/<slug>/versions")
def index(slug: str) -> ResponseReturnValue:
    """Every version of one topic, newest first.

    :raise 404: for a topic with neither versions nor a text in force.
    """
    _slug_or_404(slug)
    session = get_session()
    found = versions.versions_of(session, slug)
    if not found and versions.current_text(session, file_library(), slug) is None:
        abort(404)
    return render_template("topic_versions/index.html", slug=slug, versions=found,
                           topic=current_library().get(slug))


@bp.get("/topics/<slug>/versions/<id:number>")
def version(slug: str, number: int) -> ResponseReturnValue:
    """One version: its state and decisions, problems, differences from its base and from the
    file's text, the source with line numbers, and the review forms."""
    session = get_session()
    found = get_version(TOPIC, _slug_or_404(slug), number)
    checked = versions.check(found, current_library())
    files = file_library()
    blockers = versions.blockers(session, found, current_user.id, checked, files)
    file = versions.file_text(files, slug)
    file_is_base = found.base_version is None and file is not None \
        and source_hash(file) == found.base_hash
    return render_template(
        "topic_versions/version.html", version=found, checked=checked,
        blockers=blockers, stale=any(b.code == "stale" for b in blockers),
        base_diff=_base_diff(found, file), file_is_base=file_is_base,
        file_diff=diff_html(file, found.source) if file is not None else None,
        return_form=ReturnForm(), approve_form=ApproveForm(), withdraw_form=WithdrawForm())


def _base_diff(version: CurriculumVersion, file: str | None) -> str | None:
    """The differences from the text the version started from, when that text is known (a
    version's; the file's; or a shipped text the program kept with a decision on it)."""
    if version.base_version is not None:
        return diff_html(version.base_version.source, version.source)
    if version.base_hash and file is not None and source_hash(file) == version.base_hash:
        return diff_html(file, version.source)
    if version.base_hash and (kept := versions.kept_shipped_text(
            get_session(), version.slug, version.base_hash)) is not None:
        return diff_html(kept, version.source)
    return None


@bp.get("/topics/<slug>/versions/<id:number>/handout.pdf")
def version_handout(slug: str, number: int) -> ResponseReturnValue:
    """A version's handout as it would print, never cached.

    :raise 400: when the version does not load (its page lists why).
    """
    found = get_version(TOPIC, _slug_or_404(slug), number)
    checked = versions.check(found, current_library())
    if checked.topic is None:
        abort(400, description="This version does not load, so its handout cannot print; its "
                               "page lists the problems.")
    return _preview(checked.topic)


def _decided(slug: str, number: int, message: str) -> ResponseReturnValue:
    flash(message)
    return redirect(url_for("topic_versions.version", slug=slug, number=number))


def _review(slug: str, number: int, action: str, form: FlaskForm,
            step: Callable[[Session, CurriculumVersion], str]) -> ResponseReturnValue:
    """One review step on a version, under the curriculum's lock: ``step`` takes it and says
    what it did; a refusal (audited by the step) or a bad form says why nothing was done."""
    session = get_session()
    begin_write(session)
    found = get_version(TOPIC, _slug_or_404(slug), number, action=action)
    if not form.validate_on_submit():
        session.rollback()
        errors = [message for field in form for message in field.errors]
        return _decided(slug, number, "Not done: " + " ".join(errors))
    try:
        message = step(session, found)
    except versions.Refused as refusal:
        session.commit()  # keeps the refusal's audit event
        return _decided(slug, number, f"Not done: {refusal}")
    session.commit()
    return _decided(slug, number, message)


@bp.post("/topics/<slug>/versions/<id:number>/withdraw")
def withdraw(slug: str, number: int) -> ResponseReturnValue:
    """The author withdraws their draft."""
    form = WithdrawForm()

    def step(session: Session, found: CurriculumVersion) -> str:
        versions.withdraw(session, found, current_user.account(),
                          clean(form.withdrawal_comment.data or ""))
        return f"Version {number} is withdrawn."

    return _review(slug, number, "withdraw-version", form, step)


@bp.post("/topics/<slug>/versions/<id:number>/return")
@curriculum_approvers_only
def return_version(slug: str, number: int) -> ResponseReturnValue:
    """An approver returns a draft to its author with a comment."""
    form = ReturnForm()

    def step(session: Session, found: CurriculumVersion) -> str:
        versions.return_to_author(session, found, current_user.account(),
                                  clean(form.comment.data))
        return f"Version {number} is returned to its author."

    return _review(slug, number, "return-version", form, step)


@bp.post("/topics/<slug>/versions/<id:number>/approve")
@curriculum_approvers_only
def approve(slug: str, number: int) -> ResponseReturnValue:
    """An approver who did not write it approves a draft, attesting to it: facilitators are
    served it from now on (this worker at once, every other within seconds)."""
    form = ApproveForm()

    def step(session: Session, found: CurriculumVersion) -> str:
        previous = versions.approve(session, found, current_user.account(), form.attest.data,
                                    clean(form.approval_comment.data or ""), current_library(),
                                    file_library())
        replaced = f"; version {previous.number} is superseded" if previous else ""
        approved.append(slug)
        return f"Version {number} is approved: facilitators see it now{replaced}."

    approved: list[str] = []
    answer = _review(slug, number, "approve-version", form, step)
    refresh_now()  # committed: this worker serves it from its next request
    if approved:
        prerender(facilitators_library(), slug)
    return answer


def _decide_shipped(slug: str, step: Callable[[Session, ShippedForm], str]
                    ) -> ResponseReturnValue:
    """A decision on a topic's shipped text, under the curriculum's lock; back to its page
    with what was done, or why nothing was (a refusal is audited by the step)."""
    _slug_or_404(slug)
    if slug not in file_library().topics:
        abort(404)
    form = ShippedForm()
    session = get_session()
    begin_write(session)
    if not form.validate_on_submit():
        session.rollback()
        flash("Not done: " + " ".join(m for field in form for m in field.errors))
    else:
        try:
            flash(step(session, form))
        except versions.Refused as refusal:
            flash(f"Not done: {refusal}")
        session.commit()
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
        prerender(facilitators_library(), slug)
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
