"""On PostgreSQL the database itself refuses to change or delete an access event (or the list
of people a list page's event names).

A row trigger, so TRUNCATE (how the tests empty their database) still works; the application's
guard (contact_hub.staff.models.AppendOnlyModel) is all SQLite has. The day's access events are
also exported as a keyed digest (incident_log_heads_export), so a change made by someone able
to drop the trigger is still named by incident_log_verify --against.
"""

from django.db import migrations

TABLES = ("staff_accessevent", "staff_accesseventperson")

CREATE = """
CREATE OR REPLACE FUNCTION staff_access_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Access events are evidence of who looked at whose record.';
END
$$;
""" + "".join(f"""
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION staff_access_log_append_only();
""" for table in TABLES)

DROP = "".join(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};\n"
               for table in TABLES) + "DROP FUNCTION IF EXISTS staff_access_log_append_only();\n"


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('staff', '0005_role_change_request'),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
