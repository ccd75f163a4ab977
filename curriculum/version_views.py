"""What the topic, track and Spanish handout editors share (their blueprints, topic_versions,
track_versions and translation_versions, route to these): the editor's check, preview and
save, the list of versions, a version's page, and the review steps (withdraw, return,
approve). ``Edited`` says which kind a page is about.
"""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session

from curriculum import curriculum_versions as versions
from curriculum.access import get_version
from curriculum.db import get_session, write_session
from curriculum.library import RESERVED_SLUGS, SLUG_RE, Topic, Track, source_hash
from curriculum.localtime import today
from curriculum.served_library import current_library, file_library, refresh_now
from curriculum.text import clean, clean_document
from curriculum.text_diff import diff_html
from curriculum.topic_check import SourceCheck
from curriculum.version_forms import (
    ApproveForm,
    NewSourceForm,
    ReturnForm,
    SourceForm,
    WithdrawForm,
)
from models import ContentKind, CurriculumVersion

# A preview of what a source would print (topics: the handout as a PDF).
Preview = Callable[[SourceCheck], ResponseReturnValue]
# The editor page again, with the form as submitted, its check (None: not checked) and status.
Editor = Callable[[SourceForm, SourceCheck | None, int], ResponseReturnValue]


@dataclass(frozen=True)
class Edited:
    """One kind of curriculum text edited in the browser, and the names its pages use."""

    kind: ContentKind
    endpoints: str  # the blueprint: "<endpoints>.version" is a version's page
    noun: str
    library_endpoint: str
    library_label: str
    show_endpoint: str
    source_label: str
    source_hint: str
    skeleton: str  # the template a new one starts from
    folder: str
    suffix: str
    version_noun: str = "version"
    in_force: str = "text"  # what facilitators keep until a draft is approved

    def served(self, slug: str) -> Topic | Track | None:
        """What readers with a curriculum permission are served under this slug now."""
        library = current_library()
        return library.get(slug) if self.kind == ContentKind.TOPIC else \
            library.tracks.get(slug) if SLUG_RE.match(slug) else None

    def taken(self, slug: str) -> bool:
        """Whether a new one may not have this address."""
        files = file_library()
        if self.kind == ContentKind.TOPIC:
            return (slug in RESERVED_SLUGS or slug in current_library().topics
                    or slug in files.topics or slug in files.withheld)
        return slug in RESERVED_SLUGS or slug in current_library().tracks or slug in files.tracks

    def url(self, view: str, **values: object) -> str:
        return url_for(f"{self.endpoints}.{view}", **values)


def slug_or_404(slug: str) -> str:
    if not SLUG_RE.match(slug):
        abort(404)
    return slug


def check(edited: Edited, slug: str, source: str) -> SourceCheck:
    return versions.check_text(edited.kind, slug, source, current_library(),
                               Path(edited.folder) / f"{slug}{edited.suffix}")


def editor(edited: Edited, form: SourceForm, slug: str | None, checked: SourceCheck | None,
           status: int = 200) -> ResponseReturnValue:
    is_new = isinstance(form, NewSourceForm)
    served = None if is_new or slug is None else edited.served(slug)
    heading = f"New {edited.noun}" if is_new else f"Edit: {served.title if served else slug}"
    form.markdown.label.text = edited.source_label
    return render_template("topic_versions/edit.html", form=form, slug=slug, served=served,
                           is_new=is_new, heading=heading, checked=checked, k=edited), status


def new_page(edited: Edited) -> ResponseReturnValue:
    """The editor for a new one, started from a skeleton with every part."""
    source = render_template(edited.skeleton, today=today().isoformat())
    return editor(edited, NewSourceForm(data={"markdown": source, "base": ""}), None, None)


def new_submitted(edited: Edited, preview: Preview | None = None) -> ResponseReturnValue:
    """Check, preview or save a new one."""
    form = NewSourceForm()
    slug = form.slug.data or ""
    return submitted(edited, form, slug if SLUG_RE.match(slug) else None,
                     slug_taken=edited.taken(slug), preview=preview)


