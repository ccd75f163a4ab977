"""Blueprint: the topic library, one topic's page, and participant handouts as PDF."""

import io

from flask import Blueprint, abort, current_app, render_template, request, send_file
from flask.typing import ResponseReturnValue
from flask_login import current_user

from curriculum import shipped_reviews
from curriculum.db import get_session
from curriculum.handouts import LANGUAGES, SIZES, Variant, handout_file
from curriculum.library import TAGS, Topic
from curriculum.served_library import (
    current_library,
    file_library,
    review_status,
    served_serial,
    served_topic,
)
from curriculum.templating import once_per_reader_kind
from curriculum.text import clean_line

bp = Blueprint("topics", __name__)
MAX_QUERY_LENGTH = 200


def _variant() -> Variant:
    size = request.args.get("size", "letter")
    large = request.args.get("large", "0")
    language = request.args.get("lang", "en")
    if size not in SIZES or large not in ("0", "1") or language not in LANGUAGES:
        abort(400, description="Use size=letter or size=a4, large=1 for large print, and "
                               "lang=es for Spanish.")
    return Variant(size=size, large=large == "1", language=language)


def _send_handouts(topics: list[Topic], variant: Variant, download_name: str
                   ) -> ResponseReturnValue:
    path, key = handout_file(topics, variant)
    response = send_file(io.BytesIO(path.read_bytes()), mimetype="application/pdf",
                         download_name=download_name, etag=key, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.get("/topics")
def index() -> ResponseReturnValue:
    """The library, searched with ?q= and filtered with ?tag=."""
    query = clean_line(request.args.get("q", ""))[:MAX_QUERY_LENGTH]
    tag = request.args.get("tag", "")
    if tag and tag not in TAGS:
        tag = ""
    hits = current_library().search(query, tag)
    return render_template("topics/index.html", hits=hits, query=query, tag=tag,
                           tags=current_library().tags_in_use(), problems=_shown_problems(),
                           review_status=review_status)


def _shown_problems() -> list[str]:
    """Library problems are shown on the page in development, never in production."""
    if current_app.config["GROUPWORK_ENV"] == "production":
        return []
    return [str(problem) for problem in current_library().problems]


@bp.get("/topics/<slug>")
def show(slug: str) -> ResponseReturnValue:
    """One topic: the facilitator guide and a preview of the handout, with the program's
    review of it (curriculum editors also see what an upgrade changed, and approvers decide)."""
    topic = served_topic(slug)
    status = review_status(slug)
    user = current_user

    def render(changes: str | None = None) -> str:
        return render_template("topics/show.html", topic=topic, status=status, changes=changes,
                               shipped=file_library().topics.get(slug),
                               attestation=shipped_reviews.ATTESTATION)

    if status.shipped_changed and user.can_edit_curriculum:  # the diff, read for this page
        return render(shipped_reviews.shipped_changes(get_session(), file_library(), slug))
    # The same for every reader with this role and curriculum permission while the approvals
    # served stay the same (an approval moves the serial): the menu, the editor's links and
    # forms, the text and its review status.
    return once_per_reader_kind(
        ("topic page", slug, served_serial(), user.role, user.curriculum_permission), render)


@bp.get("/topics/<slug>/handout.pdf")
def handout(slug: str) -> ResponseReturnValue:
    """One topic's participant handout as PDF, in English or (?lang=es) Spanish.

    :raise 404: for a language the topic has no handout in.
    """
    topic = served_topic(slug)
    variant = _variant()
    if variant.language != "en" and variant.language not in topic.translations:
        abort(404, description="This topic has no handout in that language yet.")
    suffix = "" if variant.language == "en" else f"-{variant.language}"
    return _send_handouts([topic], variant, f"{topic.slug}-handout{suffix}.pdf")


@bp.get("/handouts.pdf")
def packet() -> ResponseReturnValue:
    """Several handouts in one PDF, in the order given: ?topics=a,b,c; with ?lang=es, each
    in Spanish where it has a Spanish handout, else in English."""
    slugs = [s.strip() for value in request.args.getlist("topics") for s in value.split(",")
             if s.strip()]
    if not slugs:
        abort(400, description="Choose at least one topic for the packet.")
    if len(slugs) > current_app.config["PACKET_MAX_TOPICS"]:
        abort(400, description=f"A packet holds at most "
                               f"{current_app.config['PACKET_MAX_TOPICS']} handouts.")
    topics = [served_topic(slug) for slug in slugs]
    return _send_handouts(topics, _variant(), "handouts.pdf")

