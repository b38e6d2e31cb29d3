"""After the invoice exists: what QuickBooks says of each created transaction (balance, paid date, voided or
deleted), the sheet content it was made from (to find edits), the sync's own changes to the row's status, earlier
versions of updated transactions, BillPayments, and the Change Data Capture mark

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

AUDIT_TABLES = ("qb_invoice_audit", "qb_bill_audit")
AUDIT_COLUMNS = (
    ("content_json", sa.Text), ("qb_sync_token", sa.String(20)), ("qb_total", sa.String(40)),
    ("qb_balance", sa.String(40)), ("qb_paid_date", sa.String(10)),
    ("qb_due_date", sa.String(10)), ("qb_state", sa.String(20)),
    ("qb_state_date", sa.String(10)), ("status_before_paid", sa.String(100)), ("paid_date_filled", sa.String(10)),
)


def upgrade() -> None:
    for table in AUDIT_TABLES:
        with op.batch_alter_table(table) as batch:
            for name, kind in AUDIT_COLUMNS:
                batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "qb_audit_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("sheet", sa.String(300), nullable=False),
        sa.Column("worksheet", sa.String(200), nullable=False),
        sa.Column("row_key", sa.String(200), nullable=False),
        sa.Column("qb_id", sa.String(40), nullable=True),
        sa.Column("qb_sync_token", sa.String(20), nullable=True),
        sa.Column("payload_json", sa.Text, nullable=True),
        sa.Column("content_json", sa.Text, nullable=True),
        sa.Column("recorded_at", sa.Float, nullable=False),
    )
    op.create_index("ix_qb_audit_versions_row", "qb_audit_versions", ["direction", "sheet", "worksheet", "row_key"])
    op.create_table(
        "qb_bill_payment_audit",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sheet", sa.String(300), nullable=False),
        sa.Column("worksheet", sa.String(200), nullable=False),
        sa.Column("row_key", sa.String(200), nullable=False),
        sa.Column("bill_id", sa.String(40), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=True),
        sa.Column("payload_json", sa.Text, nullable=True),
        sa.Column("qb_id", sa.String(40), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.UniqueConstraint("sheet", "worksheet", "row_key"),
    )
    op.create_table(
        "qb_marks",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("value", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("qb_marks")
    op.drop_table("qb_bill_payment_audit")
    op.drop_index("ix_qb_audit_versions_row", "qb_audit_versions")
    op.drop_table("qb_audit_versions")
    for table in AUDIT_TABLES:
        with op.batch_alter_table(table) as batch:
            for name, _ in reversed(AUDIT_COLUMNS):
                batch.drop_column(name)
