"""The curriculum library: topics and tracks loaded from content folders, validated, searchable.

Knows nothing of Flask or the database. A topic's id is its file name; a later content folder
overrides an earlier one's topic with the same slug (programs adapt the shipped curriculum).
"""

import dataclasses
import datetime
import hashlib
import re
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Literal, TypeVar

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from curriculum.content_files import (  # Problem, SLUG_RE, display_path: used from here too
    SLUG_RE,
    Problem,
    Text,
    Title,
    display_path,
    read_front_matter,
    read_source,
    slug_problems,
)
from curriculum.handout_translations import Translation, language_of, load_translation
from curriculum.library_search import SearchHit, SearchIndex
from curriculum.render import markdown_to_html
from curriculum.track_files import Track, load_track, track_problems

Loaded = TypeVar("Loaded", "Topic", Track)  # what one content file loads as

# Addresses of pages under /topics/ that a topic's slug would hide.
RESERVED_SLUGS = frozenset({"new", "drafts"})
HANDOUT_HEADING = "# Participant handout"
GUIDE_SECTIONS = ("Overview", "Preparation", "Session plan", "Safety notes", "Documentation guide")
PLAN_STEPS = ("check-in", "teaching points", "activity", "discussion", "wrap-up")
PRACTICE_HEADING = "Before next group"

Tag = Literal[
    "orientation", "cravings", "triggers", "relapse-prevention", "emotional-regulation",
    "communication", "family", "stress", "medication", "co-occurring", "recovery-network",
    "life-skills", "wellness", "education",
]
TAGS: tuple[str, ...] = Tag.__args__
GroupType = Literal[
    "psychoeducational", "skills", "cognitive-behavioral", "support", "interpersonal-process"
]