def edit_page(edited: Edited, slug: str, form_class: type[SourceForm] = SourceForm,
              blank: Callable[[], str] | None = None, render: Editor | None = None
              ) -> ResponseReturnValue:
    """The editor with the text in force, or (?from=N) version N's text to carry on from,
    either way based on the text in force now; with neither, ``blank()`` when the kind can
    start from nothing (a first Spanish handout: the English one to translate).

    :raise 404: when there is nothing to start from.
    """
    slug_or_404(slug)
    current = versions.current_text(get_session(), file_library(), slug, edited.kind)
    carried = request.args.get("from", type=int)
    if carried is not None and not 0 < carried < 2**31:
        abort(404)
    start = get_version(edited.kind, slug, carried, action="edit-version") if carried else None
    if current is None and start is None and blank is None:
        abort(404)
    source = start.source if start else current.source if current else blank()
    form = form_class(data={"markdown": source,
                            "change_note": start.change_note if start else "",
                            "base": current.content_hash if current else ""})
    checked = check(edited, slug, source)
    if render is not None:
        return render(form, checked, 200)
    return editor(edited, form, slug, checked)


def submitted(edited: Edited, form: SourceForm, slug: str | None, slug_taken: bool = False,
              preview: Preview | None = None, render: Editor | None = None
              ) -> ResponseReturnValue:
    """The editor's buttons: check the text, preview it (topics: the handout as a PDF), or
    save it as a draft version (problems and all). ``render`` draws the editor again when the
    kind has its own (the Spanish handout's, with the English topic beside it)."""

    def again(checked: SourceCheck | None, status: int = 200) -> ResponseReturnValue:
        if render is not None:
            return render(form, checked, status)
        return editor(edited, form, slug, checked, status)

    valid = form.validate_on_submit()
    if slug_taken and isinstance(form, NewSourceForm):
        form.slug.errors = [*form.slug.errors, f"'{slug}' is taken: choose another address, "
                                               f"or edit that {edited.noun}."]
    if not valid or slug is None or slug_taken:
        return again(None, 400)
    source = clean_document(form.markdown.data)
    form.markdown.data = source
    checked = check(edited, slug, source)
    action = request.form.get("action", "check")
    if action == "preview" and preview is not None:
        if checked.topic is None:
            form.form_errors.append("The handout cannot be previewed until the problems that "
                                    "stop it loading are fixed.")
            return again(checked, 400)
        return preview(checked)
    if action != "save":
        return again(checked)
    note = clean(form.change_note.data or "")
    if not note:
        form.change_note.errors = ["Say what changed and why: the approver and the record "
                                   "need it."]
        return again(checked, 400)
    session = write_session()
    try:
        version = versions.save_draft(session, file_library(), slug, source, note,
                                      current_user.account(), form.base.data or "",
                                      edited.kind)
    except versions.Refused as refusal:
        session.rollback()
        form.form_errors.append(str(refusal))
        return again(checked, 400)
    session.commit()
    flash(f"Saved as draft {edited.version_noun} {version.number}. Facilitators keep the "
          f"{edited.in_force} in force until another approver approves it.")
    return redirect(edited.url("version", slug=slug, number=version.number))


def versions_index(edited: Edited, slug: str) -> ResponseReturnValue:
    """Every version of one topic or track, newest first.

    :raise 404: when there are neither versions nor a text in force.
    """
    slug_or_404(slug)
    session = get_session()
    found = versions.versions_of(session, slug, edited.kind)
    if not found and versions.current_text(session, file_library(), slug, edited.kind) is None:
        abort(404)
    return render_template("topic_versions/index.html", slug=slug, versions=found,
                           served=edited.served(slug), k=edited)


def version_page(edited: Edited, slug: str, number: int,
                 template: str = "topic_versions/version.html", **context: object
                 ) -> ResponseReturnValue:
    """One version: its state and decisions, problems, differences from its base and from the
    file's text, the source with line numbers, and the review forms (``template`` with
    ``context``: a kind's own page)."""
    session = get_session()
    found = get_version(edited.kind, slug_or_404(slug), number)
    checked = versions.check(found, current_library())
    files = file_library()
    blockers = versions.blockers(session, found, current_user.id, checked, files)
    file = versions.file_text(files, slug, edited.kind)
    file_is_base = found.base_version is None and file is not None \
        and source_hash(file) == found.base_hash
    return render_template(
        template, version=found, checked=checked, k=edited,
        blockers=blockers, stale=any(b.code == "stale" for b in blockers),
        base_diff=_base_diff(found, file), file_is_base=file_is_base,
        file_diff=diff_html(file, found.source) if file is not None else None,
        return_form=ReturnForm(), approve_form=ApproveForm(), withdraw_form=WithdrawForm(),
        **context)


