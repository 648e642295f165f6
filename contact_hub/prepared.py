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

import psycopg
from django.db import connection
from django.db.backends.utils import CursorWrapper


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A cursor for one fixed statement (intake's, say)."""
    if not _preparing():
        with connection.cursor() as cursor:
            yield cursor
        return
    connection.validate_thread_sharing()
    with connection.wrap_database_errors:
        raw = psycopg.Cursor(connection.connection)
    # The stubs type it as taking a wrapper; Django passes it the driver's cursor.
    with connection.make_cursor(raw) as cursor:  # type: ignore[arg-type]
        yield cursor


@contextmanager
def statements_prepared() -> Iterator[None]:
    """Every query the block runs, the ORM's included, on cursors like prepared_cursor's: for
    a read whose queries keep their shape from one request to the next (the dashboard's
    queue), which the connection then plans once."""
    if not _preparing():
        yield
        return
    driver = connection.connection
    factory = driver.cursor_factory
    driver.cursor_factory = psycopg.Cursor
    try:
        yield
    finally:
        driver.cursor_factory = factory


def _preparing() -> bool:
    if connection.vendor != "postgresql" or connection.queries_logged:
        return False
    connection.ensure_connection()
    return True
