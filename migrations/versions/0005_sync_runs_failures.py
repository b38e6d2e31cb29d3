"""sync_runs.failures_json: the rows a run failed, with their reasons, so every view shows the same failures;
qb_tokens.custom_numbers: the company's custom-transaction-number preferences, read at connect time

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("failures_json", sa.Text, nullable=False, server_default="[]"))
    with op.batch_alter_table("qb_tokens") as batch:
        batch.add_column(sa.Column("custom_numbers", sa.String(100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("qb_tokens") as batch:
        batch.drop_column("custom_numbers")
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("failures_json")
