"""Discarded discharge summaries: a draft started by mistake is set aside by its author, kept
on file with who discarded it and when, and no longer holds the episode's one summary.

Revision ID: 0017
Revises: 0014
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0017"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_DISCARDED = "state != 'discarded'"


def upgrade() -> None:
    with op.batch_alter_table("discharge_summaries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("discarded_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("discarded_at", models.UTCDateTime(), nullable=True))
        batch_op.drop_constraint(batch_op.f("uq_discharge_summaries_enrollment_id"),
                                 type_="unique")
        batch_op.create_index("uq_discharge_summaries_episode", ["enrollment_id"], unique=True,
                              sqlite_where=sa.text(NOT_DISCARDED),
                              postgresql_where=sa.text(NOT_DISCARDED))
        batch_op.create_foreign_key(batch_op.f("fk_discharge_summaries_discarded_by_id_users"),
                                    "users", ["discarded_by_id"], ["id"])


def downgrade() -> None:
    # Fails while an episode has a discarded draft beside its summary: the old schema allowed
    # one row per episode, and removing a discarded draft would lose what an auditor reads.
    with op.batch_alter_table("discharge_summaries", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_discharge_summaries_discarded_by_id_users"),
                                 type_="foreignkey")
        batch_op.drop_index("uq_discharge_summaries_episode")
        batch_op.create_unique_constraint(batch_op.f("uq_discharge_summaries_enrollment_id"),
                                          ["enrollment_id"])
        batch_op.drop_column("discarded_at")
        batch_op.drop_column("discarded_by_id")
