"""INSERT … SELECT statements built from a model, for writing several related rows in one round
trip on PostgreSQL (data-modifying WITH queries).

The columns and values are the ones Django's own save() would insert: every concrete field but
the auto primary key, with defaults and auto_now_add applied to the instance, prepared by the
field. Only the columns named in `expressions` come from the SELECT instead (a key returned by an
earlier step, say), so the statement stays in step with the model as it changes. The statement
text depends only on the model and the expressions, so it is built once; each insert prepares
just its parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Field, Model

# Databases whose data-modifying WITH queries let related rows go in one statement.
ONE_STATEMENT_VENDORS = frozenset({"postgresql"})


def insert_select_sql(model: type[Model], *, source: str, expressions: dict[str, str]) -> str:
    """`INSERT INTO <table> (<columns>) SELECT <values> FROM <source>`: `expressions` maps a
    column to SQL over `source`; every other column is a parameter, in the order
    `insert_params` gives. The caller appends ON CONFLICT / RETURNING as it needs."""
    return _insert_select_sql(model, source, tuple(sorted(expressions.items())))


def insert_params(instance: Model, *, expressions: Iterable[str]) -> list[Any]:
    """The instance's values for the statement's parameters (the columns not in `expressions`)."""
    skip = set(expressions)
    return [field.get_db_prep_save(field.pre_save(instance, True), connection)
            for field in _inserted_fields(type(instance)) if field.column not in skip]


@functools.cache
def _insert_select_sql(model: type[Model], source: str,
                       expressions: tuple[tuple[str, str], ...]) -> str:
    by_column = dict(expressions)
    fields = _inserted_fields(model)
    unknown = set(by_column) - {field.column for field in fields}
    if unknown:
        raise ValueError(f"{model._meta.label} has no column {sorted(unknown)}")
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    values = ", ".join(by_column.get(field.column, "%s") for field in fields)
    # Names from the model and the caller's fixed SQL only; every value is a parameter.
    return (f"INSERT INTO {quote(model._meta.db_table)} ({columns}) "  # noqa: S608
            f"SELECT {values} FROM {source}")


def _inserted_fields(model: type[Model]) -> list[Field]:
    meta = model._meta
    return [field for field in meta.local_concrete_fields
            if field is not meta.pk and not field.generated]


@functools.cache
def select_list(model: type[Model], table_alias: str, prefix: str) -> tuple[str, list[str]]:
    """`alias.col AS prefix_col, …` for every concrete field, and the field names in order, so
    rows can be turned back into instances with `model.from_db`."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    sql = ", ".join(f"{table_alias}.{quote(f.column)} AS {quote(prefix + f.column)}"
                    for f in fields)
    return sql, [f.attname for f in fields]
