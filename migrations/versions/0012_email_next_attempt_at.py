"""e-mails: a lease on the send claim, so the recovery sweep takes what a dead sender left

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 09:10:00
"""
from alembic import op
import sqlalchemy as sa
import mara.db.models


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('email_messages') as batch:
        batch.add_column(sa.Column('next_attempt_at', mara.db.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('email_messages') as batch:
        batch.drop_column('next_attempt_at')
