"""Blueprint: a topic's Spanish handout edited in the browser, for accounts with a curriculum
permission — the editor (check, preview the handout, save a draft), the Spanish versions of a
topic, a version's page with its differences, and the review steps (withdraw, return,
approve), as for topics (topic_versions). Everyone else gets a 404 here, audited; none of
these pages may be cached (curriculum/headers.py)."""

import dataclasses
from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from curriculum import curriculum_versions, translation_review
from curriculum.access import curriculum_approvers_only, curriculum_editors_only, get_version
from curriculum.db import begin_write, get_session
from curriculum.handouts import Variant, prerender, render_handouts
from curriculum.library import SLUG_RE, Topic, source_hash
from curriculum.responses import pdf_response
from curriculum.served_library import (
    current_library,
    facilitators_library,
    file_library,
    refresh_now,
)
from curriculum.text import clean, clean_document
from curriculum.text_diff import diff_html
from curriculum.topic_versions import ApproveForm, ReturnForm, TopicForm, WithdrawForm
from curriculum.translation_review import SPANISH, TRANSLATION, TranslationCheck
from models import CurriculumVersion

bp = Blueprint("translation_versions", __name__)
bp.before_request(curriculum_editors_only)


class TranslationForm(TopicForm):
    markdown = TextAreaField(
        "Spanish handout source: front matter (title, translates), then the handout",
        validators=[InputRequired(message="Write the Spanish handout."),
                    Length(max=curriculum_versions.MAX_SOURCE_CHARACTERS)],
        render_kw={"rows": 30, "class": "source-input", "lang": SPANISH})


def _english(slug: str) -> Topic:
    """The English topic served under ``slug``, which the Spanish handout translates.

    :raise 404: for a malformed or unknown slug.
    """
    topic = current_library().get(slug) if SLUG_RE.match(slug) else None
    if topic is None:
        abort(404)
    return topic


def _check(english: Topic, source: str) -> TranslationCheck:
    return translation_review.check(english.slug, source, english, current_library(),
                                    translation_review.file_path(english.slug))


def _editor(form: TranslationForm, english: Topic, checked: TranslationCheck | None,
            status: int = 200) -> ResponseReturnValue:
    return render_template("translation_versions/edit.html", form=form, topic=english,
                           checked=checked), status


@bp.get("/topics/<slug>/es/edit")
def edit(slug: str) -> ResponseReturnValue:
    """The editor with the Spanish handout in force (a first translation starts from the
    English handout), or (?from=N) Spanish version N's text, based on the text in force.

    :raise 404: for an unknown topic or version.
    """
    english = _english(slug)
    current = translation_review.current_text(get_session(), file_library(), slug)
    carried = request.args.get("from", type=int)
    if carried is not None and not 0 < carried < 2**31:
        abort(404)
    start = get_version(TRANSLATION, slug, carried, action="edit-version") if carried else None
    source = (start.source if start else current.source if current
              else translation_review.skeleton(english))
    form = TranslationForm(data={
        "markdown": source, "change_note": start.change_note if start else "",
        "base": current.content_hash if current else ""})
    return _editor(form, english, _check(english, source))


@bp.post("/topics/<slug>/es/edit")
def edit_post(slug: str) -> ResponseReturnValue:
    """Check the Spanish handout, preview it as a PDF, or save it as a draft version."""
    english = _english(slug)
    form = TranslationForm()
    if not form.validate_on_submit():
        return _editor(form, english, None, status=400)
    source = form.markdown.data = clean_document(form.markdown.data)
    checked = _check(english, source)
    action = request.form.get("action", "check")
    if action == "preview":
        if checked.translation is None:
            form.form_errors.append("The handout cannot be previewed until the problems that "
                                    "stop it loading are fixed.")
            return _editor(form, english, checked, status=400)
        return _preview(english, checked)
    if action != "save":
        return _editor(form, english, checked)
    note = clean(form.change_note.data or "")
    if not note:
        form.change_note.errors = ["Say what changed and why: the approver and the record "
                                   "need it."]
        return _editor(form, english, checked, status=400)
    session = get_session()
    begin_write(session)
    try:
        version = translation_review.save_draft(session, file_library(), slug, source, note,
                                                current_user.account(), form.base.data or "")
    except curriculum_versions.Refused as refusal:
        session.rollback()
        form.form_errors.append(str(refusal))
        return _editor(form, english, checked, status=400)
    session.commit()
    flash(f"Saved as draft Spanish version {version.number}. Facilitators keep the Spanish "
          f"handout in force until another approver approves it.")
    return redirect(url_for("translation_versions.version", slug=slug, number=version.number))


def _preview(english: Topic, checked: TranslationCheck) -> ResponseReturnValue:
    """The Spanish handout as it would print (US letter), for this request alone: never
    cached, never kept in the handout cache."""
    topic = dataclasses.replace(english, translations={SPANISH: checked.translation})
    return pdf_response(render_handouts([topic], Variant(language=SPANISH)),
                        f"{english.slug}-{SPANISH}-preview.pdf")


