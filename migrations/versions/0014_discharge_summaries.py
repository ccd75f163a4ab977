"""Discharge summaries: one per episode (enrollment), their supervisor reviews and addenda.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import models

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('discharge_summaries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('completed', 'step-down', 'transfer', 'left', 'administrative', name='dischargereason', native_enum=False, length=20), nullable=False),
    sa.Column('discharged_on', sa.Date(), nullable=False),
    sa.Column('record', sa.JSON(), nullable=False),
    sa.Column('recommendations', sa.Text(), nullable=False),
    sa.Column('aftercare', sa.Text(), nullable=False),
    sa.Column('medications', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'signed', 'returned', 'co-signed', 'voided', name='logstate', native_enum=False, length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.UTCDateTime(), nullable=False),
    sa.Column('updated_at', models.UTCDateTime(), nullable=False),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', models.UTCDateTime(), nullable=True),
    sa.Column('attestation', sa.Text(), nullable=True),
    sa.Column('content_hash', sa.String(length=64), nullable=True),
    sa.Column('cosigned_by_id', sa.Integer(), nullable=True),
    sa.Column('cosigned_at', models.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['cosigned_by_id'], ['users.id'], name=op.f('fk_discharge_summaries_cosigned_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_discharge_summaries_created_by_id_users')),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], name=op.f('fk_discharge_summaries_enrollment_id_enrollments')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_discharge_summaries_participant_id_participants')),
    sa.ForeignKeyConstraint(['signed_by_id'], ['users.id'], name=op.f('fk_discharge_summaries_signed_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discharge_summaries')),
    sa.UniqueConstraint('enrollment_id', name=op.f('uq_discharge_summaries_enrollment_id'))
    )
    op.create_index(op.f('ix_discharge_summaries_participant_id'), 'discharge_summaries', ['participant_id'], unique=False)

    op.create_table('discharge_addenda',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', models.UTCDateTime(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_discharge_addenda_author_id_users')),
    sa.ForeignKeyConstraint(['summary_id'], ['discharge_summaries.id'], name=op.f('fk_discharge_addenda_summary_id_discharge_summaries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discharge_addenda'))
    )
    op.create_index(op.f('ix_discharge_addenda_summary_id'), 'discharge_addenda', ['summary_id'], unique=False)

    op.create_table('discharge_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('summary_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('co-signed', 'returned', name='reviewaction', native_enum=False, length=20), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', models.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_discharge_reviews_reviewer_id_users')),
    sa.ForeignKeyConstraint(['summary_id'], ['discharge_summaries.id'], name=op.f('fk_discharge_reviews_summary_id_discharge_summaries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_discharge_reviews'))
    )
    op.create_index(op.f('ix_discharge_reviews_summary_id'), 'discharge_reviews', ['summary_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_discharge_reviews_summary_id'), table_name='discharge_reviews')
    op.drop_table('discharge_reviews')
    op.drop_index(op.f('ix_discharge_addenda_summary_id'), table_name='discharge_addenda')
    op.drop_table('discharge_addenda')
    op.drop_index(op.f('ix_discharge_summaries_participant_id'), table_name='discharge_summaries')
    op.drop_table('discharge_summaries')
