"""The library this app serves: the content folders' files, loaded once at start-up (through
their on-disk cache), with the program's approved versions laid over them. Every request,
command and report reads it through ``current_library()``.

Approvals live in the database, which every worker of every instance shares. Each worker
keeps its own copy of the served library and, at most every ``CURRICULUM_REFRESH_SECONDS``,
reads one small row (``ServedCurriculum.serial``) that an approval moves on in its own
transaction; only when it moved are the approved versions and the program's decisions on
shipped texts read again, each topic's review status worked out (review_status), and the
approved texts laid over the files: an approved version, or a shipped text the program
approved whose file an upgrade has changed since (kept until an approver adopts the new one);
each approved track version in place of its file; and each approved Spanish handout in place
of the file's, compared with the English served.
"""

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, abort, current_app, g, has_request_context
from flask_login import current_user
from sqlalchemy import Connection, Engine, Row, select
from sqlalchemy.exc import SQLAlchemyError

from curriculum import db, library_cache
from curriculum.handout_translations import Translation, handout_hash, parse_translation
from curriculum.library import Library, Problem, Topic, parse_topic
from curriculum.library_search import SearchIndex
from curriculum.review_status import NOT_REVIEWED, Decision, ReviewStatus, review_statuses
from curriculum.track_files import Track, parse_track
from models import (
    ContentKind,
    CurriculumVersion,
    ServedCurriculum,
    ShippedTopicReview,
    VersionState,
)

log = logging.getLogger(__name__)

_SERIAL = select(ServedCurriculum.serial).where(ServedCurriculum.id == 1)
_APPROVED = (select(CurriculumVersion.id, CurriculumVersion.kind, CurriculumVersion.slug,
                    CurriculumVersion.number)
             .where(CurriculumVersion.state == VersionState.APPROVED)
             .order_by(CurriculumVersion.kind, CurriculumVersion.slug))
TOPIC, TRACK, TRANSLATION = ContentKind.TOPIC, ContentKind.TRACK, ContentKind.TRANSLATION
TRANSLATED = "es"  # the language of translation versions (the only translated one)
_DECISIONS = select(ShippedTopicReview.id, ShippedTopicReview.slug, ShippedTopicReview.decision,
                    ShippedTopicReview.shipped_hash).order_by(ShippedTopicReview.id)


def version_path(slug: str, number: int, kind: ContentKind = TOPIC) -> Path:
    """What names an approved version where a file's path would (problems, ``curriculum
    check``): it lives in the database, not in a content folder."""
    if kind == TRACK:
        return Path("versions") / "tracks" / f"{slug}.v{number}.yaml"
    if kind == TRANSLATION:
        return Path("versions") / "topics" / f"{slug}.{TRANSLATED}.v{number}.md"
    return Path("versions") / "topics" / f"{slug}.v{number}.md"


def held_path(slug: str, shipped_hash: str) -> Path:
    """What names a shipped text the program approved and still serves after an upgrade
    changed (or removed) its file: it lives in the database now."""
    return Path("reviews") / "topics" / f"{slug}.shipped-{shipped_hash[:12]}.md"


@dataclass(frozen=True)
class Served:
    """What one worker serves at one moment."""

    library: Library  # approved texts over the files: what curriculum editors see
    approved_only: Library  # what everyone else sees (under GROUPWORK_REQUIRE_APPROVAL)
    statuses: dict[str, ReviewStatus]
    serial: int | None = None  # the approvals it reflects (None: the files alone, not asked)