@bp.get("/topics/<slug>/es/versions")
def index(slug: str) -> ResponseReturnValue:
    """Every version of a topic's Spanish handout, newest first."""
    english = _english(slug)
    return render_template("translation_versions/index.html", topic=english,
                           versions=curriculum_versions.versions_of(get_session(), slug,
                                                                    TRANSLATION))


def _version(slug: str, number: int, action: str = "view-version"
             ) -> tuple[Topic, CurriculumVersion, TranslationCheck]:
    """The English topic, Spanish version ``number`` of it, and that version's check now.

    :raise 404: for an unknown topic or version (audited).
    """
    english = _english(slug)
    found = get_version(TRANSLATION, slug, number, action=action)
    checked = translation_review.check_version(found, current_library())
    return english, found, checked


@bp.get("/topics/<slug>/es/versions/<id:number>")
def version(slug: str, number: int) -> ResponseReturnValue:
    """One Spanish version: its state and decisions, problems, differences from its base and
    from the file's text, the source with line numbers, and the review forms."""
    english, found, checked = _version(slug, number)
    files = file_library()
    blockers = translation_review.blockers(get_session(), found, current_user.id, checked,
                                           files)
    file = translation_review.file_text(files, slug)
    base = found.base_version.source if found.base_version else \
        file if file is not None and source_hash(file) == found.base_hash else None
    return render_template(
        "translation_versions/version.html", topic=english, version=found, checked=checked,
        blockers=blockers, stale=any(b.code == "stale" for b in blockers),
        base_diff=diff_html(base, found.source) if base is not None else None,
        file_diff=diff_html(file, found.source) if file is not None else None,
        return_form=ReturnForm(), approve_form=ApproveForm(), withdraw_form=WithdrawForm())


@bp.get("/topics/<slug>/es/versions/<id:number>/handout.pdf")
def version_handout(slug: str, number: int) -> ResponseReturnValue:
    """A Spanish version's handout as it would print, never cached.

    :raise 400: when the version does not load (its page lists why).
    """
    english, _, checked = _version(slug, number)
    if checked.translation is None:
        abort(400, description="This version does not load, so its handout cannot print; its "
                               "page lists the problems.")
    return _preview(english, checked)


def _review(slug: str, number: int, action: str, form: FlaskForm,
            step: Callable[[Session, CurriculumVersion], str]) -> ResponseReturnValue:
    """One review step on a Spanish version, under the curriculum's lock: ``step`` takes it
    and says what it did; a refusal (audited by the step) or a bad form says why not."""
    _english(slug)
    session = get_session()
    begin_write(session)
    found = get_version(TRANSLATION, slug, number, action=action)
    if not form.validate_on_submit():
        session.rollback()
        message = "Not done: " + " ".join(m for field in form for m in field.errors)
    else:
        try:
            message = step(session, found)
        except curriculum_versions.Refused as refusal:
            message = f"Not done: {refusal}"  # the refusal's audit event is committed
        session.commit()
    flash(message)
    return redirect(url_for("translation_versions.version", slug=slug, number=number))


@bp.post("/topics/<slug>/es/versions/<id:number>/withdraw")
def withdraw(slug: str, number: int) -> ResponseReturnValue:
    """The author withdraws their draft."""
    form = WithdrawForm()

    def step(session: Session, found: CurriculumVersion) -> str:
        curriculum_versions.withdraw(session, found, current_user.account(),
                                     clean(form.withdrawal_comment.data or ""))
        return f"Spanish version {number} is withdrawn."

    return _review(slug, number, "withdraw-version", form, step)


@bp.post("/topics/<slug>/es/versions/<id:number>/return")
@curriculum_approvers_only
def return_version(slug: str, number: int) -> ResponseReturnValue:
    """An approver returns a draft to its author with a comment."""
    form = ReturnForm()

    def step(session: Session, found: CurriculumVersion) -> str:
        curriculum_versions.return_to_author(session, found, current_user.account(),
                                             clean(form.comment.data))
        return f"Spanish version {number} is returned to its author."

    return _review(slug, number, "return-version", form, step)


@bp.post("/topics/<slug>/es/versions/<id:number>/approve")
@curriculum_approvers_only
def approve(slug: str, number: int) -> ResponseReturnValue:
    """An approver who did not write it approves a Spanish draft, attesting to it: it is
    served from now on (this worker at once, every other within seconds)."""
    form = ApproveForm()
    approved: list[str] = []

    def step(session: Session, found: CurriculumVersion) -> str:
        previous = translation_review.approve(
            session, found, current_user.account(), form.attest.data,
            clean(form.approval_comment.data or ""), current_library(), file_library())
        approved.append(slug)
        replaced = f"; Spanish version {previous.number} is superseded" if previous else ""
        return f"Spanish version {number} is approved: facilitators get it now{replaced}."

    answer = _review(slug, number, "approve-version", form, step)
    refresh_now()  # committed: this worker serves it from its next request
    if approved:
        prerender(facilitators_library(), slug)
    return answer