class FrontMatter(BaseModel):
    """A topic's front matter, exactly as SPEC.md defines it."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    title: Title
    summary: Text
    tags: Annotated[list[Tag], Field(min_length=1)]
    group_type: GroupType
    duration_minutes: Annotated[int, Field(ge=30, le=180)]
    audience: Literal["adults", "adolescents", "family", "all"]
    standalone: bool
    objectives: Annotated[list[Text], Field(min_length=1)]
    materials: Annotated[list[Text], Field(min_length=1)]
    interventions: Annotated[list[Text], Field(min_length=1)]
    sources: Annotated[list[Text], Field(min_length=1)]
    license: Literal["original", "public-domain", "licensed-by-program"]
    updated: datetime.date


@dataclass(frozen=True)
class PlanStep:
    title: str
    minutes: int


@dataclass(frozen=True)
class Topic:
    """One validated topic, its two parts rendered to safe HTML once, at load."""

    slug: str
    meta: FrontMatter
    path: Path
    guide_markdown: str
    handout_markdown: str
    guide_html: Markup
    handout_html: Markup
    plan: tuple[PlanStep, ...]
    content_hash: str
    # The handout in other languages, by language code ("es"); see handout_translations.
    translations: dict[str, Translation] = field(default_factory=dict, compare=False)
    # The program's version number when the text is a version approved in the browser.
    version: int | None = None

    @property
    def title(self) -> str:
        return self.meta.title


def _split_sections(text: str, level: int) -> dict[str, str]:
    """Split Markdown at headings of one level: {heading: body}; text before the first is ''."""
    marker = "#" * level + " "
    sections: dict[str, list[str]] = {"": []}
    current = ""
    in_fence = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        if not in_fence and line.startswith(marker):
            current = line[len(marker):].strip()
            sections[current] = []
        else:
            sections[current].append(line)
    return {name: "\n".join(lines).strip() for name, lines in sections.items()}


_PLAN_STEP_RE = re.compile(r"^(?P<title>.+?) \((?P<minutes>\d{1,3}) min\)$")


def _parse_plan(plan_text: str, file: str, duration: int) -> tuple[list[PlanStep], list[Problem]]:
    steps, problems = [], []
    for heading in _split_sections(plan_text, 3):
        if not heading:
            continue
        if match := _PLAN_STEP_RE.match(heading):
            steps.append(PlanStep(match["title"], int(match["minutes"])))
        else:
            problems.append(Problem(file, "session plan",
                                    f"step '{heading}' needs its length, like 'Check-in (10 min)'"))
    titles = " | ".join(step.title.lower() for step in steps)
    for required in PLAN_STEPS:
        if required not in titles:
            problems.append(Problem(file, "session plan", f"no '{required}' step"))
    total = sum(step.minutes for step in steps)
    if steps and total != duration:
        problems.append(Problem(file, "session plan",
                                f"steps add up to {total} min, duration_minutes is {duration}"))
    return steps, problems


def _check_summary(file: str, summary: str) -> list[Problem]:
    sentences = [part for part in re.split(r"(?<=[.!?])\s+", summary.strip()) if part]
    if len(sentences) != 1 or summary.strip()[-1] not in ".!?":
        return [Problem(file, "summary", "must be exactly one sentence")]
    return []


def load_topic(path: Path) -> tuple[Topic | None, list[Problem]]:
    """Read and validate one topic file; a topic is returned only when it has no problems."""
    if problems := slug_problems(path):
        return None, problems
    if path.stem in RESERVED_SLUGS:
        return None, [Problem(display_path(path), "file name",
                              f"'{path.stem}' is the address of a page; choose another slug")]
    source, problems = read_source(path)
    if source is None:
        return None, problems
    return parse_topic(path.stem, source, path)


def parse_topic(slug: str, source: str, path: Path,
                version: int | None = None) -> tuple[Topic | None, list[Problem]]:
    """Validate one topic's whole Markdown source (front matter, guide, handout), named
    ``path`` in its problems; a topic is returned only when it has no problems. ``version``:
    the program's version number, for a source approved in the browser."""
    file = display_path(path)
    meta, body, problems = read_front_matter(file, source, FrontMatter)
    if meta is None:
        return None, problems
    problems = _check_summary(file, meta.summary)
    guide_md, sep, handout_md = body.partition("\n" + HANDOUT_HEADING + "\n")
    if not sep:
        return None, [*problems, Problem(file, "body", f"no '{HANDOUT_HEADING}' heading")]
    guide = _split_sections(guide_md, 2)
    for name in GUIDE_SECTIONS:
        if not guide.get(name):
            problems.append(Problem(file, "facilitator guide", f"missing section '## {name}'"))
    steps, plan_problems = _parse_plan(guide.get("Session plan", ""), file, meta.duration_minutes)
    problems += plan_problems
    handout = _split_sections(handout_md, 2)
    if not any(name.startswith(PRACTICE_HEADING) for name in handout):
        problems.append(Problem(file, "handout", f"missing section '## {PRACTICE_HEADING}…'"))
    if "[lines:" not in handout_md and "|" not in handout_md:
        problems.append(Problem(file, "handout", "no space to write ('[lines: N]' or a table)"))
    if problems:
        return None, problems

    topic = Topic(
        slug=slug,
        meta=meta,
        path=path,
        guide_markdown=guide_md.strip(),
        handout_markdown=handout_md.strip(),
        guide_html=markdown_to_html(guide_md),
        handout_html=markdown_to_html(handout_md),
        plan=tuple(steps),
        content_hash=source_hash(source),
        version=version,
    )
    return topic, []


def source_hash(source: str) -> str:
    """A topic's content hash: the SHA-256 of its whole source as UTF-8 (a file's bytes)."""
    return hashlib.sha256(source.encode("utf-8")).hexdigest()


def link_problems(topic: Topic, known: Container[str]) -> list[Problem]:
    """Links in the topic's guide or handout to a topic slug not among ``known``."""
    return [Problem(display_path(topic.path), "body", f"link to unknown topic '{target}'")
            for target in re.findall(r"\]\(/topics/([^)#?\s]*)",
                                     topic.guide_markdown + topic.handout_markdown)
            if target not in known]


