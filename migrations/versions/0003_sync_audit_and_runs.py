"""sync audit tables (invoices, bills) and sync_runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _audit(name: str) -> None:
    op.create_table(
        name,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sheet", sa.String(300), nullable=False),
        sa.Column("worksheet", sa.String(200), nullable=False),
        sa.Column("row_key", sa.String(200), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=True),
        sa.Column("payload_hash", sa.String(64), nullable=True),
        sa.Column("payload_json", sa.Text, nullable=True),
        sa.Column("row_fingerprint", sa.String(64), nullable=True),
        sa.Column("qb_id", sa.String(40), nullable=True),
        sa.Column("doc_number", sa.String(40), nullable=True),
        sa.Column("qb_url", sa.String(300), nullable=True),
        sa.Column("party_name", sa.String(500), nullable=True),
        sa.Column("amount", sa.String(40), nullable=True),
        sa.Column("response_json", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("sheet", "worksheet", "row_key", name=f"uq_{name}_sheet"),
    )


def upgrade() -> None:
    _audit("qb_invoice_audit")
    _audit("qb_bill_audit")
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("directions", sa.String(40), nullable=False),
        sa.Column("dry_run", sa.Integer, nullable=False, server_default="0"),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", sa.Float, nullable=False),
        sa.Column("finished_at", sa.Float, nullable=True),
        sa.Column("rows_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("rows_done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("counts_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("error", sa.Text, nullable=True),
    )


def downgrade() -> None:
    op.drop_table("sync_runs")
    op.drop_table("qb_bill_audit")
    op.drop_table("qb_invoice_audit")
