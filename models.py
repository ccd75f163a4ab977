"""The schema: typed SQLAlchemy 2 models and the invariants that hold whoever writes."""

import datetime
import enum
import hashlib
import json
import secrets
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    Session,
    declared_attr,
    mapped_column,
    relationship,
)


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """Timezone-aware UTC datetimes on every engine (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime; use models.utcnow()")
            value = value.astimezone(datetime.UTC)
        return value

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=datetime.UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    })


class Role(enum.StrEnum):
    FACILITATOR = "facilitator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


def _enum(cls: type[enum.Enum]) -> Enum:
    """Enums stored as their values in a plain string column (portable, readable in SQL)."""
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class CurriculumPermission(enum.StrEnum):
    """What an account may do to the curriculum, whatever its role: an editor drafts changes
    to topics; an approver also approves other people's drafts (never their own)."""

    NONE = "none"
    EDITOR = "editor"
    APPROVER = "approver"


def new_session_token() -> str:
    return secrets.token_urlsafe(24)


class User(Base):
    """A staff account. Signing out, a password change or deactivation rotates
    ``session_token``, which every request's session must match."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[Role] = mapped_column(_enum(Role))
    curriculum_permission: Mapped[CurriculumPermission] = mapped_column(
        _enum(CurriculumPermission), default=CurriculumPermission.NONE)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(default=True)
    # Set for a password the system printed (first admin, resets); cleared when the user picks one.
    is_password_temporary: Mapped[bool] = mapped_column(default=False)
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    # Second factor: the authenticator secret, encrypted (curriculum/secret_box.py), and the
    # last time step a code was accepted for (a code is never accepted twice).
    totp_secret: Mapped[str | None] = mapped_column(String(255))
    totp_last_step: Mapped[int | None]
    # Set when an admin resets the account's second factors: it enrols again at next sign-in.
    must_enrol_second_factor: Mapped[bool] = mapped_column(default=False)
    # The random WebAuthn user handle its passkeys carry (never the email or the id).
    passkey_user_handle: Mapped[bytes | None] = mapped_column(LargeBinary(64))

    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="RecoveryCode.id")
    passkeys: Mapped[list["Passkey"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Passkey.id")

    # Flask-Login's user protocol.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    def rotate_session_token(self) -> None:
        self.session_token = new_session_token()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}>"


class RecoveryCode(Base):
    """A single-use code for signing in without the authenticator, stored as its SHA-256
    (the codes are random and long enough that a fast hash cannot be searched)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="recovery_codes")

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id}>"


class Passkey(Base):
    """A WebAuthn credential of the account: the authenticator keeps the private key; this
    keeps its public key (COSE), the signature count it last reported, and the name the user
    gave it. ``is_user_verified``: the authenticator checked a PIN or biometric when it was
    registered."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1023), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(2048))
    sign_count: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(60))
    transports: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_user_verified: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(back_populates="passkeys")

    def __repr__(self) -> str:
        return f"<Passkey {self.id} of user {self.user_id}>"


class ProgramPolicy(Base):
    """Program-wide settings an admin changes in the app (one row, id 1)."""

    __tablename__ = "program_policy"

    id: Mapped[int] = mapped_column(primary_key=True)
    require_second_factor: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())


class Modality(enum.StrEnum):
    IN_PERSON = "in-person"
    TELEHEALTH = "telehealth"


class NoteFormat(enum.StrEnum):
    DAP = "DAP"
    BIRP = "BIRP"
    GIRP = "GIRP"


class HandoutLanguage(enum.StrEnum):
    """The languages handouts print in (a topic without a translation prints in English)."""

    ENGLISH = "en"
    SPANISH = "es"

    @property
    def label(self) -> str:
        return {"en": "English", "es": "Spanish (español)"}[self.value]


# The fields of each note format, in the order they are written.
NOTE_FIELDS: dict[NoteFormat, tuple[tuple[str, str], ...]] = {
    NoteFormat.DAP: (("data", "Data"), ("assessment", "Assessment"), ("plan", "Plan")),
    NoteFormat.BIRP: (("behavior", "Behavior"), ("intervention", "Intervention"),
                      ("response", "Response"), ("plan", "Plan")),
    NoteFormat.GIRP: (("goal", "Goal"), ("intervention", "Intervention"),
                      ("response", "Response"), ("plan", "Plan")),
}


class LogState(enum.StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    RETURNED = "returned"
    COSIGNED = "co-signed"
    VOIDED = "voided"
    # A discharge summary's draft its author set aside unsigned (a log is voided instead).
    DISCARDED = "discarded"


EDITABLE_STATES = frozenset({LogState.DRAFT, LogState.RETURNED})


class AttendanceStatus(enum.StrEnum):
    PRESENT = "present"
    LATE = "late"
    LEFT_EARLY = "left early"
    ABSENT = "absent"
    EXCUSED = "excused"


ATTENDED = frozenset({AttendanceStatus.PRESENT, AttendanceStatus.LATE,
                      AttendanceStatus.LEFT_EARLY})


class SubstanceUse(enum.StrEnum):
    """The answer to "any use since the last group?" (no row value: not asked)."""

    NONE = "none"
    YES = "yes"
    DECLINED = "declined"


class GoalStatus(enum.StrEnum):
    ACTIVE = "active"
    MET = "met"
    REVISED = "revised"
    DROPPED = "dropped"

group_facilitators = Table(
    "group_facilitators", Base.metadata,
    Column("group_id", ForeignKey("groups.id"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class Group(Base):
    """A standing group: schedule, format, staff, curriculum track and roster."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # Lower-case three-letter days, comma-separated: "mon,wed,fri".
    meeting_days: Mapped[str] = mapped_column(String(27))
    start_time: Mapped[datetime.time] = mapped_column(Time())
    minutes: Mapped[int]
    modality: Mapped[Modality] = mapped_column(_enum(Modality))
    note_format: Mapped[NoteFormat] = mapped_column(_enum(NoteFormat), default=NoteFormat.DAP)
    track_slug: Mapped[str | None] = mapped_column(String(64))
    # ASAM level 2.1 (adult IOP) expects at least 9 hours of services a week.
    weekly_minimum_minutes: Mapped[int] = mapped_column(default=540)
    supervisor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    is_archived: Mapped[bool] = mapped_column(default=False)
    # What its participants' handouts print in, unless a participant has their own language.
    handout_language: Mapped[HandoutLanguage] = mapped_column(
        _enum(HandoutLanguage), default=HandoutLanguage.ENGLISH, server_default="en")
    # Signing refuses a present participant's note that ticks none of their goals.
    is_goal_link_required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    supervisor: Mapped[User | None] = relationship(foreign_keys=[supervisor_id])
    facilitators: Mapped[list[User]] = relationship(secondary=group_facilitators,
                                                    order_by="User.name")
    enrollments: Mapped[list["Enrollment"]] = relationship(back_populates="group")

    def __repr__(self) -> str:
        return f"<Group {self.id}>"


