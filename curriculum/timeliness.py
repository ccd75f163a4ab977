"""Documentation timeliness: hours from each session's start to its signature and from signature
to co-signature, as medians and 90th percentiles per facilitator and per group, computed by the
database (the same figures as ``statistics.median`` and ``statistics.quantiles(n=10,
method="inclusive")``, to the last bit)."""

import datetime
import functools
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    DateTime,
    Float,
    Integer,
    Select,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from curriculum.review_queue import supervised_logs
from curriculum.sql_dialects import local_start, microseconds_after
from models import Group, LogState, SessionLog, User


@dataclass(frozen=True)
class Timeliness:
    """One facilitator's (or group's) logs: how many were signed and co-signed, and the median
    and 90th percentile of the hours each took (None where none was co-signed)."""

    label: str
    signed: int
    to_signature: tuple[float, float]
    cosigned: int
    to_cosignature: tuple[float, float] | None


@functools.lru_cache(maxsize=64)
def utc_offsets(first: datetime.date, last: datetime.date,
                zone: ZoneInfo) -> tuple[tuple[datetime.datetime | None, int], ...]:
    """The zone's UTC offset (seconds) for local times from ``first`` to the end of ``last``,
    as pieces ``(from this local time, offset)``, the first from the start: the offset
    ``datetime.combine(day, time, zone)`` takes (a time in a spring-forward gap or a
    fall-back fold has the offset before the change)."""

    def offset(moment: datetime.datetime) -> int:
        return int(moment.replace(tzinfo=zone).utcoffset().total_seconds())

    pieces: list[tuple[datetime.datetime | None, int]] = [
        (None, offset(datetime.datetime.combine(first, datetime.time())))]
    day = first
    while day <= last:
        midnight = datetime.datetime.combine(day, datetime.time())
        following = offset(midnight + datetime.timedelta(days=1))
        if following != pieces[-1][1]:
            earliest, latest = 0, 86_400  # the change is in (earliest, latest] seconds
            while latest - earliest > 1:
                middle = (earliest + latest) // 2
                if offset(midnight + datetime.timedelta(seconds=middle)) == pieces[-1][1]:
                    earliest = middle
                else:
                    latest = middle
            pieces.append((midnight + datetime.timedelta(seconds=latest), following))
        day += datetime.timedelta(days=1)
    return tuple(pieces)


def _number(value: int | float) -> ColumnElement[Any]:
    """A constant written into the SQL (not a parameter: the arithmetic reads as it is)."""
    return literal_column(repr(value), Float() if isinstance(value, float) else Integer())


def _hours(microseconds: ColumnElement[int]) -> ColumnElement[float]:
    """As ``timedelta.total_seconds() / 3600``: one rounding to seconds, one to hours."""
    return cast(microseconds, Float) / _number(1_000_000.0) / _number(3600.0)


def _percentile(value: Any, rank: Any, count: Any, quantiles: int,
                index: int) -> ColumnElement[float]:
    """Within GROUP BY: the ``index``-th of ``quantiles`` cut points of the ranked values
    (``rank`` from 0, ``count`` of the partition), interpolated as Python's inclusive method
    does it: exact integers, then one multiply-add and one division, in the same order."""
    position = (count - _number(1)) * _number(index)
    j = position // _number(quantiles)
    delta = position - j * _number(quantiles)
    weighted = func.sum(case((rank == j, value * (_number(quantiles) - delta)),
                             (rank == j + _number(1), value * delta), else_=_number(0.0)))
    return weighted / _number(float(quantiles))


@functools.cache
def _statement(changes: int) -> Select[Any]:
    """The whole computation for a range in which the zone's offset changes ``changes`` times;
    parameters: supervisor_id, first, last, offset_0 … offset_<changes> (microseconds) and
    since_1 … since_<changes> (local times the offsets start from)."""
    started = local_start(SessionLog.session_date, SessionLog.start_time)
    # The session's start in UTC is its local start less the zone's offset then.
    offset: ColumnElement[int] = bindparam("offset_0", type_=BigInteger)
    if changes:
        offset = case(*[(started < bindparam(f"since_{n}", type_=DateTime),
                         bindparam(f"offset_{n - 1}", type_=BigInteger))
                        for n in range(1, changes + 1)],
                      else_=bindparam(f"offset_{changes}", type_=BigInteger))
    to_sign = _hours(microseconds_after(SessionLog.signed_at, started) + offset)
    to_cosign = case((SessionLog.cosigned_at.is_not(None),
                      _hours(microseconds_after(SessionLog.cosigned_at, SessionLog.signed_at))),
                     else_=null())
    logs = (supervised_logs(User.name.label("signer"), Group.name.label("group"),
                            to_sign.label("to_sign"), to_cosign.label("to_cosign"))
            .where(SessionLog.session_date.between(bindparam("first", type_=Date),
                                                   bindparam("last", type_=Date)),
                   SessionLog.signed_at.is_not(None), SessionLog.state != LogState.VOIDED)
            .cte("logs"))
    # One row per figure: by whom (0) or which group (1); to signature (0) or co-signature (1).
    figures = union_all(*[
        select(_number(by).label("by"), logs.c[key].label("label"),
               _number(measure).label("measure"), logs.c[column].label("hours"))
        .where(logs.c[column].is_not(None))
        for by, key in ((0, "signer"), (1, "group"))
        for measure, column in ((0, "to_sign"), (1, "to_cosign"))]).subquery("figures")
    partition = (figures.c.by, figures.c.label, figures.c.measure)
    ranked = select(*partition, figures.c.hours,
                    (func.row_number().over(partition_by=partition, order_by=figures.c.hours)
                     - _number(1)).label("rank"),
                    func.count().over(partition_by=partition).label("n")).subquery("ranked")
    n = func.max(ranked.c.n)
    return (select(ranked.c.by, ranked.c.label, ranked.c.measure, n,
                   _percentile(ranked.c.hours, ranked.c.rank, ranked.c.n, 2, 1),
                   case((n == _number(1), func.max(ranked.c.hours)),
                        else_=_percentile(ranked.c.hours, ranked.c.rank, ranked.c.n, 10, 9)))
            .group_by(ranked.c.by, ranked.c.label, ranked.c.measure))


def timeliness(session: Session, supervisor_id: int, first: datetime.date,
               last: datetime.date, zone: ZoneInfo) -> tuple[list[Timeliness], list[Timeliness]]:
    """Per facilitator (the signer's name) and per group (its name), over sessions from
    ``first`` to ``last`` in the groups this supervisor supervises, signed and not voided."""
    pieces = utc_offsets(first, last, zone)
    parameters: dict[str, Any] = {"supervisor_id": supervisor_id, "first": first, "last": last}
    for n, (since, seconds) in enumerate(pieces):
        parameters[f"offset_{n}"] = seconds * 1_000_000
        if since is not None:
            parameters[f"since_{n}"] = since
    # Through the session's connection: plain rows need none of the ORM's bookkeeping.
    rows = session.connection().execute(_statement(len(pieces) - 1), parameters).all()
    found: dict[tuple[int, str], dict[int, tuple[int, tuple[float, float]]]] = {}
    for by, label, measure, count, median, p90 in rows:
        found.setdefault((by, label), {})[measure] = (count, (median, p90))
    results: tuple[list[Timeliness], list[Timeliness]] = ([], [])
    for (by, label), measures in sorted(found.items()):
        cosigned, to_cosignature = measures.get(1, (0, None))
        results[by].append(Timeliness(label, *measures[0], cosigned, to_cosignature))
    return results