class ServedLibrary:
    """One worker's served library, and when it last asked whether approvals changed."""

    def __init__(self, files: Library, refresh_seconds: float,
                 require_approval: bool = False) -> None:
        self.files = files
        self.require_approval = require_approval
        self.served = self._serve(files, {})
        self.refresh_seconds = refresh_seconds
        self.serial: int | None = None  # not asked yet
        self.checked_at = float("-inf")
        # Approved texts never change, so each is parsed and rendered once per worker (keyed
        # by slug and version number, or by slug and the review row of a held shipped text;
        # tracks' by their slug and number).
        self._parsed: dict[tuple[str, int | str], tuple[Topic | None, list[Problem]]] = {}
        self._tracks: dict[tuple[str, int], tuple[Track | None, list[Problem]]] = {}
        self._translated: dict[tuple[str, int], tuple[Translation | None, list[Problem]]] = {}
        self._refreshing = threading.Lock()

    @property
    def library(self) -> Library:
        return self.served.library

    def current(self, engine: Engine) -> Served:
        """What is served, asking the database first when it has not for a while (one
        thread asks; the others serve what is there meanwhile)."""
        if (time.monotonic() - self.checked_at >= self.refresh_seconds
                and self._refreshing.acquire(blocking=False)):
            try:
                self.refresh(engine)
            finally:
                self._refreshing.release()
        return self.served

    def refresh(self, engine: Engine) -> None:
        """Read the serial now; when it moved, lay the approved texts over the files again.
        A database that cannot answer leaves the library as it was, to be asked again later."""
        self.checked_at = time.monotonic()
        try:
            with engine.connect() as connection:
                serial = connection.scalar(_SERIAL) or 0
                if serial == self.serial:
                    return
                rows = connection.execute(_APPROVED).all() if serial else []
                approved = [row for row in rows if row.kind == TOPIC]
                tracks = [row for row in rows if row.kind == TRACK]
                translated = [row for row in rows if row.kind == TRANSLATION]
                decisions = [Decision(*row) for row in connection.execute(_DECISIONS)] \
                    if serial else []
                statuses = review_statuses(
                    {slug: topic.content_hash for slug, topic in self.files.topics.items()},
                    {row.slug: row.number for row in approved}, decisions)
                texts = [(row.slug, row.number) for row in approved] + [
                    (slug, f"shipped-{status.held.id}") for slug, status in statuses.items()
                    if status.held is not None]
                self._parse_new(connection, approved, statuses)
                self._parse_new_tracks(connection, tracks)
                self._parse_new_translations(connection, translated)
        except SQLAlchemyError as error:
            log.info("approved curriculum versions unavailable (%s); serving the library as "
                     "it was", error.__class__.__name__)
            return
        library = self._overlay_tracks(self._overlay(texts),
                                       [(row.slug, row.number) for row in tracks])
        self.served = self._serve(self._overlay_translations(
            library, [(row.slug, row.number) for row in translated]), statuses, serial)
        self.serial = serial

    def _parse_new(self, connection: Connection, approved: list[Row[Any]],
                   statuses: dict[str, ReviewStatus]) -> None:
        """Parse the approved texts this worker has not parsed yet (an approval adds one)."""
        for slug, number, source in _new_sources(connection, approved, self._parsed):
            self._parsed[(slug, number)] = parse_topic(slug, source, version_path(slug, number),
                                                       number)
        held = {status.held.id: status.held for status in statuses.values()
                if status.held is not None
                and (status.held.slug, f"shipped-{status.held.id}") not in self._parsed}
        for review_id, source in connection.execute(
                select(ShippedTopicReview.id, ShippedTopicReview.shipped_source)
                .where(ShippedTopicReview.id.in_(held))) if held else ():
            decision = held[review_id]
            self._parsed[(decision.slug, f"shipped-{review_id}")] = parse_topic(
                decision.slug, source, held_path(decision.slug, decision.shipped_hash))

    def _parse_new_tracks(self, connection: Connection, tracks: list[Row[Any]]) -> None:
        """Parse the approved tracks this worker has not parsed yet."""
        self._tracks = _still_approved(self._tracks, tracks)
        for slug, number, source in _new_sources(connection, tracks, self._tracks):
            self._tracks[(slug, number)] = parse_track(slug, source,
                                                       version_path(slug, number, TRACK))

    def _overlay_tracks(self, library: Library, tracks: list[tuple[str, int]]) -> Library:
        """The library with the approved tracks in place of, or beside, the files' tracks."""
        if not tracks:
            return library
        served, problems = dict(library.tracks), list(library.problems)
        for key in tracks:
            track, found = self._tracks[key]
            problems += found
            if track is None:
                log.warning("approved version %s of track %s no longer loads", key[1], key[0])
                continue
            served[key[0]] = track
        return dataclasses.replace(library, tracks=served, problems=problems)

    def _parse_new_translations(self, connection: Connection, approved: list[Row[Any]]) -> None:
        """Parse the approved Spanish handouts this worker has not parsed yet (the English
        they are compared with is laid on in ``_overlay_translations``)."""
        self._translated = _still_approved(self._translated, approved)
        for slug, number, source in _new_sources(connection, approved, self._translated):
            path = version_path(slug, number, TRANSLATION)
            self._translated[(slug, number)] = parse_translation(source, path, TRANSLATED, "",
                                                                 number)

    def _overlay_translations(self, library: Library, translations: list[tuple[str, int]]
                              ) -> Library:
        """The library with the approved Spanish handouts in place of the files', each
        compared with the English served."""
        if not translations:
            return library
        topics, problems = dict(library.topics), list(library.problems)
        for slug, number in translations:
            translation, found = self._translated[(slug, number)]
            problems += found
            if translation is not None and (topic := topics.get(slug)) is not None:
                translation = dataclasses.replace(
                    translation, english_hash=handout_hash(topic.handout_markdown))
                topics[slug] = dataclasses.replace(topic, translations={
                    **topic.translations, TRANSLATED: translation})
        return dataclasses.replace(library, topics=topics, problems=problems)

    def _overlay(self, texts: list[tuple[str, int | str]]) -> Library:
        """The files' library with these approved texts (parsed) in place of, or beside, the
        files' topics; translated handouts are compared with the approved English."""
        files = self.files
        self._parsed = {key: self._parsed[key] for key in texts}
        if not texts:
            return files
        topics, withheld, problems = dict(files.topics), set(files.withheld), list(files.problems)
        for slug, key in texts:
            topic, found = self._parsed[(slug, key)]
            problems += found  # checked at approval; an upgrade may have changed the rules
            if topic is None:
                log.warning("approved text %s of topic %s no longer loads", key, slug)
                continue
            if not files.may_serve(topic):
                withheld.add(slug)
                topics.pop(slug, None)
                continue
            if slug in files.topics:
                english = handout_hash(topic.handout_markdown)
                topic = dataclasses.replace(topic, translations={
                    language: dataclasses.replace(translation, english_hash=english)
                    for language, translation in files.topics[slug].translations.items()})
            topics[slug] = topic
            withheld.discard(slug)
        return dataclasses.replace(files, topics=topics, withheld=withheld, problems=problems,
                                   index=SearchIndex.build(topics.values()))

    def _serve(self, library: Library, statuses: dict[str, ReviewStatus],
               serial: int | None = None) -> Served:
        """What is served: with GROUPWORK_REQUIRE_APPROVAL, everyone but curriculum editors
        gets only the topics the program approved (and tracks of those alone)."""
        if not self.require_approval:
            return Served(library, library, statuses, serial)
        approved = {slug: topic for slug, topic in library.topics.items()
                    if statuses.get(slug, NOT_REVIEWED).is_approved}
        tracks = {}
        for slug, track in library.tracks.items():
            kept = tuple(topic for topic in track.topics if topic in approved)
            if kept:
                newcomer = track.newcomer_topic if track.newcomer_topic in approved else None
                tracks[slug] = dataclasses.replace(track, topics=kept, newcomer_topic=newcomer)
        only = dataclasses.replace(
            library, topics=approved, tracks=tracks,
            withheld=library.withheld | (library.topics.keys() - approved.keys()),
            index=SearchIndex.build(approved.values()))
        return Served(library, only, statuses, serial)


