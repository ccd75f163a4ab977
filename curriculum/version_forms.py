"""The forms of the curriculum editor and of a version's review, the same for topics and
tracks (each with CSRF, like every form here)."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from curriculum import shipped_reviews
from curriculum.curriculum_versions import ATTESTATION, MAX_NOTE_CHARACTERS, MAX_SOURCE_CHARACTERS
from curriculum.library import SLUG_RE


class SourceForm(FlaskForm):
    """A topic's or track's whole source (the field is named ``markdown`` for both: a track's
    is YAML), what changed, and the text the edit started from."""

    markdown = TextAreaField(
        "Source",
        validators=[InputRequired(message="Write the text."),
                    Length(max=MAX_SOURCE_CHARACTERS)],
        render_kw={"rows": 30, "class": "source-input"})
    change_note = TextAreaField("What changed, and why (for the approver and the record)",
                                validators=[Length(max=MAX_NOTE_CHARACTERS)],
                                render_kw={"rows": 3})
    # The SHA-256 of the text this edit started from ('' for a new topic or track).
    base = HiddenField(validators=[Regexp(r"^([0-9a-f]{64})?$")])


class NewSourceForm(SourceForm):
    slug = StringField("Address (slug): lowercase letters, digits and hyphens",
                       validators=[InputRequired(message="Choose the address."),
                                   Regexp(SLUG_RE.pattern, message="Use 1 to 64 lowercase "
                                          "letters, digits and hyphens.")])


class ReturnForm(FlaskForm):
    comment = TextAreaField("What the author should change",
                            validators=[DataRequired(message="Say what the author should "
                                                             "change."),
                                        Length(max=MAX_NOTE_CHARACTERS)])


class ApproveForm(FlaskForm):
    attest = BooleanField(ATTESTATION)
    approval_comment = TextAreaField("Comment on the approval (optional)",
                                     validators=[Length(max=MAX_NOTE_CHARACTERS)])


class WithdrawForm(FlaskForm):
    withdrawal_comment = TextAreaField("Why you withdraw it (optional)",
                                       validators=[Length(max=MAX_NOTE_CHARACTERS)])


class ShippedForm(FlaskForm):
    """Approve a topic's shipped text as it stands, or keep the program's after an upgrade."""

    attest = BooleanField(shipped_reviews.ATTESTATION)
    comment = TextAreaField("Comment (optional)", validators=[Length(max=MAX_NOTE_CHARACTERS)])
    # The SHA-256 of the shipped text the approver read.
    shipped = HiddenField(validators=[Regexp(r"^[0-9a-f]{64}$")])
