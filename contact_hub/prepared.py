"""Statements PostgreSQL parses and plans once per pooled connection, not once a request.

Django's cursors bind parameters on the client: each query goes as one text with its values
quoted in, which the driver pays for in quoting and PostgreSQL in parsing and planning again,
every time. The hub's hottest reads and writes have a fixed shape, so here they go with their
parameters apart, and the connection prepares a statement the second time it runs it (OPTIONS
prepare_threshold; Django's own cursors are never prepared).

Otherwise these are Django's cursors, and their errors Django's. While queries are logged
(DEBUG, or a test counting them) they are Django's own: a prepared statement is run by name,
without its text, which the log would show as nothing. PostgreSQL only; elsewhere too both
are Django's plain cursors.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Self

import psycopg
from django.db import connection
from django.db.backends.utils import CursorWrapper


class _PlannedCursor(psycopg.Cursor):
    """psycopg's server-binding cursor, for statements planned once, which recovers from a
    plan made stale by a migration (a column of the result changed type) on its connection."""

    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Self:
        try:
            return super().execute(query, params, **kwargs)
        except psycopg.errors.FeatureNotSupported:
            # "cached plan must not change result type". In a transaction the rollback that
            # follows makes psycopg forget the connection's statements; outside one, forget
            # them now (psycopg reads DEALLOCATE ALL so) and run it again.
            if self.connection.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                raise
            super().execute("DEALLOCATE ALL")
            return super().execute(query, params, **kwargs)


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor for one fixed statement (intake's, say)."""
    driver = _driver_to_prepare_on()
    if driver is None:
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = _PlannedCursor(driver)
    # The stubs type it as taking a wrapper; Django passes it the driver's cursor.
    with connection.make_cursor(raw) as cursor:  # type: ignore[arg-type]
        yield cursor


@contextmanager
def statements_prepared() -> Iterator[None]:
    """Every query the block runs, the ORM's included, on cursors like prepared_cursor's: for
    a read whose queries keep their shape from one request to the next (the dashboard's
    queue), which the connection then plans once."""
    driver = _driver_to_prepare_on()
    if driver is None:
        yield
        return
    factory = driver.cursor_factory
    driver.cursor_factory = _PlannedCursor
    try:
        yield
    finally:
        driver.cursor_factory = factory


def _driver_to_prepare_on() -> psycopg.Connection | None:
    """The driver's connection, connected, where statements are prepared: PostgreSQL, with
    queries not being logged."""
    if connection.vendor != "postgresql" or connection.queries_logged:
        return None
    connection.ensure_connection()
    return connection.connection
