"""staff alerts: who marked an alert as resolved on the follow-ups page

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 08:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('staff_alerts') as batch:
        batch.add_column(sa.Column('resolved_by', sa.String(length=120), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('staff_alerts') as batch:
        batch.drop_column('resolved_by')
