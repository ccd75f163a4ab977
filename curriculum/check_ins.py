"""Check-in measures: a note's check-in in words, each participant's recent check-ins, and the
small inline chart of them the log form shows beside each name (server-rendered SVG, styled by
classes in app.css: the CSP allows no inline style)."""

import datetime
from dataclasses import dataclass

from markupsafe import Markup
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from models import LogState, ParticipantNote, SessionLog, SubstanceUse

RECENT = 5
USE_WORDS = {SubstanceUse.NONE: "none", SubstanceUse.YES: "yes",
             SubstanceUse.DECLINED: "declined to say"}
# The form's answers to "any alcohol or drug use since the last group?" (blank: not asked).
USE_CHOICES = ((SubstanceUse.NONE, "No use"), (SubstanceUse.YES, "Yes, used"),
               (SubstanceUse.DECLINED, "Declined to say"))
# The chart's box, in SVG units (it scales with the font: see .check-in-chart in app.css).
WIDTH, HEIGHT, PAD = 120, 40, 5


@dataclass(frozen=True)
class CheckIn:
    day: datetime.date
    craving: int | None
    mood: int | None


def describe(note: ParticipantNote) -> str:
    """The note's check-in in words, "not asked" for each measure left blank."""
    def out_of_ten(value: int | None) -> str:
        return "not asked" if value is None else f"{value} of 10"

    use = note.use_since_last_group
    use_words = "not asked" if use is None else USE_WORDS[use]
    if use == SubstanceUse.YES and note.use_days is not None:
        use_words += f", on {note.use_days} day{'s' if note.use_days != 1 else ''}"
    return (f"craving {out_of_ten(note.craving)} · mood {out_of_ten(note.mood)} · use since "
            f"last group: {use_words}")


def recent_check_ins(session: Session, session_log: SessionLog,
                     group_ids: Select[tuple[int]]) -> dict[int, list[CheckIn]]:
    """For each participant on the log, their last check-ins (craving or mood recorded) from
    sessions before this one, oldest first: only from logs of ``group_ids`` (the groups the
    reader may read), drafts included, voided logs never."""
    people = [row.participant_id for row in session_log.attendance]
    day, start = session_log.session_date, session_log.start_time
    newest_first = func.row_number().over(
        partition_by=ParticipantNote.participant_id,
        order_by=(SessionLog.session_date.desc(), SessionLog.start_time.desc(),
                  SessionLog.id.desc())).label("newest_first")
    ranked = (
        select(ParticipantNote.participant_id, SessionLog.session_date, SessionLog.start_time,
               ParticipantNote.craving, ParticipantNote.mood, newest_first)
        .join(SessionLog, SessionLog.id == ParticipantNote.log_id)
        .where(ParticipantNote.participant_id.in_(people), SessionLog.group_id.in_(group_ids),
               SessionLog.state != LogState.VOIDED, SessionLog.id != session_log.id,
               or_(SessionLog.session_date < day,
                   and_(SessionLog.session_date == day, SessionLog.start_time < start)),
               or_(ParticipantNote.craving.is_not(None), ParticipantNote.mood.is_not(None)))
        .subquery())
    found: dict[int, list[CheckIn]] = {pid: [] for pid in people}
    for pid, when, _, craving, mood in session.execute(
            select(ranked.c.participant_id, ranked.c.session_date, ranked.c.start_time,
                   ranked.c.craving, ranked.c.mood)
            .where(ranked.c.newest_first <= RECENT)
            .order_by(ranked.c.participant_id, ranked.c.session_date, ranked.c.start_time)):
        found[pid].append(CheckIn(when, craving, mood))
    return found


def _series(points: list[tuple[float, float]], name: str, size: float = 5) -> Markup:
    """One measure's line and its markers (circles for craving, squares for mood, so the two
    differ in shape as well as colour), ``size`` units across."""
    parts = []
    if len(points) > 1:
        parts.append(Markup('<polyline class="{}" points="{}"/>').format(
            name, " ".join(f"{x:.1f},{y:.1f}" for x, y in points)))
    for x, y in points:
        if name == "craving":
            parts.append(Markup('<circle class="craving-point" cx="{:.1f}" cy="{:.1f}" r="{}"/>')
                         .format(x, y, size / 2))
        else:
            parts.append(Markup('<rect class="mood-point" x="{:.1f}" y="{:.1f}" width="{s}" '
                                'height="{s}"/>').format(x - size / 2, y - size / 2, s=size))
    return Markup("").join(parts)


