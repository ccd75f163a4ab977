"""Blueprint: the curriculum's tracks (ordered rotations of topics, week by week), as served:
a track approved in the browser replaces its file for everyone within seconds. Curriculum
editors also see where each track's text comes from, with links to edit it."""

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_login import current_user

from curriculum import curriculum_versions as versions
from curriculum.db import get_session
from curriculum.served_library import current_library
from models import ContentKind

bp = Blueprint("tracks", __name__)


@bp.get("/tracks")
def index() -> ResponseReturnValue:
    """Every track served, by title."""
    tracks = sorted(current_library().tracks.values(), key=lambda t: t.title.casefold())
    return render_template("tracks/index.html", tracks=tracks)


@bp.get("/tracks/<slug>")
def show(slug: str) -> ResponseReturnValue:
    """One track, week by week, each topic linked where the reader is served it.

    :raise 404: for a malformed or unknown slug.
    """
    library = current_library()
    track = library.tracks.get(slug)
    if track is None:
        abort(404)
    size = track.groups_per_week
    weeks = [track.topics[start:start + size] for start in range(0, len(track.topics), size)]
    approved = None
    if current_user.can_edit_curriculum:
        approved = versions.approved_version(get_session(), slug, ContentKind.TRACK)
    # The packet the approval of this track renders ahead (handouts.track_prerender_jobs).
    packet = ",".join(slug for slug in track.topics if library.get(slug) is not None)
    return render_template("tracks/show.html", track=track, weeks=weeks, library=library,
                           approved=approved, packet=packet)
