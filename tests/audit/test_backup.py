"""A backup restores into a database that serves the same cases, trail and triggers included.

Committed data (a transactional test): `pg_dump` runs in another process and
sees only what is committed. The restored copy lives in a scratch database,
dropped at the end.
"""

import os

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from audit.models import AuditAction

# Rows compared between the live and the restored database: the cases with their
# references' ids, returnees, lead agencies, and the grants that decide who sees them.
SNAPSHOT = {
    "cases": "SELECT id, returnee_id, lead_agency_id, status, category FROM casework_case",
    "names": "SELECT id, given_name, family_name FROM returnees_returnee",
    "group grants": "SELECT content_object_id, group_id, permission_id "
    "FROM casework_casegroupobjectpermission",
    "user grants": "SELECT content_object_id, user_id, permission_id "
    "FROM casework_caseuserobjectpermission",
    "audit trail": "SELECT id, action, actor_id, case_id, detail::text FROM audit_auditevent",
    "audit triggers": "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal "
    "AND (tgname LIKE 'audit%%' OR tgname LIKE '%%_audit')",
}


def connect(dbname: str):
    params = connection.get_connection_params()
    params["dbname"] = dbname
    params.pop("database", None)
    return psycopg2.connect(**params)


def snapshot(conn) -> dict:
    with conn.cursor() as cursor:
        taken = {}
        for name, sql in SNAPSHOT.items():
            cursor.execute(sql)
            taken[name] = sorted(cursor.fetchall(), key=repr)
    return taken


@pytest.fixture
def scratch_database():
    name = f"{connection.settings_dict['NAME']}_restore_{os.getpid()}"
    admin = connect("postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
    yield name
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore_round_trip_serves_the_same_cases(
    cast, register, client_of, tmp_path, scratch_database
):
    cases = [register(region="bishkek") for _ in range(3)]
    client_of(cast.social_worker).get(reverse("casework:case_detail", args=[cases[0].pk]))
    dump = tmp_path / "homeward.dump"

    call_command("backup", output=dump)
    call_command("restore", dump, database=scratch_database)

    live = snapshot(connection.connection)
    restored_conn = connect(scratch_database)
    try:
        restored = snapshot(restored_conn)
        assert restored == live
        assert len(restored["audit triggers"]) > 20
        assert {row[0] for row in restored["cases"]} == {c.pk for c in cases}
        assert AuditAction.CASE_VIEWED in {row[1] for row in restored["audit trail"]}
        # The same question the caseload asks: which cases may the social worker see?
        with restored_conn.cursor() as cursor:
            cursor.execute(
                "SELECT DISTINCT g.content_object_id FROM casework_casegroupobjectpermission g "
                "JOIN auth_user_groups ug ON ug.group_id = g.group_id "
                "JOIN auth_permission p ON p.id = g.permission_id "
                "WHERE ug.user_id = %s AND p.codename = 'view_case'",
                [cast.social_worker.pk],
            )
            assert {row[0] for row in cursor.fetchall()} == {c.pk for c in cases}
        # The trail is still append-only in the copy.
        with restored_conn.cursor() as cursor:
            for statement in (
                "UPDATE audit_auditevent SET action = 'x'",
                "DELETE FROM audit_auditevent",
            ):
                with pytest.raises(psycopg2.IntegrityError, match="append-only"):
                    cursor.execute(statement)
                restored_conn.rollback()
    finally:
        restored_conn.close()