def chart(check_ins: list[CheckIn], who: str, chart_id: str) -> Markup:
    """The check-ins as a small line chart named by its ``<title>``, with every value in its
    ``<desc>`` (the text alternative); a line of text when there are none."""
    if not check_ins:
        return Markup('<p class="meta check-in-none">No earlier check-ins recorded.</p>')
    step = (WIDTH - 2 * PAD) / max(len(check_ins) - 1, 1)

    def point(index: int, value: int) -> tuple[float, float]:
        x = WIDTH / 2 if len(check_ins) == 1 else PAD + index * step
        return x, PAD + (10 - value) * (HEIGHT - 2 * PAD) / 10

    craving = [point(i, c.craving) for i, c in enumerate(check_ins) if c.craving is not None]
    mood = [point(i, c.mood) for i, c in enumerate(check_ins) if c.mood is not None]
    words = "; ".join(
        f"{c.day.day} {c.day:%b}: craving {'not asked' if c.craving is None else c.craving}, "
        f"mood {'not asked' if c.mood is None else c.mood}" for c in check_ins)
    return Markup(
        '<svg class="check-in-chart" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}">'
        '<title id="{id}-title">{who}: last {n} check-in{s}, oldest first (craving 0 none to '
        '10 strongest, circles; mood 0 worst to 10 best, squares)</title>'
        '<desc id="{id}-desc">{words}.</desc>'
        '<rect class="frame" x="0.5" y="0.5" width="{fw}" height="{fh}"/>{craving}{mood}</svg>'
    ).format(id=chart_id, w=WIDTH, h=HEIGHT, fw=WIDTH - 1, fh=HEIGHT - 1, who=who,
             n=len(check_ins), s="" if len(check_ins) == 1 else "s", words=words,
             craving=_series(craving, "craving"), mood=_series(mood, "mood"))


# The participant page's chart, in SVG units: the plot sits inside margins for the axis labels.
COURSE_WIDTH, COURSE_HEIGHT, LEFT, RIGHT, TOP, BOTTOM = 600, 200, 36, 12, 12, 30


def course_chart(check_ins: list[CheckIn], who: str) -> Markup:
    """Craving and mood over the whole course, placed by date, with the 0–10 scale and the
    first and last dates labelled; named by its ``<title>``. The page shows the same values
    as a table (the text alternative), so the chart itself is not repeated in words."""
    if not check_ins:
        return Markup('<p class="empty">No check-ins recorded yet.</p>')
    first, last = check_ins[0].day, check_ins[-1].day
    span = max((last - first).days, 1)
    plot_w, plot_h = COURSE_WIDTH - LEFT - RIGHT, COURSE_HEIGHT - TOP - BOTTOM

    def point(check_in: CheckIn, value: int) -> tuple[float, float]:
        x = LEFT + (plot_w / 2 if first == last else (check_in.day - first).days * plot_w / span)
        return x, TOP + (10 - value) * plot_h / 10

    craving = [point(c, c.craving) for c in check_ins if c.craving is not None]
    mood = [point(c, c.mood) for c in check_ins if c.mood is not None]
    scale = Markup("").join(
        Markup('<line class="grid" x1="{l}" x2="{r}" y1="{y:.1f}" y2="{y:.1f}"/>'
               '<text class="axis" x="{tx}" y="{ty:.1f}">{v}</text>').format(
            l=LEFT, r=COURSE_WIDTH - RIGHT, y=TOP + (10 - v) * plot_h / 10, tx=LEFT - 8,
            ty=TOP + (10 - v) * plot_h / 10 + 4, v=v) for v in (0, 5, 10))
    dates = Markup(
        '<text class="axis start" x="{l}" y="{y}">{first}</text>'
        '<text class="axis end" x="{r}" y="{y}">{last}</text>').format(
        l=LEFT, r=COURSE_WIDTH - RIGHT, y=COURSE_HEIGHT - 8,
        first=f"{first.day} {first:%b %Y}", last=f"{last.day} {last:%b %Y}")
    return Markup(
        '<svg class="course-chart" role="img" aria-labelledby="course-chart-title" '
        'viewBox="0 0 {w} {h}"><title id="course-chart-title">{who}: craving (0 none to 10 '
        'strongest, red circles, solid line) and mood (0 worst to 10 best, blue squares, dashed '
        'line) at {n} check-in{s}, {first} to {last}; the values are in the table below</title>'
        '{scale}{dates}{craving}{mood}</svg>'
    ).format(w=COURSE_WIDTH, h=COURSE_HEIGHT, who=who, n=len(check_ins),
             s="" if len(check_ins) == 1 else "s", first=f"{first.day} {first:%b %Y}",
             last=f"{last.day} {last:%b %Y}", scale=scale, dates=dates,
             craving=_series(craving, "craving", 8), mood=_series(mood, "mood", 8))
