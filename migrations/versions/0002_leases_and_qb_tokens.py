"""leases and the encrypted QuickBooks token store

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leases",
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("holder", sa.String(200), nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_table(
        "qb_tokens",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("realm_id", sa.String(40), nullable=False),
        sa.Column("environment", sa.String(20), nullable=False),
        sa.Column("token_ciphertext", sa.LargeBinary, nullable=False),
        sa.Column("access_expires_at", sa.Float, nullable=False),
        sa.Column("refresh_expires_at", sa.Float, nullable=False),
        sa.Column("connected_at", sa.Float, nullable=False),
        sa.Column("refreshed_at", sa.Float, nullable=False),
        sa.Column("company_name", sa.String(300), nullable=False, server_default=""),
        sa.Column("reconnect_reason", sa.String(500), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("qb_tokens")
    op.drop_table("leases")
