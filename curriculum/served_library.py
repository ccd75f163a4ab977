"""The library this app serves: the content folders' files, loaded once at start-up (through
their on-disk cache), with the program's approved versions laid over them. Every request,
command and report reads it through ``current_library()``.

Approvals live in the database, which every worker of every instance shares. Each worker
keeps its own copy of the served library and, at most every ``CURRICULUM_REFRESH_SECONDS``,
reads one small row (``ServedCurriculum.serial``) that an approval moves on in its own
transaction; only when it moved are the approved versions read again and laid over the files.
"""

import dataclasses
import logging
import threading
import time
from pathlib import Path

from flask import Flask, current_app, g, has_request_context
from sqlalchemy import Engine, select
from sqlalchemy.exc import SQLAlchemyError

from curriculum import db, library_cache
from curriculum.handout_translations import handout_hash
from curriculum.library import Library, Problem, Topic, parse_topic
from curriculum.library_search import SearchIndex
from models import ContentKind, CurriculumVersion, ServedCurriculum, VersionState

log = logging.getLogger(__name__)

_SERIAL = select(ServedCurriculum.serial).where(ServedCurriculum.id == 1)
_APPROVED_TOPICS = (select(CurriculumVersion.id, CurriculumVersion.slug,
                           CurriculumVersion.number)
                    .where(CurriculumVersion.kind == ContentKind.TOPIC,
                           CurriculumVersion.state == VersionState.APPROVED)
                    .order_by(CurriculumVersion.slug))


def version_path(slug: str, number: int) -> Path:
    """What names an approved version where a file's path would (problems, ``curriculum
    check``): it lives in the database, not in a content folder."""
    return Path("versions") / "topics" / f"{slug}.v{number}.md"


class ServedLibrary:
    """One worker's served library, and when it last asked whether approvals changed."""

    def __init__(self, files: Library, refresh_seconds: float) -> None:
        self.files = files
        self.library = files
        self.refresh_seconds = refresh_seconds
        self.serial: int | None = None  # not asked yet
        self.checked_at = float("-inf")
        # Approved versions never change, so each is parsed and rendered once per worker.
        self._parsed: dict[tuple[str, int], tuple[Topic | None, list[Problem]]] = {}
        self._refreshing = threading.Lock()

    def current(self, engine: Engine) -> Library:
        """The served library, asking the database first when it has not for a while (one
        thread asks; the others serve what is there meanwhile)."""
        if (time.monotonic() - self.checked_at >= self.refresh_seconds
                and self._refreshing.acquire(blocking=False)):
            try:
                self.refresh(engine)
            finally:
                self._refreshing.release()
        return self.library

    def refresh(self, engine: Engine) -> None:
        """Read the serial now; when it moved, lay the approved versions over the files again.
        A database that cannot answer leaves the library as it was, to be asked again later."""
        self.checked_at = time.monotonic()
        try:
            with engine.connect() as connection:
                serial = connection.scalar(_SERIAL) or 0
                if serial == self.serial:
                    return
                approved = connection.execute(_APPROVED_TOPICS).all() if serial else []
                # Only the texts this worker has not parsed yet (an approval adds one).
                new = [row.id for row in approved if (row.slug, row.number) not in self._parsed]
                for slug, number, source in connection.execute(
                        select(CurriculumVersion.slug, CurriculumVersion.number,
                               CurriculumVersion.source)
                        .where(CurriculumVersion.id.in_(new))) if new else ():
                    self._parsed[(slug, number)] = parse_topic(slug, source,
                                                               version_path(slug, number), number)
        except SQLAlchemyError as error:
            log.info("approved curriculum versions unavailable (%s); serving the library as "
                     "it was", error.__class__.__name__)
            return
        self.library = self._overlay([(row.slug, row.number) for row in approved])
        self.serial = serial

    def _overlay(self, approved: list[tuple[str, int]]) -> Library:
        """The files' library with these approved topic versions (parsed) in place of, or
        beside, the files' topics; translated handouts are compared with the approved
        English."""
        files = self.files
        self._parsed = {key: self._parsed[key] for key in approved}
        if not approved:
            return files
        topics, withheld, problems = dict(files.topics), set(files.withheld), list(files.problems)
        for slug, number in approved:
            topic, found = self._parsed[(slug, number)]
            problems += found  # checked at approval; an upgrade may have changed the rules
            if topic is None:
                log.warning("approved version %d of topic %s no longer loads", number, slug)
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


def init_app(app: Flask) -> None:
    folders = [Path(folder) for folder in app.config["CONTENT_DIRS"]]
    loaded = library_cache.load(folders, frozenset(app.config["LICENSED_TOPICS"]),
                                Path(app.config["LIBRARY_CACHE_DIR"]))
    if loaded.problems:
        log.warning("the curriculum library has %d problem(s); run 'flask --app app "
                    "curriculum check'", len(loaded.problems))
    app.extensions["library"] = loaded
    app.extensions["served_library"] = ServedLibrary(loaded,
                                                     app.config["CURRICULUM_REFRESH_SECONDS"])
    app.before_request(_pin_for_the_request)


def _pin_for_the_request() -> None:
    """Ask about approvals before the view opens its transaction: asking takes a connection of
    its own, which a view holding a row lock must never wait for (twenty writers on one log
    would wait on each other until the lock timeout). The request then sees one library."""
    g.served_library = current_app.extensions["served_library"].current(db.engine())


def current_library() -> Library:
    """The library facilitators are served now: approved versions over the files (in a
    request, as it was when the request began)."""
    if has_request_context() and "served_library" in g:
        return g.served_library
    return current_app.extensions["served_library"].current(db.engine())


def file_library() -> Library:
    """The content folders' library alone, as loaded at start-up (no approved versions)."""
    return current_app.extensions["library"]


def refresh_now() -> None:
    """After an approval commits: this worker serves it at once (the others within
    ``CURRICULUM_REFRESH_SECONDS``)."""
    served = current_app.extensions["served_library"]
    served.refresh(db.engine())
    if has_request_context():
        g.served_library = served.library
