"""INSERT … SELECT statements built from a model instance, for writing several related rows in
one round trip on PostgreSQL (data-modifying WITH queries).

The columns and values are the ones Django's own save() would insert: every concrete field but
the auto primary key, with defaults and auto_now_add applied to the instance, prepared by the
field. Only the columns named in `expressions` come from the SELECT instead (a key returned by an
earlier step, say), so the statement stays in step with the model as it changes.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import Model


def insert_select(instance: Model, *, source: str,
                  expressions: dict[str, str]) -> tuple[str, list[Any]]:
    """`INSERT INTO <table> (<columns>) SELECT <values> FROM <source>` and its parameters.

    `expressions` maps a field's column to SQL over `source`; every other column takes the
    instance's value as a parameter. The caller appends ON CONFLICT / RETURNING as it needs.
    """
    meta = type(instance)._meta
    quote = connection.ops.quote_name
    columns, values, params = [], [], []
    for field in meta.local_concrete_fields:
        if field is meta.pk or field.generated:
            continue
        columns.append(quote(field.column))
        if field.column in expressions:
            values.append(expressions[field.column])
        else:
            values.append("%s")
            params.append(field.get_db_prep_save(field.pre_save(instance, True), connection))
    unknown = set(expressions) - {field.column for field in meta.local_concrete_fields}
    if unknown:
        raise ValueError(f"{meta.label} has no column {sorted(unknown)}")
    # Names from the model and the caller's fixed SQL only; every value is a parameter.
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
           f"SELECT {', '.join(values)} FROM {source}")
    return sql, params


def select_list(model: type[Model], table_alias: str, prefix: str) -> tuple[str, list[str]]:
    """`alias.col AS prefix_col, …` for every concrete field, and the field names in order, so
    rows can be turned back into instances with `model.from_db`."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    sql = ", ".join(f"{table_alias}.{quote(f.column)} AS {quote(prefix + f.column)}"
                    for f in fields)
    return sql, [f.attname for f in fields]