def _still_approved(parsed: dict[tuple[str, int], Any], approved: list[Row[Any]]
                    ) -> dict[tuple[str, int], Any]:
    """The parses kept from earlier refreshes of versions still approved."""
    keys = {(row.slug, row.number) for row in approved}
    return {key: found for key, found in parsed.items() if key in keys}


def _new_sources(connection: Connection, approved: list[Row[Any]],
                 parsed: dict[tuple[str, int], Any]) -> list[Row[Any]]:
    """(slug, number, source) of the approved versions not parsed yet: only their text is
    read, once per worker."""
    new = [row.id for row in approved if (row.slug, row.number) not in parsed]
    if not new:
        return []
    return list(connection.execute(
        select(CurriculumVersion.slug, CurriculumVersion.number, CurriculumVersion.source)
        .where(CurriculumVersion.id.in_(new))))


def init_app(app: Flask) -> None:
    folders = [Path(folder) for folder in app.config["CONTENT_DIRS"]]
    loaded = library_cache.load(folders, frozenset(app.config["LICENSED_TOPICS"]),
                                Path(app.config["LIBRARY_CACHE_DIR"]))
    if loaded.problems:
        log.warning("the curriculum library has %d problem(s); run 'flask --app app "
                    "curriculum check'", len(loaded.problems))
    app.extensions["library"] = loaded
    app.extensions["served_library"] = ServedLibrary(loaded,
                                                     app.config["CURRICULUM_REFRESH_SECONDS"],
                                                     app.config["REQUIRE_APPROVAL"])
    app.before_request(_pin_for_the_request)


def _pin_for_the_request() -> None:
    """Ask about approvals before the view opens its transaction: asking takes a connection of
    its own, which a view holding a row lock must never wait for (twenty writers on one log
    would wait on each other until the lock timeout). The request then sees one library."""
    g.served_library = current_app.extensions["served_library"].current(db.engine())


def _served() -> Served:
    if has_request_context() and "served_library" in g:
        return g.served_library
    return current_app.extensions["served_library"].current(db.engine())


def current_library() -> Library:
    """The library served now (in a request, as it was when the request began): approved
    texts over the files; with GROUPWORK_REQUIRE_APPROVAL, only the program-approved topics
    for a reader without a curriculum permission."""
    served = _served()
    if has_request_context() and not getattr(current_user, "can_edit_curriculum", False):
        return served.approved_only
    return served.library


def served_topic(slug: str) -> Topic:
    """The topic served under a URL's slug.

    :raise 404: for a malformed or unknown slug (never turned into a file path).
    """
    topic = current_library().get(slug)
    if topic is None:
        abort(404)
    return topic


def facilitators_library() -> Library:
    """The library served now to accounts without a curriculum permission."""
    return _served().approved_only


def review_status(slug: str) -> ReviewStatus:
    """The program's review status of a topic now (served with the library)."""
    return _served().statuses.get(slug, NOT_REVIEWED)


def served_serial() -> int | None:
    """Which approvals the served library reflects: it moves with every approval, so
    anything built from the served library can be kept under it."""
    return _served().serial


def file_library() -> Library:
    """The content folders' library alone, as loaded at start-up (no approved versions)."""
    return current_app.extensions["library"]


def refresh_now() -> None:
    """After an approval commits: this worker serves it at once (the others within
    ``CURRICULUM_REFRESH_SECONDS``)."""
    served = current_app.extensions["served_library"]
    served.refresh(db.engine())
    if has_request_context():
        g.served_library = served.served
