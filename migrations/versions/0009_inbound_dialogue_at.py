"""inbound messages: when a job first gave the message to the dialogue engine

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 08:00:00
"""
from alembic import op
import sqlalchemy as sa
import mara.db.models


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_messages') as batch:
        batch.add_column(sa.Column('dialogue_at', mara.db.models.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages') as batch:
        batch.drop_column('dialogue_at')
