"""Blueprint: editing tracks in the browser, the way topics are edited (the pages and steps are
shared, curriculum/version_views.py): a track's YAML in the editor with the problems
``curriculum check`` reports for a track file (schema, unknown topics, a topic twice in a
row), new tracks, each track's versions, and withdraw, return and approve — by an approver
who is not the author, attested. An approved track is served to everyone within seconds.

Accounts without a curriculum permission get a 404 on every page here, audited; none of these
pages may be cached (curriculum/headers.py)."""

from flask import Blueprint
from flask.typing import ResponseReturnValue

from curriculum import version_views as views
from curriculum.access import curriculum_approvers_only, curriculum_editors_only
from curriculum.handouts import prerender_track
from curriculum.served_library import facilitators_library
from curriculum.version_forms import SourceForm
from models import ContentKind

bp = Blueprint("track_versions", __name__)
bp.before_request(curriculum_editors_only)
TRACKS = views.Edited(
    ContentKind.TRACK, "track_versions", "track", "tracks.index", "Tracks", "tracks.show",
    source_label="Track source (YAML): title, description, groups a week, newcomer topic, "
                 "then the topics in order",
    source_hint="One topic address (slug) a line under “topics:”, in the order groups meet; "
                "lines starting with # are comments. README's “Tracks” describes each key.",
    skeleton="topic_versions/new_track.yaml", folder="tracks", suffix=".yaml")


@bp.get("/tracks/new")
def new() -> ResponseReturnValue:
    """The editor for a new track, started from a skeleton with every key."""
    return views.new_page(TRACKS)


@bp.post("/tracks/new")
def new_post() -> ResponseReturnValue:
    """Check or save a new track."""
    return views.new_submitted(TRACKS)


@bp.get("/tracks/<slug>/edit")
def edit(slug: str) -> ResponseReturnValue:
    """The editor with the track's text in force, or (?from=N) version N's text."""
    return views.edit_page(TRACKS, slug)


@bp.post("/tracks/<slug>/edit")
def edit_post(slug: str) -> ResponseReturnValue:
    """Check or save an edit of a track."""
    return views.submitted(TRACKS, SourceForm(), views.slug_or_404(slug))


@bp.get("/tracks/<slug>/versions")
def index(slug: str) -> ResponseReturnValue:
    """Every version of one track, newest first."""
    return views.versions_index(TRACKS, slug)


@bp.get("/tracks/<slug>/versions/<id:number>")
def version(slug: str, number: int) -> ResponseReturnValue:
    """One version of a track, with its differences and the review forms."""
    return views.version_page(TRACKS, slug, number)


@bp.post("/tracks/<slug>/versions/<id:number>/withdraw")
def withdraw(slug: str, number: int) -> ResponseReturnValue:
    """The author withdraws their draft."""
    return views.withdraw(TRACKS, slug, number)


@bp.post("/tracks/<slug>/versions/<id:number>/return")
@curriculum_approvers_only
def return_version(slug: str, number: int) -> ResponseReturnValue:
    """An approver returns a draft to its author with a comment."""
    return views.return_to_author(TRACKS, slug, number)


@bp.post("/tracks/<slug>/versions/<id:number>/approve")
@curriculum_approvers_only
def approve(slug: str, number: int) -> ResponseReturnValue:
    """An approver who did not write it approves a draft, attesting to it; its packet is then
    rendered ahead."""
    return views.approve(TRACKS, slug, number,
                         lambda approved: prerender_track(facilitators_library(), approved))
