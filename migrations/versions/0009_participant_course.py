"""The participant's course: treatment goals and their append-only history, goal links on
notes, check-in measures on notes, the group setting that requires a goal link, and the
spot-check item "tied to a goal".

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('treatment_goals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('problem', sa.Text(), nullable=False),
    sa.Column('goal', sa.Text(), nullable=False),
    sa.Column('objective', sa.Text(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('status', sa.Enum('active', 'met', 'revised', 'dropped', name='goalstatus', native_enum=False, length=20), nullable=False),
    sa.Column('plan_reference', sa.String(length=120), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_treatment_goals_created_by_id_users')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_treatment_goals_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_treatment_goals'))
    )
    with op.batch_alter_table('treatment_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_treatment_goals_participant_id'), ['participant_id'], unique=False)

    op.create_table('goal_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', models.UTCDateTime(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['users.id'], name=op.f('fk_goal_changes_changed_by_id_users')),
    sa.ForeignKeyConstraint(['goal_id'], ['treatment_goals.id'], name=op.f('fk_goal_changes_goal_id_treatment_goals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_goal_changes'))
    )
    with op.batch_alter_table('goal_changes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_goal_changes_goal_id'), ['goal_id'], unique=False)

    op.create_table('note_goals',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=False),
    sa.Column('goal_text', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['goal_id'], ['treatment_goals.id'], name=op.f('fk_note_goals_goal_id_treatment_goals')),
    sa.ForeignKeyConstraint(['note_id'], ['participant_notes.id'], name=op.f('fk_note_goals_note_id_participant_notes')),
    sa.PrimaryKeyConstraint('note_id', 'goal_id', name=op.f('pk_note_goals'))
    )
    with op.batch_alter_table('note_goals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_note_goals_goal_id'), ['goal_id'], unique=False)

    op.add_column('groups', sa.Column('is_goal_link_required', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.add_column('participant_notes', sa.Column('craving', sa.Integer(), nullable=True))
    op.add_column('participant_notes', sa.Column('mood', sa.Integer(), nullable=True))
    op.add_column('participant_notes', sa.Column('use_since_last_group', sa.Enum('none', 'yes', 'declined', name='substanceuse', native_enum=False, length=20), nullable=True))
    op.add_column('participant_notes', sa.Column('use_days', sa.Integer(), nullable=True))
    op.add_column('spot_check_items', sa.Column('is_tied_to_goal', sa.Boolean(), nullable=True))

    _forbid_goal_history_changes()


def _forbid_goal_history_changes() -> None:
    """The database itself refuses UPDATE and DELETE on a goal's history, whoever connects."""
    if op.get_context().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"CREATE TRIGGER goal_changes_no_{verb} BEFORE {verb.upper()} "
                       "ON goal_changes BEGIN "
                       "SELECT RAISE(ABORT, 'goal history is append-only'); END")
    else:
        op.execute("CREATE FUNCTION goal_changes_append_only() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ BEGIN "
                   "RAISE EXCEPTION 'goal history is append-only'; END $$")
        op.execute("CREATE TRIGGER goal_changes_append_only BEFORE UPDATE OR DELETE "
                   "ON goal_changes FOR EACH ROW EXECUTE FUNCTION goal_changes_append_only()")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TRIGGER goal_changes_no_update")
        op.execute("DROP TRIGGER goal_changes_no_delete")
    else:
        op.execute("DROP TRIGGER goal_changes_append_only ON goal_changes")
        op.execute("DROP FUNCTION goal_changes_append_only()")

    op.drop_column('spot_check_items', 'is_tied_to_goal')
    op.drop_column('participant_notes', 'use_days')
    op.drop_column('participant_notes', 'use_since_last_group')
    op.drop_column('participant_notes', 'mood')
    op.drop_column('participant_notes', 'craving')
    op.drop_column('groups', 'is_goal_link_required')

    with op.batch_alter_table('note_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_note_goals_goal_id'))

    op.drop_table('note_goals')
    with op.batch_alter_table('goal_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_goal_changes_goal_id'))

    op.drop_table('goal_changes')
    with op.batch_alter_table('treatment_goals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_treatment_goals_participant_id'))

    op.drop_table('treatment_goals')
