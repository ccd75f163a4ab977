"""One track's YAML source, as an editor submits it, checked the way ``curriculum check`` checks
a track file: its schema, then each topic slug against the served library (unknown, twice in a
row) and its newcomer topic. Each problem carries the line of the source it is about."""

import re
from pathlib import Path

from curriculum.library import Library
from curriculum.topic_check import SourceCheck, SourceProblem
from curriculum.track_files import parse_track, track_problems

_ITEM = re.compile(r"^\s*-\s")
_POSITION = re.compile(r"^topics\[(\d+)\]")


def check_track_source(slug: str, source: str, library: Library, path: Path) -> SourceCheck:
    """Every problem ``curriculum check`` would report for this source served as track
    ``slug`` beside the topics of ``library``."""
    track, problems = parse_track(slug, source, path)
    if track is not None:
        problems += track_problems(track, {*library.topics, *library.withheld}, library.topics)
    lines = source.split("\n")
    located = [SourceProblem(_line_of(problem.field, lines), problem.field, problem.message)
               for problem in problems]
    return SourceCheck(lines, located, track=track)


def _line_of(field: str, lines: list[str]) -> int | None:
    """The line of a top-level key (``title``), or of the n-th item under ``topics:``
    (``topics[n]``, counted from 1 as the problems count)."""
    if position := _POSITION.match(field):
        start = next((index for index, line in enumerate(lines)
                      if line.startswith("topics:")), None)
        if start is None:
            return None
        items = [index for index, line in enumerate(lines[start + 1:], start=start + 1)
                 if _ITEM.match(line)]
        wanted = int(position.group(1))
        return items[wanted - 1] + 1 if 0 < wanted <= len(items) else start + 1
    key = field.split("[")[0]
    return next((index + 1 for index, line in enumerate(lines)
                 if re.match(rf"{re.escape(key)}\s*:", line)), None)