def version_handout(edited: Edited, slug: str, number: int, preview: Preview
                    ) -> ResponseReturnValue:
    """A version's handout as it would print, never cached.

    :raise 400: when the version does not load (its page lists why).
    """
    found = get_version(edited.kind, slug_or_404(slug), number)
    checked = versions.check(found, current_library())
    if checked.topic is None:
        abort(400, description="This version does not load, so its handout cannot print; its "
                               "page lists the problems.")
    return preview(checked)


def _base_diff(version: CurriculumVersion, file: str | None) -> str | None:
    """The differences from the text the version started from, when that text is known (a
    version's; the file's; or a shipped text the program kept with a decision on it)."""
    if version.base_version is not None:
        return diff_html(version.base_version.source, version.source)
    if version.base_hash and file is not None and source_hash(file) == version.base_hash:
        return diff_html(file, version.source)
    if version.base_hash and version.kind == ContentKind.TOPIC and (
            kept := versions.kept_shipped_text(get_session(), version.slug,
                                               version.base_hash)) is not None:
        return diff_html(kept, version.source)
    return None


def _review(edited: Edited, slug: str, number: int, action: str, form: FlaskForm,
            step: Callable[[Session, CurriculumVersion], str]) -> ResponseReturnValue:
    """One review step on a version, under the curriculum's lock: ``step`` takes it and says
    what it did; a refusal (audited by the step) or a bad form says why nothing was done."""
    session = write_session()
    found = get_version(edited.kind, slug_or_404(slug), number, action=action)
    flash(decided(session, form, lambda: step(session, found)))
    return redirect(edited.url("version", slug=slug, number=number))


def decided(session: Session, form: FlaskForm, step: Callable[[], str]) -> str:
    """What a curriculum decision ``step`` did, committed; or why nothing was done: a bad form
    (rolled back) or the step's refusal (committed: it keeps the refusal's audit event)."""
    if not form.validate_on_submit():
        session.rollback()
        return "Not done: " + " ".join(m for field in form for m in field.errors)
    try:
        message = step()
    except versions.Refused as refusal:
        message = f"Not done: {refusal}"
    session.commit()
    return message


def withdraw(edited: Edited, slug: str, number: int) -> ResponseReturnValue:
    """The author withdraws their draft."""
    form = WithdrawForm()

    def step(session: Session, found: CurriculumVersion) -> str:
        versions.withdraw(session, found, current_user.account(),
                          clean(form.withdrawal_comment.data or ""))
        return f"Version {number} is withdrawn."

    return _review(edited, slug, number, "withdraw-version", form, step)


def return_to_author(edited: Edited, slug: str, number: int) -> ResponseReturnValue:
    """An approver returns a draft to its author with a comment."""
    form = ReturnForm()

    def step(session: Session, found: CurriculumVersion) -> str:
        versions.return_to_author(session, found, current_user.account(),
                                  clean(form.comment.data))
        return f"Version {number} is returned to its author."

    return _review(edited, slug, number, "return-version", form, step)


def approve(edited: Edited, slug: str, number: int,
            approved: Callable[[str], None] | None = None) -> ResponseReturnValue:
    """An approver who did not write it approves a draft, attesting to it: facilitators are
    served it from now on (this worker at once, every other within seconds); then
    ``approved(slug)`` runs (topics: render its handouts ahead)."""
    form = ApproveForm()
    done: list[str] = []

    def step(session: Session, found: CurriculumVersion) -> str:
        previous = versions.approve(session, found, current_user.account(), form.attest.data,
                                    clean(form.approval_comment.data or ""), current_library(),
                                    file_library())
        replaced = f"; version {previous.number} is superseded" if previous else ""
        done.append(slug)
        return f"Version {number} is approved: facilitators see it now{replaced}."

    answer = _review(edited, slug, number, "approve-version", form, step)
    refresh_now()  # committed: this worker serves it from its next request
    if done and approved is not None:
        approved(slug)
    return answer
