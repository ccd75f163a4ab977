"""Blueprint: a topic's Spanish handout edited in the browser, for accounts with a curriculum
permission — the editor (check, preview the handout, save a draft), the Spanish versions of a
topic, a version's page, and withdraw, return and approve. The steps are the ones every kind
shares (curriculum/version_views.py); the pages here show the English topic beside the Spanish
handout. Everyone else gets a 404 here, audited; none of these pages may be cached
(curriculum/headers.py)."""

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from curriculum import curriculum_versions as versions
from curriculum import version_views as views
from curriculum.access import curriculum_approvers_only, curriculum_editors_only
from curriculum.db import get_session
from curriculum.handouts import Variant, prerender, render_handouts
from curriculum.library import Topic
from curriculum.responses import pdf_response
from curriculum.served_library import (
    TRANSLATED,
    facilitators_library,
    served_topic,
)
from curriculum.topic_check import SourceCheck
from curriculum.translation_check import skeleton
from curriculum.version_forms import SourceForm
from models import ContentKind

TRANSLATION = ContentKind.TRANSLATION
# The shared steps use its kind, endpoints and nouns; its pages are this blueprint's templates,
# so the labels and skeleton the topic and track editors use are empty.
SPANISH = views.Edited(
    TRANSLATION, "translation_versions", "Spanish handout", "topics.index", "Topic library",
    "topics.show", source_label="", source_hint="", skeleton="", folder="topics",
    suffix=f".{TRANSLATED}.md", version_noun="Spanish version", in_force="Spanish handout")

bp = Blueprint("translation_versions", __name__)
bp.before_request(curriculum_editors_only)


class TranslationForm(SourceForm):
    markdown = TextAreaField(
        "Spanish handout source: front matter (title, translates), then the handout",
        validators=[InputRequired(message="Write the Spanish handout."),
                    Length(max=versions.MAX_SOURCE_CHARACTERS)],
        render_kw={"rows": 30, "class": "source-input", "lang": TRANSLATED})


def _editor_for(english: Topic) -> views.Editor:
    """The Spanish handout's editor, with the English topic beside it."""

    def render(form: SourceForm, checked: SourceCheck | None, status: int) -> ResponseReturnValue:
        return render_template("translation_versions/edit.html", form=form, topic=english,
                               checked=checked), status

    return render


@bp.get("/topics/<slug>/es/edit")
def edit(slug: str) -> ResponseReturnValue:
    """The editor with the Spanish handout in force (a first translation starts from the
    English handout), or (?from=N) Spanish version N's text, based on the text in force.

    :raise 404: for an unknown topic or version.
    """
    english = served_topic(slug)
    return views.edit_page(SPANISH, slug, TranslationForm, blank=lambda: skeleton(english),
                           render=_editor_for(english))


@bp.post("/topics/<slug>/es/edit")
def edit_post(slug: str) -> ResponseReturnValue:
    """Check the Spanish handout, preview it as a PDF, or save it as a draft version."""
    return views.submitted(SPANISH, TranslationForm(), slug, preview=_preview,
                           render=_editor_for(served_topic(slug)))


def _preview(checked: SourceCheck) -> ResponseReturnValue:
    """The Spanish handout as it would print (US letter), for this request alone: never
    cached, never kept in the handout cache."""
    return pdf_response(render_handouts([checked.topic], Variant(language=TRANSLATED)),
                        f"{checked.topic.slug}-{TRANSLATED}-preview.pdf")


@bp.get("/topics/<slug>/es/versions")
def index(slug: str) -> ResponseReturnValue:
    """Every version of a topic's Spanish handout, newest first."""
    english = served_topic(slug)
    return render_template("translation_versions/index.html", topic=english,
                           versions=versions.versions_of(get_session(), slug, TRANSLATION))


@bp.get("/topics/<slug>/es/versions/<id:number>")
def version(slug: str, number: int) -> ResponseReturnValue:
    """One Spanish version: its state and decisions, problems, differences from its base and
    from the file's text, the source with line numbers, and the review forms."""
    english = served_topic(slug)
    return views.version_page(SPANISH, slug, number, "translation_versions/version.html",
                              topic=english)


@bp.get("/topics/<slug>/es/versions/<id:number>/handout.pdf")
def version_handout(slug: str, number: int) -> ResponseReturnValue:
    """A Spanish version's handout as it would print, never cached (400 when it does not
    load)."""
    served_topic(slug)
    return views.version_handout(SPANISH, slug, number, _preview)


@bp.post("/topics/<slug>/es/versions/<id:number>/withdraw")
def withdraw(slug: str, number: int) -> ResponseReturnValue:
    """The author withdraws their draft."""
    served_topic(slug)
    return views.withdraw(SPANISH, slug, number)


@bp.post("/topics/<slug>/es/versions/<id:number>/return")
@curriculum_approvers_only
def return_version(slug: str, number: int) -> ResponseReturnValue:
    """An approver returns a draft to its author with a comment."""
    served_topic(slug)
    return views.return_to_author(SPANISH, slug, number)


@bp.post("/topics/<slug>/es/versions/<id:number>/approve")
@curriculum_approvers_only
def approve(slug: str, number: int) -> ResponseReturnValue:
    """An approver who did not write it approves a Spanish draft, attesting to it: it is
    served from now on, and its handouts are rendered ahead for the first to print."""
    served_topic(slug)
    return views.approve(SPANISH, slug, number,
                         lambda approved: prerender(facilitators_library(), approved))
