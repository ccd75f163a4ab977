"""The watch list: staff acknowledgements of a participant's watch-list reasons, append-only.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0012"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('watch_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('craving', 'use', 'missed', name='watchreason', native_enum=False, length=20), nullable=False),
    sa.Column('log_ids', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_watch_acknowledgements_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_watch_acknowledgements_participant_id_participants')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_watch_acknowledgements'))
    )
    op.create_index(op.f('ix_watch_acknowledgements_participant_id'), 'watch_acknowledgements', ['participant_id'], unique=False)

    _forbid_acknowledgement_changes()


def _forbid_acknowledgement_changes() -> None:
    """The database itself refuses UPDATE and DELETE on acknowledgements, whoever connects."""
    if op.get_context().dialect.name == "sqlite":
        for verb in ("update", "delete"):
            op.execute(f"CREATE TRIGGER watch_acknowledgements_no_{verb} BEFORE {verb.upper()} "
                       "ON watch_acknowledgements BEGIN "
                       "SELECT RAISE(ABORT, 'acknowledgements are append-only'); END")
    else:
        op.execute("CREATE FUNCTION watch_acknowledgements_append_only() RETURNS trigger "
                   "LANGUAGE plpgsql AS $$ BEGIN "
                   "RAISE EXCEPTION 'acknowledgements are append-only'; END $$")
        op.execute("CREATE TRIGGER watch_acknowledgements_append_only BEFORE UPDATE OR DELETE "
                   "ON watch_acknowledgements FOR EACH ROW "
                   "EXECUTE FUNCTION watch_acknowledgements_append_only()")


def downgrade() -> None:
    if op.get_context().dialect.name == "sqlite":
        op.execute("DROP TRIGGER watch_acknowledgements_no_update")
        op.execute("DROP TRIGGER watch_acknowledgements_no_delete")
    else:
        op.execute("DROP TRIGGER watch_acknowledgements_append_only ON watch_acknowledgements")
        op.execute("DROP FUNCTION watch_acknowledgements_append_only()")
    op.drop_index(op.f('ix_watch_acknowledgements_participant_id'), table_name='watch_acknowledgements')
    op.drop_table('watch_acknowledgements')