@dataclass
class Library:
    """Every servable topic and track, indexed for search. Build it with ``Library.load``."""

    topics: dict[str, Topic] = field(default_factory=dict)
    tracks: dict[str, Track] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    withheld: set[str] = field(default_factory=set)
    folders: tuple[Path, ...] = ()
    # Slugs of licensed-by-program topics this program may serve ("*": all of them).
    licensed: frozenset[str] = frozenset()
    index: SearchIndex = field(default_factory=SearchIndex, repr=False)

    @classmethod
    def load(cls, folders: list[Path], licensed: frozenset[str] = frozenset()) -> "Library":
        """Load topics and tracks from folders in order; later folders override earlier slugs.

        Topics marked licensed-by-program are withheld unless their slug is in ``licensed``
        (``"*"`` grants them all).
        """
        library = cls(folders=tuple(folders), licensed=licensed)
        topic_paths: dict[str, Path] = {}
        translation_paths: dict[tuple[str, str], Path] = {}
        track_paths: dict[str, Path] = {}
        for folder in folders:
            for path in sorted((folder / "topics").glob("*.md")):
                if language := language_of(path):
                    translation_paths[(path.stem.rpartition(".")[0], language)] = path
                else:
                    topic_paths[path.stem] = path
            track_paths.update((p.stem, p) for p in sorted((folder / "tracks").glob("*.yaml")))
        for slug, topic in library._loaded(topic_paths, load_topic):
            if library.may_serve(topic):
                library.topics[slug] = topic
            else:
                library.withheld.add(slug)
        library.problems += library._attach_translations(translation_paths, topic_paths)
        library.tracks.update(library._loaded(track_paths, load_track))
        library.problems += library._cross_check(topic_paths)
        library.index = SearchIndex.build(library.topics.values())
        return library

    def _loaded(self, paths: dict[str, Path],
                load: Callable[[Path], tuple[Loaded | None, list[Problem]]]
                ) -> Iterator[tuple[str, Loaded]]:
        """Each file that loads, by slug, adding every file's problems to the library's."""
        for slug, path in sorted(paths.items()):
            loaded, problems = load(path)
            self.problems += problems
            if loaded is not None:
                yield slug, loaded

    def _attach_translations(self, translation_paths: dict[tuple[str, str], Path],
                             topic_paths: dict[str, Path]) -> list[Problem]:
        """Give each topic its translated handouts; a translation of no topic is a problem (one
        of a topic that failed to load or is withheld is left out, without another)."""
        problems = []
        for (slug, language), path in sorted(translation_paths.items()):
            if slug not in topic_paths:
                problems.append(Problem(display_path(path), "file name",
                                        f"no topic '{slug}' to translate"))
                continue
            if (topic := self.topics.get(slug)) is None:
                continue
            translation, found = load_translation(path, language, topic.handout_markdown)
            problems += found
            if translation is not None:
                self.topics[slug] = dataclasses.replace(
                    topic, translations={**topic.translations, language: translation})
        return problems

    def _cross_check(self, topic_paths: dict[str, Path]) -> list[Problem]:
        problems = []
        titles: dict[str, str] = {}
        for topic in self.topics.values():
            key = topic.title.casefold()
            if key in titles:
                problems.append(Problem(display_path(topic.path), "title",
                                        f"same title as topic '{titles[key]}'"))
            titles[key] = topic.slug
            problems += link_problems(topic, topic_paths)
        for track in self.tracks.values():
            problems += track_problems(track, topic_paths, self.topics)
        return problems

    def may_serve(self, topic: Topic) -> bool:
        """Whether the program holds what serving the topic needs (a licence, when it is
        licensed-by-program)."""
        return topic.meta.license != "licensed-by-program" or bool(
            {"*", topic.slug} & self.licensed)

    def __iter__(self) -> Iterator[Topic]:
        return iter(sorted(self.topics.values(), key=lambda t: t.title.casefold()))

    def __len__(self) -> int:
        return len(self.topics)

    def get(self, slug: str) -> Topic | None:
        """The topic for a slug from a URL, or None; the slug is never used as a path."""
        if not SLUG_RE.match(slug):
            return None
        return self.topics.get(slug)

    def track(self, slug: str | None) -> Track | None:
        """A group's track (None: the group follows none, or the track is not served)."""
        return self.tracks.get(slug) if slug else None

    def tags_in_use(self) -> list[str]:
        used = {tag for topic in self.topics.values() for tag in topic.meta.tags}
        return [tag for tag in TAGS if tag in used]

    def search(self, query: str = "", tag: str = "") -> list[SearchHit]:
        """Topics matching every filter, best first: more query words matched, then weight."""
        candidates = [t for t in self.topics.values() if not tag or tag in t.meta.tags]
        return self.index.search(candidates, query)
