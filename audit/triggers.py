"""How a table joins the audit trail: one migration operation, `track_changes`.

Every tracked table carries the row-change trigger `audit_capture_change`
(audit/migrations/0002_triggers.py defines the function and tracks the first
tables), given: the object type the trail names, the column holding the case id
(or a lookup from another column to it), the column holding the person, the
bookkeeping columns a change of which alone is no event, the columns whose
values the trail must not keep, and a mode. Apps that add a table to track call
this from their migrations, so the arguments are spelled in one place.
"""

from django.db import migrations


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _create(table: str, args: tuple[str, ...]) -> str:
    return (
        f"DROP TRIGGER IF EXISTS {table}_audit ON {table}; "
        f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_capture_change({', '.join(map(_quote, args))});"
    )


def _trigger_args(
    object_type: str,
    *,
    case_column: str,
    case_lookup: str = "",
    returnee_column: str = "",
    ignored: tuple[str, ...] = (),
    redacted: tuple[str, ...] = (),
    mode: str = "",
) -> tuple[str, ...]:
    return (
        object_type,
        case_column,
        case_lookup,
        returnee_column,
        ",".join(ignored),
        ",".join(redacted),
        mode,
    )


def track_changes(table: str, object_type: str, **options) -> migrations.RunSQL:
    """A migration operation that puts `table`'s row changes in the trail (and takes
    the trigger away when migrated back)."""
    return migrations.RunSQL(
        _create(table, _trigger_args(object_type, **options)),
        f"DROP TRIGGER IF EXISTS {table}_audit ON {table};",
    )
