"""On PostgreSQL the database itself refuses to change or delete an incident log entry.

A row trigger, so TRUNCATE (how the tests empty their database) still works; the application's
guard (contact_hub.staff.models.AppendOnlyModel) is all SQLite has. Someone with the rights to
drop the trigger can still rewrite the log: the keyed chain and the exported log heads
(incident_log_verify --against) catch that.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION incidents_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'incident log entries are append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'The incident log is evidence: append a new entry instead.';
END
$$;
CREATE TRIGGER incidents_logentry_append_only
    BEFORE UPDATE OR DELETE ON incidents_logentry
    FOR EACH ROW EXECUTE FUNCTION incidents_log_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS incidents_logentry_append_only ON incidents_logentry;
DROP FUNCTION IF EXISTS incidents_log_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ("incidents", "0005_log_chain_keyed"),
    ]

    operations = [
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
