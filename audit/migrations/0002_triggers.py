"""The audit trail in Postgres: append-only, and fed by triggers on every tracked table.

1. `audit_auditevent` refuses UPDATE and DELETE for every connection, raw SQL
   and bulk queryset updates included, and TRUNCATE too. The only way a
   TRUNCATE passes is the transaction-local flag `homeward.audit_allow_flush`
   in a database whose name starts with `test_` (Django's test databases),
   which only the test suite's flush between transactional tests sets; in
   production the application's role also holds no UPDATE, DELETE or TRUNCATE
   privilege on the table (docs/audit.md).

2. `audit_capture_change()` runs after every INSERT, UPDATE and DELETE of a
   tracked row and writes one `changed` event with the old and new values of
   the fields that changed (or `permission_granted` / `permission_revoked` for
   the guardian permission tables). Who and from where come from the
   django-pghistory context (`pghistory.context_metadata`, set transaction-
   locally by `audit.middleware.AuditMiddleware`); writes outside a request
   (seeding, a migration, psql) are recorded with no actor.

   Trigger arguments, by position:
   0 object type (app_label.model)
   1 the column holding the case id, or the value to look the case up by
   2 a query turning that value into the case id ('' when it is the case id)
   3 the column holding the returnee id ('' for none)
   4 columns ignored (an update touching only these writes no event)
   5 columns whose values are never copied (the field name is still recorded)
   6 'grant' for the object-permission tables
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION audit_forbid_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'TRUNCATE'
       AND coalesce(current_setting('homeward.audit_allow_flush', true), '') = 'on'
       AND current_database() LIKE 'test\\_%' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_auditevent_append_only
    BEFORE UPDATE OR DELETE ON audit_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_forbid_change();
CREATE TRIGGER audit_auditevent_no_truncate
    BEFORE TRUNCATE ON audit_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_forbid_change();
"""

UNFORBID = """
DROP TRIGGER IF EXISTS audit_auditevent_append_only ON audit_auditevent;
DROP TRIGGER IF EXISTS audit_auditevent_no_truncate ON audit_auditevent;
DROP FUNCTION IF EXISTS audit_forbid_change();
"""

