"""The audit trail: append-only, hash-chained events for every read and write of clinical data.

Each event's hash covers its own fields and the previous event's hash, so removing, reordering or
editing any event breaks the chain from there on; ``audit verify`` finds the first broken link.
Events are written in the same transaction as the change they describe.
"""

import hashlib
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from models import AuditEvent, DischargeSummary, SessionLog, utcnow

log = logging.getLogger(__name__)
GENESIS = "0" * 64
# Any constant: PostgreSQL serializes chain appends on this advisory lock (SQLite's write lock
# already does, because writers begin IMMEDIATE).
_CHAIN_LOCK = 4_727_001


_events = AuditEvent.__table__
_LAST_HASH = select(_events.c.hash).order_by(_events.c.id.desc()).limit(1)
_HASHED = ("at", "user_id", "action", "object_type", "object_id", "outcome", "remote_addr",
           "detail")


def _event_hash(prev_hash: str, values: dict[str, Any]) -> str:
    fields = {name: values[name] for name in _HASHED}
    fields["at"] = fields["at"].isoformat()
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


def record(session: Session, action: str, object_type: str, object_id: object = None,
           outcome: str = "ok", detail: dict[str, Any] | None = None,
           user_id: int | None = None) -> int:
    """Append one event in the caller's transaction (it commits with the caller's change);
    returns its id. The caller's pending changes are flushed first.

    ``detail`` holds ids and counts, never note text. A plain INSERT rather than an ORM object:
    every audited page view makes one, and the unit of work would cost more than the page.
    """
    if user_id is None and has_request_context() and current_user.is_authenticated:
        user_id = current_user.id
    session.flush()
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK})
    values = {
        "at": utcnow(), "user_id": user_id, "action": action, "object_type": object_type,
        "object_id": None if object_id is None else str(object_id), "outcome": outcome,
        "remote_addr": request.remote_addr if has_request_context() else None,
        "detail": detail or {}, "prev_hash": connection.scalar(_LAST_HASH) or GENESIS,
    }
    values["hash"] = _event_hash(values["prev_hash"], values)
    return connection.execute(insert(_events).values(values)).inserted_primary_key[0]


@dataclass(frozen=True)
class Verification:
    events: int
    signed_logs: int
    problem: str | None
    signed_summaries: int = 0


def _chain_problem(events: Iterable[AuditEvent]) -> tuple[int, str | None]:
    prev, count = GENESIS, 0
    for event in events:
        count += 1
        if event.prev_hash != prev:
            return count, (f"audit event {event.id}: previous-hash link broken "
                           f"(an event before it was removed or changed)")
        if _event_hash(prev, {name: getattr(event, name) for name in _HASHED}) != event.hash:
            return count, f"audit event {event.id}: contents do not match its hash (it was altered)"
        prev = event.hash
    return count, None


def verify(session: Session) -> Verification:
    """Walk the chain from the start, then re-hash every signed log and discharge summary;
    stop at the first problem."""
    events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)
                             .execution_options(yield_per=1000))
    try:
        count, problem = _chain_problem(events)
    finally:
        events.close()  # a server-side cursor on PostgreSQL, left open by an early stop
    if problem:
        return Verification(count, 0, problem)
    signed, problem = _hash_problem(session, SessionLog, "session log")
    if problem:
        return Verification(count, signed, problem)
    summaries, problem = _hash_problem(session, DischargeSummary, "discharge summary")
    return Verification(count, signed, problem, summaries)


def _hash_problem(session: Session, model: type[SessionLog | DischargeSummary],
                  name: str) -> tuple[int, str | None]:
    """How many signed records of ``model`` were re-hashed, and the first that no longer
    matches its signature."""
    checked = 0
    for signed in session.scalars(select(model).where(model.content_hash.is_not(None))
                                  .order_by(model.id)):
        checked += 1
        if signed.compute_content_hash() != signed.content_hash:
            return checked, f"{name} {signed.id}: content no longer matches its signature hash"
    return checked, None
