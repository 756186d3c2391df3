"""One word for a council: the table `organisation` becomes `council`, every `org_id`
column `council_id`, their indexes and the team's unique name follow, and audit targets
written as "organisation:<id>" read "council:<id>". Data is kept as it is.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Tables with a council column, and whether it has an index of its own.
_COLUMNS = (
    ("learner", True),
    ("team", True),
    ("role_grant", True),
    ("audit_log", True),
    ("campaign", True),
    ("assessment", True),
    ("dashboard_token", False),
    ("dashboard_session", False),
)
_UNIQUE = ("teams_tenant_id", "slack_team_id")  # the council's unique platform links


def upgrade() -> None:
    _rename("organisation", "council", "org_id", "council_id", "org", "council")
    op.execute(
        "UPDATE audit_log SET target = 'council:' || substr(target, 14) "
        "WHERE target LIKE 'organisation:%'"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE audit_log SET target = 'organisation:' || substr(target, 9) "
        "WHERE target LIKE 'council:%'"
    )
    _rename("council", "organisation", "council_id", "org_id", "council", "org")


def _rename(
    old_table: str, new_table: str, old_column: str, new_column: str, old_word: str, new_word: str
) -> None:
    """Both databases rename tables and columns in place, keeping the data and the
    foreign keys (SQLite 3.26 on rewrites the references in other tables too); indexes
    are made again under their new names."""
    postgres = op.get_bind().dialect.name == "postgresql"
    for column in _UNIQUE:
        op.drop_index(f"ix_{old_table}_{column}", old_table)
    op.rename_table(old_table, new_table)
    for column in _UNIQUE:
        op.create_index(f"ix_{new_table}_{column}", new_table, [column], unique=True)
    for table, indexed in _COLUMNS:
        if indexed:
            op.drop_index(f"ix_{table}_{old_column}", table)
        op.alter_column(table, old_column, new_column_name=new_column)
        if indexed:
            op.create_index(f"ix_{table}_{new_column}", table, [new_column])
    old_unique, new_unique = f"uq_team_{old_word}_name", f"uq_team_{new_word}_name"
    if postgres:
        op.execute(f"ALTER TABLE team RENAME CONSTRAINT {old_unique} TO {new_unique}")
    else:
        _rename_sqlite_team_constraint(old_unique, new_unique)


def _rename_sqlite_team_constraint(old: str, new: str) -> None:
    """SQLite keeps a constraint's name in the table's definition and cannot rename it:
    the team table is made again from its own definition with the new name, and its rows
    put back. Foreign keys are checked at commit (`defer_foreign_keys`), by when every row
    other tables point at is back; nothing refers to a team with an ON DELETE action."""
    bind = op.get_bind()
    table_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'team'"
    ).scalar_one()
    index_sql = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master "
        "WHERE type = 'index' AND tbl_name = 'team' AND sql IS NOT NULL"
    ).scalars()
    indexes = list(index_sql)
    op.execute("PRAGMA defer_foreign_keys = ON")
    op.execute("CREATE TABLE _team_before AS SELECT * FROM team")
    op.execute("DROP TABLE team")
    op.execute(table_sql.replace(old, new))
    op.execute("INSERT INTO team SELECT * FROM _team_before")
    op.execute("DROP TABLE _team_before")
    for sql in indexes:
        op.execute(sql)