CAPTURE = """
CREATE OR REPLACE FUNCTION audit_capture_change() RETURNS trigger AS $$
DECLARE
    old_row jsonb := CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) ELSE '{}'::jsonb END;
    new_row jsonb := CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) ELSE '{}'::jsonb END;
    row_data jsonb;
    ignored text[] := coalesce(string_to_array(NULLIF(TG_ARGV[4], ''), ','), '{}');
    redacted text[] := coalesce(string_to_array(NULLIF(TG_ARGV[5], ''), ','), '{}');
    old_diff jsonb := '{}'::jsonb;
    new_diff jsonb := '{}'::jsonb;
    extra jsonb := '{}'::jsonb;
    col text;
    ctx jsonb;
    actor bigint;
    actor_name text := '';
    actor_agency bigint;
    case_ref bigint;
    returnee_ref bigint;
    action text := 'changed';
    lookup_value text;
BEGIN
    row_data := CASE WHEN TG_OP = 'DELETE' THEN old_row ELSE new_row END;
    FOR col IN SELECT jsonb_object_keys(old_row || new_row) LOOP
        CONTINUE WHEN col = ANY(ignored);
        CONTINUE WHEN TG_OP = 'UPDATE' AND (old_row -> col) IS NOT DISTINCT FROM (new_row -> col);
        IF TG_OP <> 'INSERT' THEN
            old_diff := old_diff || jsonb_build_object(col, CASE WHEN col = ANY(redacted)
                THEN to_jsonb('[redacted]'::text) ELSE old_row -> col END);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            new_diff := new_diff || jsonb_build_object(col, CASE WHEN col = ANY(redacted)
                THEN to_jsonb('[redacted]'::text) ELSE new_row -> col END);
        END IF;
    END LOOP;
    IF TG_OP = 'UPDATE' AND new_diff = '{}'::jsonb THEN
        RETURN NULL;
    END IF;

    ctx := NULLIF(current_setting('pghistory.context_metadata', true), '')::jsonb;
    actor := NULLIF(ctx ->> 'user', '')::bigint;
    IF actor IS NOT NULL THEN
        SELECT u.username INTO actor_name FROM auth_user u WHERE u.id = actor;
        SELECT min(a.id) INTO actor_agency FROM referrals_agency a
            JOIN auth_user_groups ug ON ug.group_id = a.group_id WHERE ug.user_id = actor;
    END IF;

    IF TG_ARGV[1] <> '' THEN
        lookup_value := row_data ->> TG_ARGV[1];
        IF TG_ARGV[2] <> '' THEN
            EXECUTE TG_ARGV[2] INTO case_ref USING lookup_value::bigint;
        ELSE
            case_ref := lookup_value::bigint;
        END IF;
    END IF;
    IF TG_ARGV[3] <> '' THEN
        returnee_ref := (row_data ->> TG_ARGV[3])::bigint;
    END IF;

    IF TG_ARGV[6] = 'grant' THEN
        action := CASE TG_OP WHEN 'INSERT' THEN 'permission_granted'
                             WHEN 'DELETE' THEN 'permission_revoked' ELSE 'changed' END;
        extra := jsonb_build_object(
            'permission',
            (SELECT p.codename FROM auth_permission p
              WHERE p.id = (row_data ->> 'permission_id')::bigint),
            'grantee_agency_id',
            (SELECT a.id FROM referrals_agency a
              WHERE a.group_id = (row_data ->> 'group_id')::bigint),
            'grantee_user_id', (row_data -> 'user_id'),
            'grantee_group_id', (row_data -> 'group_id'));
    END IF;

    INSERT INTO audit_auditevent (at, action, actor_id, actor_username, agency_id, case_id,
        returnee_id, object_type, object_id, ip_address, path, method, detail)
    VALUES (now(), action, actor, coalesce(actor_name, ''), actor_agency, case_ref,
        returnee_ref, TG_ARGV[0], coalesce(row_data ->> 'id', ''),
        NULLIF(ctx ->> 'ip', '')::inet, left(coalesce(ctx ->> 'url', ''), 500),
        left(coalesce(ctx ->> 'method', ''), 10),
        jsonb_build_object('op', lower(TG_OP), 'table', TG_TABLE_NAME,
            'request', NULLIF(current_setting('pghistory.context_id', true), ''),
            'old', old_diff, 'new', new_diff) || extra);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""

BY_RETURNEE = "SELECT id FROM casework_case WHERE returnee_id = $1"
BY_ASSESSMENT = "SELECT case_id FROM casework_triageassessment WHERE id = $1"
BY_NOTE = "SELECT case_id FROM casework_note WHERE id = $1"
NOISE = "updated_at,version"

# table -> (object type, case column, case lookup, returnee column, ignored, redacted, mode)
TRACKED = {
    "casework_case": ("casework.case", "id", "", "returnee_id", NOISE, "", ""),
    "casework_triageassessment": ("casework.triageassessment", "case_id", "", "", "", "", ""),
    "casework_triagedecision": (
        "casework.triagedecision", "assessment_id", BY_ASSESSMENT, "", "", "", "",
    ),
    "casework_custodyepisode": ("casework.custodyepisode", "case_id", "", "", "", "", ""),
    "casework_goal": ("casework.goal", "case_id", "", "", NOISE, "", ""),
    "casework_goalrevision": ("casework.goalrevision", "case_id", "", "", "", "", ""),
    "casework_note": ("casework.note", "case_id", "", "", "", "", ""),
    "casework_noterevision": ("casework.noterevision", "note_id", BY_NOTE, "", "", "", ""),
    "casework_flag": ("casework.flag", "case_id", "", "", "", "", ""),
    "casework_flagevent": ("casework.flagevent", "case_id", "", "", "", "", ""),
    "casework_review": ("casework.review", "case_id", "", "", "", "", ""),
    "casework_followup": ("casework.followup", "case_id", "", "", "", "", ""),
    "casework_casestatuschange": ("casework.casestatuschange", "case_id", "", "", "", "", ""),
    "returnees_returnee": ("returnees.returnee", "id", BY_RETURNEE, "id", "", "", ""),
    "returnees_familycontact": (
        "returnees.familycontact", "returnee_id", BY_RETURNEE, "returnee_id", "", "", "",
    ),
    "referrals_referral": ("referrals.referral", "case_id", "", "", NOISE, "", ""),
    "referrals_referralevent": ("referrals.referralevent", "case_id", "", "", "", "", ""),
    "referrals_consentrecord": ("referrals.consentrecord", "case_id", "", "", "", "", ""),
    "referrals_leadtransfer": ("referrals.leadtransfer", "case_id", "", "", "", "", ""),
    "referrals_agency": ("referrals.agency", "", "", "", "", "", ""),
    # Signing in touches last_login: that is a login event, not a change of the account.
    "auth_user": ("auth.user", "", "", "", "last_login", "password", ""),
    "auth_user_groups": ("auth.user_groups", "", "", "", "", "", ""),
    "auth_group_permissions": ("auth.group_permissions", "", "", "", "", "", ""),
    "auth_user_user_permissions": ("auth.user_user_permissions", "", "", "", "", "", ""),
    "casework_casegroupobjectpermission": (
        "casework.casegroupobjectpermission", "content_object_id", "", "", "", "", "grant",
    ),
    "casework_caseuserobjectpermission": (
        "casework.caseuserobjectpermission", "content_object_id", "", "", "", "", "grant",
    ),
}


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def create_trigger(table: str, args: tuple) -> str:
    return (
        f"CREATE TRIGGER {table}_audit AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_capture_change({', '.join(map(_quote, args))});"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("casework", "0008_reminders"),
        ("referrals", "0004_consent_insert_only"),
        ("returnees", "0002_family_contacts"),
    ]

    operations = [
        migrations.RunSQL(FORBID, UNFORBID),
        migrations.RunSQL(CAPTURE, "DROP FUNCTION IF EXISTS audit_capture_change();"),
        *[
            migrations.RunSQL(
                create_trigger(table, args), f"DROP TRIGGER IF EXISTS {table}_audit ON {table};"
            )
            for table, args in TRACKED.items()
        ],
    ]
