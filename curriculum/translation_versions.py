"""Blueprint: a topic's Spanish handout edited in the browser, for accounts with a curriculum
permission — the editor (check, preview the handout, save a draft), the Spanish versions of a
topic and a version's page; withdraw, return and approve are the steps every kind shares
(curriculum/version_views.py). Everyone else gets a 404 here, audited; none of these pages may
be cached (curriculum/headers.py)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from curriculum import curriculum_versions as versions
from curriculum import version_views as views
from curriculum.access import curriculum_approvers_only, curriculum_editors_only, get_version
from curriculum.db import get_session, write_session
from curriculum.handouts import Variant, prerender, render_handouts
from curriculum.library import SLUG_RE, Topic, source_hash
from curriculum.responses import pdf_response
from curriculum.served_library import (
    TRANSLATED,
    current_library,
    facilitators_library,
    file_library,
)
from curriculum.text import clean, clean_document
from curriculum.text_diff import diff_html
from curriculum.translation_check import TranslationCheck, file_path, skeleton
from curriculum.version_forms import ApproveForm, ReturnForm, SourceForm, WithdrawForm
from models import ContentKind, CurriculumVersion

TRANSLATION = ContentKind.TRANSLATION
# For the review steps every kind shares (they use its kind and endpoints); the editor and the
# pages here are this blueprint's own, with the English topic beside the Spanish handout.
SPANISH = views.Edited(
    TRANSLATION, "translation_versions", "Spanish handout", "topics.index", "Topic library",
    "topics.show", source_label="", source_hint="", skeleton="", folder="topics",
    suffix=f".{TRANSLATED}.md")

bp = Blueprint("translation_versions", __name__)
bp.before_request(curriculum_editors_only)


class TranslationForm(SourceForm):
    markdown = TextAreaField(
        "Spanish handout source: front matter (title, translates), then the handout",
        validators=[InputRequired(message="Write the Spanish handout."),
                    Length(max=versions.MAX_SOURCE_CHARACTERS)],
        render_kw={"rows": 30, "class": "source-input", "lang": TRANSLATED})


def _english(slug: str) -> Topic:
    """The English topic served under ``slug``, which the Spanish handout translates.

    :raise 404: for a malformed or unknown slug.
    """
    topic = current_library().get(slug) if SLUG_RE.match(slug) else None
    if topic is None:
        abort(404)
    return topic


def _check(english: Topic, source: str) -> TranslationCheck:
    return versions.check_text(TRANSLATION, english.slug, source, current_library(),
                               file_path(english.slug))


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
    current = versions.current_text(get_session(), file_library(), slug, TRANSLATION)
    carried = request.args.get("from", type=int)
    if carried is not None and not 0 < carried < 2**31:
        abort(404)
    start = get_version(TRANSLATION, slug, carried, action="edit-version") if carried else None
    source = start.source if start else current.source if current else skeleton(english)
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
        return _preview(checked)
    if action != "save":
        return _editor(form, english, checked)
    note = clean(form.change_note.data or "")
    if not note:
        form.change_note.errors = ["Say what changed and why: the approver and the record "
                                   "need it."]
        return _editor(form, english, checked, status=400)
    session = write_session()
    try:
        version = versions.save_draft(session, file_library(), slug, source, note,
                                      current_user.account(), form.base.data or "", TRANSLATION)
    except versions.Refused as refusal:
        session.rollback()
        form.form_errors.append(str(refusal))
        return _editor(form, english, checked, status=400)
    session.commit()
    flash(f"Saved as draft Spanish version {version.number}. Facilitators keep the Spanish "
          f"handout in force until another approver approves it.")
    return redirect(url_for("translation_versions.version", slug=slug, number=version.number))


def _preview(checked: TranslationCheck) -> ResponseReturnValue:
    """The Spanish handout as it would print (US letter), for this request alone: never
    cached, never kept in the handout cache."""
    return pdf_response(render_handouts([checked.topic], Variant(language=TRANSLATED)),
                        f"{checked.topic.slug}-{TRANSLATED}-preview.pdf")


@bp.get("/topics/<slug>/es/versions")
def index(slug: str) -> ResponseReturnValue:
    """Every version of a topic's Spanish handout, newest first."""
    english = _english(slug)
    return render_template("translation_versions/index.html", topic=english,
                           versions=versions.versions_of(get_session(), slug, TRANSLATION))


def _version(slug: str, number: int, action: str = "view-version"
             ) -> tuple[Topic, CurriculumVersion, TranslationCheck]:
    """The English topic, Spanish version ``number`` of it, and that version's check now.

    :raise 404: for an unknown topic or version (audited).
    """
    english = _english(slug)
    found = get_version(TRANSLATION, slug, number, action=action)
    return english, found, versions.check(found, current_library())


@bp.get("/topics/<slug>/es/versions/<id:number>")
def version(slug: str, number: int) -> ResponseReturnValue:
    """One Spanish version: its state and decisions, problems, differences from its base and
    from the file's text, the source with line numbers, and the review forms."""
    english, found, checked = _version(slug, number)
    files = file_library()
    blockers = versions.blockers(get_session(), found, current_user.id, checked, files)
    file = versions.file_text(files, slug, TRANSLATION)
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
    _, _, checked = _version(slug, number)
    if checked.translation is None:
        abort(400, description="This version does not load, so its handout cannot print; its "
                               "page lists the problems.")
    return _preview(checked)


@bp.post("/topics/<slug>/es/versions/<id:number>/withdraw")
def withdraw(slug: str, number: int) -> ResponseReturnValue:
    """The author withdraws their draft."""
    _english(slug)
    return views.withdraw(SPANISH, slug, number)


@bp.post("/topics/<slug>/es/versions/<id:number>/return")
@curriculum_approvers_only
def return_version(slug: str, number: int) -> ResponseReturnValue:
    """An approver returns a draft to its author with a comment."""
    _english(slug)
    return views.return_to_author(SPANISH, slug, number)


@bp.post("/topics/<slug>/es/versions/<id:number>/approve")
@curriculum_approvers_only
def approve(slug: str, number: int) -> ResponseReturnValue:
    """An approver who did not write it approves a Spanish draft, attesting to it: it is
    served from now on, and its handouts are rendered ahead for the first to print."""
    _english(slug)
    return views.approve(SPANISH, slug, number,
                         lambda approved: prerender(facilitators_library(), approved))
