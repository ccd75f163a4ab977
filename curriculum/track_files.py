"""Tracks: ordered rotations of topic slugs, read from YAML (a content folder's file, or a
version written in the browser) and checked against the topics they name."""

from collections.abc import Container
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from curriculum.content_files import (
    SLUG_RE,
    Problem,
    Text,
    Title,
    display_path,
    parse_yaml,
    read_yaml_file,
    slug_problems,
)

if TYPE_CHECKING:
    from curriculum.library import Topic


@dataclass(frozen=True)
class Track:
    """An ordered rotation of topic slugs."""

    slug: str
    title: str
    description: str
    groups_per_week: int
    topics: tuple[str, ...]
    path: Path
    # Offered to a new member in their first week, whatever the rotation week (rolling groups).
    newcomer_topic: str | None = None


class _TrackFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    title: Title
    description: Text
    groups_per_week: Annotated[int, Field(ge=1, le=7)]
    topics: Annotated[list[Annotated[str, StringConstraints(pattern=SLUG_RE.pattern)]],
                      Field(min_length=1)]
    newcomer_topic: Annotated[str, StringConstraints(pattern=SLUG_RE.pattern)] | None = None


def load_track(path: Path) -> tuple[Track | None, list[Problem]]:
    """Read and validate one track file (topic slugs are checked against the library later)."""
    if problems := slug_problems(path):
        return None, problems
    parsed, problems = read_yaml_file(path, _TrackFile)
    return _track(path.stem, parsed, path), problems


def parse_track(slug: str, text: str, path: Path) -> tuple[Track | None, list[Problem]]:
    """Validate one track's YAML (a file's, or a version's named by ``path``)."""
    parsed, problems = parse_yaml(display_path(path), text, _TrackFile)
    return _track(slug, parsed, path), problems


def _track(slug: str, parsed: _TrackFile | None, path: Path) -> Track | None:
    if parsed is None:
        return None
    return Track(slug, parsed.title, parsed.description, parsed.groups_per_week,
                 tuple(parsed.topics), path, parsed.newcomer_topic)


def track_problems(track: Track, known: Container[str],
                   topics: dict[str, "Topic"]) -> list[Problem]:
    """A track's slugs of no topic among ``known``, a topic twice in a row, and a newcomer
    topic that is not a standalone orientation topic (of ``topics``)."""
    file = display_path(track.path)
    problems = []
    for position, slug in enumerate(track.topics, start=1):
        if slug not in known:
            problems.append(Problem(file, f"topics[{position}]", f"no topic '{slug}'"))
        # The rotation loops, so the last slot is followed by the first.
        if len(track.topics) > 1 and track.topics[position - 2] == slug:
            problems.append(Problem(file, f"topics[{position}]", f"'{slug}' twice in a row"))
    if track.newcomer_topic:
        newcomer = topics.get(track.newcomer_topic)
        if newcomer is None:
            problems.append(Problem(file, "newcomer_topic", f"no topic '{track.newcomer_topic}'"))
        elif not newcomer.meta.standalone or "orientation" not in newcomer.meta.tags:
            problems.append(Problem(file, "newcomer_topic",
                                    "must be a standalone topic tagged orientation"))
    return problems
