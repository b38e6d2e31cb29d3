"""daily snapshots of inv_tbl

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "daily_snapshots",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("snapshot_date", sa.Date, nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("row_count", sa.Integer, nullable=False),
        sa.Column("total_dollars", sa.String(40), nullable=False),
        sa.Column("rows_json", sa.Text, nullable=False),
        sa.UniqueConstraint("snapshot_date", name="uq_daily_snapshots_snapshot_date"),
    )


def downgrade() -> None:
    op.drop_table("daily_snapshots")
