"""Statements planned once per pooled connection (PostgreSQL)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from contact_hub.followups.models import FollowUp
from contact_hub.prepared import prepared_cursor, statements_prepared

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _prepared_like(text: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                       [f"%{text}%"])
        return cursor.fetchone()[0]


def test_a_prepared_cursor_s_statement_is_planned_once_per_connection():
    statement = "SELECT %s::int + 1 AS prepared_cursor_probe"

    for n in (1, 2, 3):
        with prepared_cursor() as cursor:
            cursor.execute(statement, [n])
            assert cursor.fetchone() == (n + 1,)

    assert _prepared_like("prepared_cursor_probe") == 1


def test_while_queries_are_logged_they_are_django_s_own_with_their_text():
    statement = "SELECT %s::int + 1 AS logged_probe"

    with CaptureQueriesContext(connection) as queries:
        for n in (1, 2):
            with prepared_cursor() as cursor, statements_prepared():
                cursor.execute(statement, [n])
                assert FollowUp.objects.filter(task_name="logged-probe").count() == 0

    assert [q["sql"] for q in queries.captured_queries][::2] == [
        "SELECT 1::int + 1 AS logged_probe", "SELECT 2::int + 1 AS logged_probe"]
    assert all("'logged-probe'" in q["sql"] for q in queries.captured_queries[1::2])
    assert _prepared_like("logged_probe") == 0


def test_a_prepared_cursor_s_errors_are_django_s():
    with pytest.raises(DatabaseError), prepared_cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table_here")


def test_the_orm_s_queries_in_a_block_are_prepared_and_django_s_cursors_come_back_after():
    FollowUp.objects.create(task_name="prepared-probe")

    with statements_prepared():
        for _ in range(3):
            assert FollowUp.objects.filter(task_name="prepared-probe").count() == 1

    assert _prepared_like('"followups_followup"."task_name" = $1') == 1
    with connection.cursor() as cursor:
        assert cursor.cursor.__class__.__name__ == "Cursor"  # Django's client-binding one
        assert hasattr(cursor.cursor, "callproc")


def test_django_s_own_cursors_are_never_prepared():
    FollowUp.objects.create(task_name="unprepared-probe")
    before = _prepared_like("")

    for _ in range(3):
        assert FollowUp.objects.filter(task_name="unprepared-probe").count() == 1

    assert _prepared_like("") == before


@pytest.mark.django_db(transaction=True)
def test_a_statement_planned_before_a_migration_changed_its_result_runs_on(settings):
    """Another process migrates (a column of the result changes type): the connection's plan
    of the statement is stale, and the statement is planned again rather than failing."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE prepared_probe (v integer)")
        cursor.execute("INSERT INTO prepared_probe VALUES (7)")
    statement = "SELECT v FROM prepared_probe WHERE v = %s"
    try:
        for _ in range(2):
            with prepared_cursor() as cursor:
                cursor.execute(statement, [7])
                assert cursor.fetchone() == (7,)
        assert _prepared_like("FROM prepared_probe") == 1
        database = connection.settings_dict
        with psycopg.connect(host=database["HOST"], port=database["PORT"],
                             user=database["USER"], dbname=database["NAME"],
                             autocommit=True) as migrating:
            migrating.execute("ALTER TABLE prepared_probe ALTER COLUMN v TYPE bigint")

        with prepared_cursor() as cursor:
            cursor.execute(statement, [7])
            assert cursor.fetchone() == (7,)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE prepared_probe")