class Participant(Base):
    """A person in treatment, recorded with the minimum necessary."""

    __tablename__ = "participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    # First name and last initial, as on a sign-in sheet: "Maria G."
    display_name: Mapped[str] = mapped_column(String(60))
    record_number: Mapped[str] = mapped_column(String(40), unique=True)
    # None: the language of the group the handout is printed for.
    handout_language: Mapped[HandoutLanguage | None] = mapped_column(_enum(HandoutLanguage))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    goals: Mapped[list["TreatmentGoal"]] = relationship(back_populates="participant",
                                                        order_by="TreatmentGoal.id")

    @property
    def first_name(self) -> str:
        return self.display_name.split()[0] if self.display_name.split() else ""

    def handout_language_in(self, group: Group) -> HandoutLanguage:
        return self.handout_language or group.handout_language

    def __repr__(self) -> str:
        return f"<Participant {self.id}>"


class Enrollment(Base):
    """A participant's time in one group (rolling admission: any day in, any day out)."""

    __tablename__ = "enrollments"
    __table_args__ = (Index("ix_enrollments_group_dates", "group_id", "admitted_on",
                            "discharged_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    admitted_on: Mapped[datetime.date] = mapped_column(Date())
    discharged_on: Mapped[datetime.date | None] = mapped_column(Date())

    group: Mapped[Group] = relationship(back_populates="enrollments")
    participant: Mapped[Participant] = relationship()

    def is_enrolled_on(self, day: datetime.date) -> bool:
        return self.admitted_on <= day and (self.discharged_on is None or day <= self.discharged_on)

    @classmethod
    def enrolled_between(cls, first: Any, last: Any) -> ColumnElement[bool]:
        """In a query: the enrollment covers at least one day from ``first`` to ``last`` (dates
        or bound parameters)."""
        return (cls.admitted_on <= last) & (cls.discharged_on.is_(None)
                                            | (cls.discharged_on >= first))


class LockedLogError(Exception):
    """A signed, co-signed or voided log (or its attendance or notes) was about to change."""


class AppendOnlyError(Exception):
    """A goal's history or a watch-list acknowledgement was about to change, or a goal to be
    deleted."""


class Signed:
    """What a record signed like a session log carries: who signed it and when, with the
    attestation and the SHA-256 of its ``canonical_content`` as signed, and who co-signed it;
    it is editable as a draft, or once returned."""

    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    attestation: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    cosigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cosigned_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())

    @declared_attr
    def signed_by(cls) -> Mapped[User | None]:
        return relationship(foreign_keys=f"{cls.__name__}.signed_by_id")

    @declared_attr
    def cosigned_by(cls) -> Mapped[User | None]:
        return relationship(foreign_keys=f"{cls.__name__}.cosigned_by_id")

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_STATES

    def canonical_content(self) -> str:
        raise NotImplementedError

    def compute_content_hash(self) -> str:
        return hashlib.sha256(self.canonical_content().encode()).hexdigest()

    def mark_signed(self, user: User, attestation: str,
                    at: datetime.datetime | None = None) -> None:
        """Lock under the signer's name, with ``attestation`` signed by them; the hash is taken
        last, over all of it (the caller keeps the session from flushing before)."""
        self.state = LogState.SIGNED
        self.signed_by_id = user.id
        self.signed_at = at or utcnow()
        self.attestation = f"{attestation} Signed by {user.name}."
        self.content_hash = self.compute_content_hash()

    def mark_cosigned(self, supervisor: User) -> None:
        """Co-signed under the supervisor's name: final."""
        self.state = LogState.COSIGNED
        self.cosigned_by_id = supervisor.id
        self.cosigned_at = utcnow()

    def mark_returned(self) -> None:
        """Back to its author: the signature no longer stands (the audit trail keeps it)."""
        self.state = LogState.RETURNED
        self.signed_by_id = self.signed_at = self.attestation = self.content_hash = None


class SessionLog(Signed, Base):
    """One group session: what was covered, who came, and a note per attending participant."""

    __tablename__ = "session_logs"
    __table_args__ = (
        Index("ix_session_logs_group_date", "group_id", "session_date"),
        Index("ix_session_logs_state_signed", "state", "signed_at"),
        # A supervisor's queue (signed, in my groups) and overdue drafts: without it the
        # planner may walk ten years of a group's logs to find the few still signed.
        Index("ix_session_logs_group_state_date", "group_id", "state", "session_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    session_date: Mapped[datetime.date] = mapped_column(Date())
    start_time: Mapped[datetime.time] = mapped_column(Time())
    minutes: Mapped[int]
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    interventions: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text, default="")
    # Set when the signer kept a summary that names a participant, with their reason.
    summary_name_override: Mapped[str | None] = mapped_column(Text)
    state: Mapped[LogState] = mapped_column(_enum(LogState), default=LogState.DRAFT)
    # Optimistic locking: a save from a stale form is refused instead of overwriting.
    version: Mapped[int] = mapped_column()
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                          onupdate=utcnow)
    void_reason: Mapped[str | None] = mapped_column(Text)
    voided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    voided_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())

    group: Mapped[Group] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    attendance: Mapped[list["Attendance"]] = relationship(
        back_populates="log", cascade="all, delete-orphan", order_by="Attendance.id")
    notes: Mapped[list["ParticipantNote"]] = relationship(
        back_populates="log", cascade="all, delete-orphan", order_by="ParticipantNote.id")
    addenda: Mapped[list["Addendum"]] = relationship(
        back_populates="log", order_by="Addendum.created_at")
    reviews: Mapped[list["LogReview"]] = relationship(
        back_populates="log", order_by="LogReview.created_at")
    taught_topics: Mapped[list["TaughtTopic"]] = relationship(
        back_populates="log", cascade="all, delete-orphan", order_by="TaughtTopic.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a dict

    def note_for(self, participant_id: int) -> "ParticipantNote | None":
        return next((n for n in self.notes if n.participant_id == participant_id), None)

    def mark_returned(self) -> None:
        """Back to the facilitator, without the topic texts the signature recorded."""
        if self.topics:
            self.taught_topics.clear()
        super().mark_returned()

    def canonical_content(self) -> str:
        """Everything a signature covers, as stable JSON (ids, not names, so renames are safe)."""
        content = {
            "log": self.id, "group": self.group_id, "date": self.session_date.isoformat(),
            "start": self.start_time.isoformat(), "minutes": self.minutes,
            "topics": self.topics, "interventions": self.interventions, "summary": self.summary,
            "summary_name_override": self.summary_name_override, "signed_by": self.signed_by_id,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "attestation": self.attestation,
            "attendance": sorted((a.participant_id, a.status.value, a.minutes_attended)
                                 for a in self.attendance),
            "notes": sorted(n.signed_content() for n in self.notes),
        }
        # Logs signed before topic texts were recorded hold none, and hash as they did then.
        if self.topics and self.taught_topics:
            content["taught"] = sorted((t.slug, t.content_hash, t.version_number)
                                       for t in self.taught_topics)
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def __repr__(self) -> str:
        return f"<SessionLog {self.id} {self.state.value}>"


class TaughtTopic(Base):
    """A topic a signed log covers and the text in force when it was signed: the SHA-256 of
    the topic's Markdown, and the program's version number when it was an approved version
    (None: the file's text). None for the hash: the topic was not in the library then."""

    __tablename__ = "taught_topics"
    __table_args__ = (UniqueConstraint("log_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("session_logs.id"))
    slug: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    version_number: Mapped[int | None]

    log: Mapped[SessionLog] = relationship(back_populates="taught_topics")

    def __repr__(self) -> str:
        return f"<TaughtTopic {self.slug} log={self.log_id}>"


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("log_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("session_logs.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    status: Mapped[AttendanceStatus] = mapped_column(_enum(AttendanceStatus))
    minutes_attended: Mapped[int] = mapped_column(default=0)

    log: Mapped[SessionLog] = relationship(back_populates="attendance")
    participant: Mapped[Participant] = relationship()

    @property
    def attended(self) -> bool:
        return self.status in ATTENDED


class ParticipantNote(Base):
    """The individualized note about one attending participant, in the group's format."""

    __tablename__ = "participant_notes"
    __table_args__ = (UniqueConstraint("log_id", "participant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("session_logs.id"))
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    # {field name: text} for the group's note format, e.g. {"data": …, "assessment": …}.
    fields: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    engagement: Mapped[int | None]
    is_safety_concern: Mapped[bool] = mapped_column(default=False)
    safety_follow_up: Mapped[str] = mapped_column(Text, default="")
    # Set when the signer kept a note that names another participant, with their reason.
    name_check_override: Mapped[str | None] = mapped_column(Text)
    # The check-in, each answer None when it was not asked (never 0): craving 0 (none) to 10,
    # mood 0 (worst) to 10 (best), use since the last group and, after "yes", on how many days.
    craving: Mapped[int | None]
    mood: Mapped[int | None]
    use_since_last_group: Mapped[SubstanceUse | None] = mapped_column(_enum(SubstanceUse))
    use_days: Mapped[int | None]

    log: Mapped[SessionLog] = relationship(back_populates="notes")
    participant: Mapped[Participant] = relationship()
    goal_links: Mapped[list["NoteGoal"]] = relationship(
        back_populates="note", cascade="all, delete-orphan", order_by="NoteGoal.goal_id")

    @classmethod
    def of_attendance(cls) -> ColumnElement[bool]:
        """In a query: the note of an attendance row (its participant's, on its log), for an
        outer join: not everyone on a roster has one."""
        return (cls.log_id == Attendance.log_id) & (cls.participant_id == Attendance.participant_id)

    @property
    def has_check_in(self) -> bool:
        return any(value is not None for value in (self.craving, self.mood,
                                                   self.use_since_last_group, self.use_days))

    @property
    def has_content(self) -> bool:
        """Anything written or recorded for the person (an absent person's note has none)."""
        return (any(v.strip() for v in self.fields.values()) or self.has_check_in
                or bool(self.goal_links))

    def signed_content(self) -> tuple[Any, ...]:
        """The note's part of its log's signed content. The check-in and the goals join it
        only when there are some, so a note signed before they existed hashes as it did."""
        content: tuple[Any, ...] = (
            self.participant_id, sorted(self.fields.items()), self.engagement,
            self.is_safety_concern, self.safety_follow_up, self.name_check_override)
        course = {"craving": self.craving, "mood": self.mood,
                  "use": self.use_since_last_group.value if self.use_since_last_group else None,
                  "use_days": self.use_days,
                  "goals": [[link.goal_id, link.goal_text] for link in
                            sorted(self.goal_links, key=lambda link: link.goal_id)] or None}
        course = {key: value for key, value in course.items() if value is not None}
        return (*content, course) if course else content

    def __repr__(self) -> str:  # never the note's text
        return f"<ParticipantNote {self.id} log={self.log_id}>"


class NoteGoal(Base):
    """A goal of the participant's that the session addressed, ticked on their note.
    ``goal_text`` keeps the goal as worded when the log was signed: a later edit of the goal
    changes neither the signed note nor its hash."""

    __tablename__ = "note_goals"

    note_id: Mapped[int] = mapped_column(ForeignKey("participant_notes.id"), primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("treatment_goals.id"), primary_key=True,
                                         index=True)
    goal_text: Mapped[str | None] = mapped_column(Text)

    note: Mapped[ParticipantNote] = relationship(back_populates="goal_links")
    goal: Mapped["TreatmentGoal"] = relationship()

    @property
    def wording(self) -> str:
        """The goal as the note shows it: as signed, or as it reads now on a draft."""
        return self.goal_text if self.goal_text is not None else self.goal.goal

    def __repr__(self) -> str:
        return f"<NoteGoal note={self.note_id} goal={self.goal_id}>"


class AddendumEntry:
    """What an addendum to a signed record holds: its author, when, and the text."""

    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    @declared_attr
    def author(cls) -> Mapped[User]:
        return relationship()


class Addendum(AddendumEntry, Base):
    """A correction or late entry added to a signed log; the log itself never changes."""

    __tablename__ = "addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("session_logs.id"), index=True)

    log: Mapped[SessionLog] = relationship(back_populates="addenda")

    def __repr__(self) -> str:
        return f"<Addendum {self.id} log={self.log_id}>"


class TreatmentGoal(Base):
    """One goal of a participant's treatment plan, as the group staff keep it: the problem,
    the goal, how progress is measured, by when, and where it stands. Never deleted (a goal
    that no longer applies is dropped); every change is kept in its history."""

    __tablename__ = "treatment_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    problem: Mapped[str] = mapped_column(Text)
    goal: Mapped[str] = mapped_column(Text)
    objective: Mapped[str] = mapped_column(Text)
    target_on: Mapped[datetime.date] = mapped_column(Date())
    status: Mapped[GoalStatus] = mapped_column(_enum(GoalStatus), default=GoalStatus.ACTIVE)
    # Where the goal sits in the chart's treatment plan, e.g. "Plan of 2 Mar, problem 2".
    plan_reference: Mapped[str | None] = mapped_column(String(120))
    # Optimistic locking: an edit from a stale form is refused instead of overwriting.
    version: Mapped[int] = mapped_column()
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                          onupdate=utcnow)

    participant: Mapped[Participant] = relationship(back_populates="goals")
    history: Mapped[list["GoalChange"]] = relationship(
        back_populates="goal", order_by="GoalChange.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a dict

    def __repr__(self) -> str:  # never the goal's text
        return f"<TreatmentGoal {self.id} {self.status.value}>"


class GoalChange(Base):
    """One change of a goal: who, when, and each changed field's value before and after
    (``{"status": ["active", "met"]}``; a new goal's fields have ``None`` before). Append-only:
    the database refuses UPDATE and DELETE on this table (triggers in the migrations)."""

    __tablename__ = "goal_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("treatment_goals.id"), index=True)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changes: Mapped[dict[str, list[str | None]]] = mapped_column(JSON)

    goal: Mapped[TreatmentGoal] = relationship(back_populates="history")
    changed_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<GoalChange {self.id} goal={self.goal_id}>"


class WatchReason(enum.StrEnum):
    """Why a participant is on the watch list."""

    CRAVING = "craving"
    USE = "use"
    MISSED = "missed"


class WatchAcknowledgement(Base):
    """Staff saw a watch-list reason and noted what they did. It covers the occurrences
    (``log_ids``: the logs that raised the reason then) and no later one. Append-only."""

    __tablename__ = "watch_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    reason: Mapped[WatchReason] = mapped_column(_enum(WatchReason))
    log_ids: Mapped[list[int]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text)
    acknowledged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    acknowledged_by: Mapped[User] = relationship()

    def __repr__(self) -> str:  # never the note
        return f"<WatchAcknowledgement {self.id} {self.reason.value}>"


class ReviewAction(enum.StrEnum):
    COSIGNED = "co-signed"
    RETURNED = "returned"


class ReviewEntry:
    """What a supervisor's review of a signed record holds: who, the co-signature or return,
    their comment, and when; kept as history."""

    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[ReviewAction] = mapped_column(_enum(ReviewAction))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @declared_attr
    def reviewer(cls) -> Mapped[User]:
        return relationship()


class LogReview(ReviewEntry, Base):
    """A supervisor's co-signature or return of a log, with their comment."""

    __tablename__ = "log_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    log_id: Mapped[int] = mapped_column(ForeignKey("session_logs.id"), index=True)

    log: Mapped[SessionLog] = relationship(back_populates="reviews")

    def __repr__(self) -> str:
        return f"<LogReview {self.id} {self.action.value}>"


class DischargeReason(enum.StrEnum):
    COMPLETED = "completed"
    STEP_DOWN = "step-down"
    TRANSFER = "transfer"
    LEFT = "left"
    ADMINISTRATIVE = "administrative"

    @property
    def label(self) -> str:
        return {"completed": "Completed the program",
                "step-down": "Step-down to outpatient care",
                "transfer": "Transfer to a higher level of care",
                "left": "Left before completing",
                "administrative": "Administrative discharge"}[self.value]


class LockedSummaryError(Exception):
    """A signed or co-signed discharge summary (or a review or addendum of one) was about to
    change."""


_SUMMARY_STATE_LABELS = {
    LogState.DRAFT: "Draft, not signed", LogState.SIGNED: "Signed, waiting for co-signature",
    LogState.COSIGNED: "Co-signed", LogState.RETURNED: "Returned to the counselor",
    LogState.DISCARDED: "Discarded draft, never signed"}


class DischargeSummary(Signed, Base):
    """The summary of one episode of care: the participant's enrollment in a group, from
    admission to discharge (a readmission is a new enrollment, and a new episode). ``record``
    holds what was assembled from the record when the draft was made or last refreshed, frozen
    (dates, sessions, hours, topics, check-ins at start and end, goals, the last notes'
    plans); the counselor writes the rest. Signed like a log: the content hash covers it all,
    and a signed summary locks (corrections are addenda)."""

    __tablename__ = "discharge_summaries"
    __table_args__ = (
        # One summary per episode; a discarded draft stays on file and leaves room for the next.
        Index("uq_discharge_summaries_episode", "enrollment_id", unique=True,
              sqlite_where=text("state != 'discarded'"),
              postgresql_where=text("state != 'discarded'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("participants.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id"))
    reason: Mapped[DischargeReason] = mapped_column(_enum(DischargeReason))
    discharged_on: Mapped[datetime.date] = mapped_column(Date())
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    recommendations: Mapped[str] = mapped_column(Text, default="")
    aftercare: Mapped[str] = mapped_column(Text, default="")
    # As the participant reported them: not a medication reconciliation.
    medications: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[LogState] = mapped_column(_enum(LogState), default=LogState.DRAFT)
    # Optimistic locking: a save from a stale form is refused instead of overwriting.
    version: Mapped[int] = mapped_column()
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow,
                                                          onupdate=utcnow)
    discarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    discarded_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())

    participant: Mapped[Participant] = relationship()
    enrollment: Mapped[Enrollment] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    discarded_by: Mapped[User | None] = relationship(foreign_keys=[discarded_by_id])
    reviews: Mapped[list["DischargeReview"]] = relationship(
        back_populates="summary", order_by="DischargeReview.id")
    addenda: Mapped[list["DischargeAddendum"]] = relationship(
        back_populates="summary", order_by="DischargeAddendum.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a dict

    @property
    def state_label(self) -> str:
        """The state in the counselor's words, as the pages and the PDF say it."""
        return _SUMMARY_STATE_LABELS[self.state]

    def canonical_content(self) -> str:
        """Everything a signature covers, as stable JSON."""
        content = {
            "summary": self.id, "participant": self.participant_id,
            "enrollment": self.enrollment_id, "reason": self.reason.value,
            "discharged_on": self.discharged_on.isoformat(), "record": self.record,
            "recommendations": self.recommendations, "aftercare": self.aftercare,
            "medications": self.medications, "signed_by": self.signed_by_id,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "attestation": self.attestation,
        }
        return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)

    def __repr__(self) -> str:  # never the summary's text
        return f"<DischargeSummary {self.id} {self.state.value}>"


class DischargeReview(ReviewEntry, Base):
    """A supervisor's co-signature or return of a discharge summary, with their comment."""

    __tablename__ = "discharge_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("discharge_summaries.id"), index=True)

    summary: Mapped[DischargeSummary] = relationship(back_populates="reviews")

    def __repr__(self) -> str:
        return f"<DischargeReview {self.id} {self.action.value}>"


class DischargeAddendum(AddendumEntry, Base):
    """A correction or late entry added to a signed discharge summary, which never changes."""

    __tablename__ = "discharge_addenda"

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("discharge_summaries.id"), index=True)

    summary: Mapped[DischargeSummary] = relationship(back_populates="addenda")

    def __repr__(self) -> str:
        return f"<DischargeAddendum {self.id} summary={self.summary_id}>"


class SpotCheck(Base):
    """A supervisor's random sample of signed notes from one group and period."""

    __tablename__ = "spot_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id"))
    period_start: Mapped[datetime.date] = mapped_column(Date())
    period_end: Mapped[datetime.date] = mapped_column(Date())
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    group: Mapped[Group] = relationship()
    items: Mapped[list["SpotCheckItem"]] = relationship(
        back_populates="spot_check", order_by="SpotCheckItem.id", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<SpotCheck {self.id}>"


class SpotCheckItem(Base):
    """One sampled note and the supervisor's checklist for it (None: not checked yet)."""

    __tablename__ = "spot_check_items"
    __table_args__ = (UniqueConstraint("spot_check_id", "note_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spot_check_id: Mapped[int] = mapped_column(ForeignKey("spot_checks.id"), index=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("participant_notes.id"))
    is_individualized: Mapped[bool | None]
    is_linked_to_topics: Mapped[bool | None]
    is_name_check_clean: Mapped[bool | None]
    is_minutes_recorded: Mapped[bool | None]
    is_tied_to_goal: Mapped[bool | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    checked_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())

    spot_check: Mapped[SpotCheck] = relationship(back_populates="items")
    note: Mapped[ParticipantNote] = relationship()

    def __repr__(self) -> str:
        return f"<SpotCheckItem {self.id}>"


class ContentKind(enum.StrEnum):
    TOPIC = "topic"
    TRACK = "track"
    TRANSLATION = "translation"  # a topic's Spanish handout (the only translated language)


class VersionState(enum.StrEnum):
    DRAFT = "draft"
    RETURNED = "returned"
    APPROVED = "approved"
    SUPERSEDED = "superseded"
    WITHDRAWN = "withdrawn"


class VersionLockedError(Exception):
    """A curriculum version's text or a decision already taken on it was about to change."""


class CurriculumVersion(Base):
    """One version of a topic (or track) as the program wrote it in the browser: the whole
    source, never changed once written. Its state moves on (a draft is returned, approved or
    withdrawn; an approved version is superseded by the next), and each move records who,
    when and why, once. ``base_hash`` is the SHA-256 of the text it started from (a version's
    or a file's; None for a new topic), ``base_version`` that version when it was one."""

    __tablename__ = "curriculum_versions"
    __table_args__ = (
        UniqueConstraint("kind", "slug", "number"),
        # One approved version per topic or track: the one facilitators see.
        Index("uq_curriculum_versions_approved", "kind", "slug", unique=True,
              sqlite_where=text("state = 'approved'"),
              postgresql_where=text("state = 'approved'")),
        Index("ix_curriculum_versions_state", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ContentKind] = mapped_column(_enum(ContentKind))
    slug: Mapped[str] = mapped_column(String(64))
    number: Mapped[int]
    source: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    change_note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("curriculum_versions.id"))
    base_hash: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[VersionState] = mapped_column(_enum(VersionState), default=VersionState.DRAFT)
    returned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    returned_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    return_comment: Mapped[str | None] = mapped_column(Text)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    attestation: Mapped[str | None] = mapped_column(Text)
    approval_comment: Mapped[str | None] = mapped_column(Text)
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())
    withdrawal_comment: Mapped[str | None] = mapped_column(Text)
    superseded_by_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("curriculum_versions.id"))
    superseded_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    returned_by: Mapped[User | None] = relationship(foreign_keys=[returned_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    withdrawn_by: Mapped[User | None] = relationship(foreign_keys=[withdrawn_by_id])
    base_version: Mapped["CurriculumVersion | None"] = relationship(
        foreign_keys=[base_version_id], remote_side=[id])
    superseded_by: Mapped["CurriculumVersion | None"] = relationship(
        foreign_keys=[superseded_by_version_id], remote_side=[id])

    def __repr__(self) -> str:
        return f"<CurriculumVersion {self.kind.value} {self.slug} {self.number} {self.state.value}>"


# Each state a version may move to, from which, and the columns that move writes (once).
_VERSION_MOVES: dict[VersionState, tuple[VersionState, frozenset[str]]] = {
    VersionState.RETURNED: (VersionState.DRAFT, frozenset(
        {"returned_by_id", "returned_at", "return_comment"})),
    VersionState.APPROVED: (VersionState.DRAFT, frozenset(
        {"approved_by_id", "approved_at", "attestation", "approval_comment"})),
    VersionState.WITHDRAWN: (VersionState.DRAFT, frozenset(
        {"withdrawn_by_id", "withdrawn_at", "withdrawal_comment"})),
    VersionState.SUPERSEDED: (VersionState.APPROVED, frozenset(
        {"superseded_by_version_id", "superseded_at"})),
}


class ShippedReviewDecision(enum.StrEnum):
    APPROVED = "approved"  # the shipped text approved as it stands
    CHANGED = "changed"  # a version started from this shipped text was approved
    KEPT = "kept"  # a changed shipped text seen, and the program's own text kept


class ShippedTopicReview(Base):
    """One decision of the program about a topic's shipped text (a content folder's file),
    kept with that text so a later upgrade's changes can be shown against it. Append-only:
    the newest row of a slug is the shipped text the program last reviewed; its newest
    ``approved`` row is the shipped text the program approved as it stands."""

    __tablename__ = "shipped_topic_reviews"
    __table_args__ = (Index("ix_shipped_topic_reviews_slug", "slug", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64))
    decision: Mapped[ShippedReviewDecision] = mapped_column(_enum(ShippedReviewDecision))
    shipped_hash: Mapped[str] = mapped_column(String(64))
    shipped_source: Mapped[str] = mapped_column(Text)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The approved version this decision concerns (``changed``), or the one an adoption of
    # the shipped text superseded (``approved``).
    version_id: Mapped[int | None] = mapped_column(ForeignKey("curriculum_versions.id"))
    attestation: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)

    decided_by: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ShippedTopicReview {self.slug} {self.decision.value}>"


class ServedCurriculum(Base):
    """One row (id 1) whose ``serial`` moves on, in the same transaction, whenever what
    facilitators are served changes (an approval): each worker compares it every few seconds
    and rebuilds its library only when it moved."""

    __tablename__ = "served_curriculum"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[int] = mapped_column(default=0)
    changed_at: Mapped[datetime.datetime | None] = mapped_column(UTCDateTime())


class AuditEvent(Base):
    """Append-only and hash-chained: each event's hash covers its fields and the previous hash.
    The database refuses UPDATE and DELETE on this table (triggers in the migrations)."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    remote_addr: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.action}>"


# Columns that may still change on a locked log, and only through these state changes.
_LOCKED_LOG_COLUMNS = frozenset({"state", "version", "updated_at", "cosigned_by_id",
                                 "cosigned_at", "void_reason", "voided_by_id", "voided_at"})
_SIGNATURE_COLUMNS = frozenset({"signed_by_id", "signed_at", "attestation", "content_hash"})
_LOCKED_TRANSITIONS = {
    LogState.SIGNED: {LogState.COSIGNED, LogState.RETURNED, LogState.VOIDED},
    LogState.COSIGNED: {LogState.VOIDED},
    LogState.VOIDED: set(),
}


def _log_of(session: Session,
            obj: Attendance | ParticipantNote | NoteGoal | TaughtTopic) -> SessionLog | None:
    """The log a row of attendance, a note, a note's goal link or a taught topic belongs to."""
    if isinstance(obj, NoteGoal):
        note = obj.note or (session.get(ParticipantNote, obj.note_id) if obj.note_id else None)
        return _log_of(session, note) if note is not None else None
    return obj.log or (session.get(SessionLog, obj.log_id) if obj.log_id else None)


def _committed_state(log: SessionLog) -> LogState | None:
    """The log's state as last read from the database (None for a new log)."""
    history = inspect(log).attrs.state.history
    if history.deleted:
        return history.deleted[0]
    return None if inspect(log).pending else log.state


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_locked_logs(session: Session, _context: Any, _instances: Any) -> None:
    """A signed log locks: whoever writes, its content, attendance, notes, their goal links and
    the topic texts it records cannot change. A goal's history only grows, and goals are never
    deleted."""
    for obj in [*session.dirty, *session.deleted, *session.new]:
        if isinstance(obj, Attendance | ParticipantNote | NoteGoal | TaughtTopic):
            log = _log_of(session, obj)
            if log is not None and _committed_state(log) not in (None, *EDITABLE_STATES):
                if (isinstance(obj, TaughtTopic) and (obj in session.deleted or obj.log is None)
                        and log.state == LogState.RETURNED):
                    continue  # a return takes the signature, and the texts it covered, away
                raise LockedLogError(f"log {log.id} is {_committed_state(log)}; use an addendum")
        elif isinstance(obj, GoalChange) and obj not in session.new:
            raise AppendOnlyError("a goal's history is append-only")
        elif isinstance(obj, WatchAcknowledgement) and obj not in session.new:
            raise AppendOnlyError("watch-list acknowledgements are append-only")
        elif isinstance(obj, TreatmentGoal) and obj in session.deleted:
            raise AppendOnlyError("goals are never deleted; mark them dropped")
        elif isinstance(obj, SessionLog) and obj in session.dirty:
            before = _committed_state(obj)
            if before in EDITABLE_STATES or before is None:
                continue
            state = inspect(obj)
            changed = {attr.key for attr in state.mapper.column_attrs
                       if state.attrs[attr.key].history.has_changes()}
            columns = _LOCKED_LOG_COLUMNS | (_SIGNATURE_COLUMNS if obj.state == LogState.RETURNED
                                             else frozenset())
            allowed = changed <= columns and (
                obj.state == before or obj.state in _LOCKED_TRANSITIONS[before])
            if not allowed:
                raise LockedLogError(f"log {obj.id} is {before}; use an addendum")
        elif isinstance(obj, SessionLog) and obj in session.deleted:
            raise LockedLogError("session logs are never deleted; void them with a reason")


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_written_versions(session: Session, _context: Any,
                                        _instances: Any) -> None:
    """A curriculum version is never edited or deleted: only its state moves on, along the
    allowed moves, each writing its own who, when and why once. A review of a shipped topic
    is never changed at all."""
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, ShippedTopicReview):
            raise AppendOnlyError("the program's reviews of shipped topics are append-only")
        if not isinstance(obj, CurriculumVersion):
            continue
        if obj in session.deleted:
            raise VersionLockedError("curriculum versions are never deleted; withdraw a draft")
        state = inspect(obj)
        changed = {attr.key for attr in state.mapper.column_attrs
                   if state.attrs[attr.key].history.has_changes()}
        if not changed:
            continue
        history = state.attrs.state.history
        before = history.deleted[0] if history.deleted else obj.state
        source, columns = _VERSION_MOVES.get(obj.state, (None, frozenset()))
        if before != source or not changed <= columns | {"state"}:
            raise VersionLockedError(f"version {obj.number} of {obj.slug} is {before}; "
                                     f"it cannot become {obj.state} that way")


# Columns that may still change on a signed summary, and only through these state changes.
_LOCKED_SUMMARY_COLUMNS = frozenset({"state", "version", "updated_at", "cosigned_by_id",
                                     "cosigned_at"})
_SUMMARY_TRANSITIONS = {LogState.SIGNED: {LogState.COSIGNED, LogState.RETURNED},
                        LogState.COSIGNED: set()}


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_signed_summaries(session: Session, _context: Any,
                                        _instances: Any) -> None:
    """A signed discharge summary locks like a log: only its co-signature or its return may
    follow; a discarded draft never changes again; its reviews and addenda are never changed,
    and nothing of it is deleted."""
    for obj in [*session.dirty, *session.deleted]:
        if isinstance(obj, DischargeReview | DischargeAddendum):
            raise LockedSummaryError("a discharge summary's reviews and addenda are "
                                     "append-only")
        if not isinstance(obj, DischargeSummary):
            continue
        if obj in session.deleted:
            raise LockedSummaryError("discharge summaries are never deleted")
        state = inspect(obj)
        history = state.attrs.state.history
        before = history.deleted[0] if history.deleted else obj.state
        if before in EDITABLE_STATES:
            continue
        changed = {attr.key for attr in state.mapper.column_attrs
                   if state.attrs[attr.key].history.has_changes()}
        columns = _LOCKED_SUMMARY_COLUMNS | (_SIGNATURE_COLUMNS if obj.state == LogState.RETURNED
                                             else frozenset())
        if before == LogState.DISCARDED and changed:
            raise LockedSummaryError(f"discharge summary {obj.id} was discarded")
        if changed and not (changed <= columns and (
                obj.state == before or obj.state in _SUMMARY_TRANSITIONS[before])):
            raise LockedSummaryError(f"discharge summary {obj.id} is {before}; "
                                     f"use an addendum")
