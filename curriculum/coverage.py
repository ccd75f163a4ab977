"""Blueprint: a group's curriculum coverage page and each participant's makeup packet."""

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user
from sqlalchemy import select

from curriculum.access import deny, openable_participants, read_group
from curriculum.db import get_session
from curriculum.handouts import Variant, handout_file
from curriculum.localtime import today
from curriculum.responses import pdf_response
from curriculum.served_library import current_library
from curriculum.topic_coverage import group_coverage
from models import Enrollment

bp = Blueprint("coverage", __name__, url_prefix="/coverage")


@bp.get("/groups/<id:group_id>")
def group(group_id: int) -> ResponseReturnValue:
    """Each participant's attended and missing topics; how often each topic ran."""
    found = read_group(group_id, action="view-coverage")
    coverage = group_coverage(get_session(), found, current_library(), today())
    return render_template("coverage/group.html", group=found, coverage=coverage,
                           openable=openable_participants(current_user, (
                               p.participant.id for p in coverage.people) if coverage else ()))


@bp.get("/groups/<id:group_id>/participants/<id:participant_id>/makeup.pdf")
def makeup_packet(group_id: int, participant_id: int) -> ResponseReturnValue:
    """One PDF of the handouts of the track topics this participant has missed, in their
    handout language (English for a topic not yet translated)."""
    found = read_group(group_id, action="export-makeup-packet")
    session = get_session()
    enrolled = session.scalar(select(Enrollment.id).where(
        Enrollment.group_id == found.id, Enrollment.participant_id == participant_id).limit(1))
    coverage = group_coverage(session, found, current_library(), today())
    person = next((p for p in coverage.people if p.participant.id == participant_id),
                  None) if coverage and enrolled else None
    if person is None:
        deny("participant", participant_id, "export-makeup-packet")
    topics = [current_library().get(slug) for slug, _ in person.missing]
    topics = [t for t in topics if t is not None]
    if not topics:
        return render_template("coverage/nothing_to_make_up.html", group=found,
                               coverage=coverage, person=person)
    language = person.participant.handout_language_in(found)
    path, key = handout_file(topics, Variant(language=language.value))
    return pdf_response(path.read_bytes(), f"makeup-handouts-{language.value}.pdf", etag=key)
