"""Reads of a fixed shape whose SQL the ORM compiles once per process, not on every request.

The dashboard's whole-queue fetch runs the same dozen reads every time, with new values only;
building their querysets and compiling them cost it more than PostgreSQL spends running them.
A FixedRead is still an ordinary queryset, written with the models and the visibility rules
(so there is one way of saying what is read): it is built once with stand-ins for its values,
its SQL kept, and each later read runs that SQL with the real values in the stand-ins' places,
on a cursor that PostgreSQL plans once (contact_hub.prepared), with Django's own converters on
the rows it returns.

A value may be an int, a str, a datetime or a list of ints or strs (an `__in`); None and
booleans are part of the shape, so a build may branch on them. Each is a filter's value and
nothing more: a build that does anything else with one (arithmetic, formatting it into a
string) is refused when it is compiled. On PostgreSQL a list goes as one array, its `IN (…)`
written `= ANY(…)`, so one statement serves every length (and psycopg, which keeps its work on
a statement of at most 50 parameters only, keeps it). Elsewhere a list's shape is its length
rounded up to a power of two, filled out with its last value (an `__in` means the same with it
repeated), so a read has a few shapes, not one for every length. Anything else the build reads
(a module's constant, a setting) is as it was when the shape was compiled.

A read is compiled twice, with two sets of stand-ins unlike each other (far apart, upper and
lower case, `%`, `_` and `\\`): a value the ORM changes on its way in (escaping it for a LIKE,
lowercasing it) or that changes the statement is found so, and refused.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Generic, TypeVar
from weakref import WeakKeyDictionary

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesListIterable
from django.db.models.sql.compiler import SQLCompiler

from contact_hub.prepared import prepared_cursor

M = TypeVar("M", bound=Model)

# Two sets of stand-ins no constant of a read comes near: dates centuries ahead, and ints well
# inside a small integer's range (for every integer field, Django leaves out a filter on a
# value at or past its field's ends, which it knows is always true or never).
_STAND_INS = (
    (lambda n: 22_222 + n, lambda n: datetime(2468, 2, 29, tzinfo=UTC) + timedelta(
        microseconds=n), lambda n: f"fixed-read-stand-in-{n}"),
    (lambda n: 13_331 + 97 * n, lambda n: datetime(2345, 6, 7, 8, 9, 10, tzinfo=UTC) + timedelta(
        seconds=n, microseconds=n), lambda n: f"Fixed%Read_\\Stand-In {n}"),
)
# Where a list goes as one array parameter (= ANY), not one parameter a value.
_ARRAY_VENDORS = frozenset({"postgresql"})
# The length of a list's stand-in there: any, since the statement does not depend on it.
_ARRAY_STAND_IN_LENGTH = 2
# Django's placeholders, and its escaped percent signs, in the order they appear.
_PLACEHOLDER = re.compile(r"%%|%s")


class FixedReadRefused(ValueError):
    """The build used a value as something other than a filter's value, or got an empty list
    (which the ORM answers without asking the database)."""


@dataclass(frozen=True)
class _Slot:
    position: int  # in the SQL's parameters
    name: str
    index: int | None  # in the list, for a list's value
    adapt: bool  # a datetime the backend takes as text (SQLite)


@dataclass
class _Compiled:
    sql: str
    params: tuple[Any, ...]  # constants, and the stand-ins' places
    slots: tuple[_Slot, ...]
    columns: tuple[Any, ...]  # the SELECT's expressions, for their converters
    model: type[Model] | None  # rows are this model's instances, else tuples
    attnames: tuple[str, ...]
    # Django's converters for the columns that have any, {position: (converters, column)},
    # for each thread's connection (a backend's converters may read their connection).
    converters: WeakKeyDictionary = field(default_factory=WeakKeyDictionary)


class FixedRead(Generic[M]):
    """`read = FixedRead(lambda *, person_ids: Marker.objects.filter(...).values_list(...))`;
    `read(person_ids=[1, 2])` gives the rows (tuples of a values_list, else the model's
    instances, with no related objects: select_related and prefetches are not kept)."""

    def __init__(self, build: Callable[..., QuerySet[M, Any]]) -> None:
        self._build = build
        self._compiled: dict[tuple, _Compiled] = {}
        self._lock = threading.Lock()

    def __call__(self, **values: Any) -> list[Any]:
        arrays = connection.vendor in _ARRAY_VENDORS
        values = {name: _listed(value, arrays=arrays) for name, value in values.items()}
        shape = (connection.vendor, tuple(sorted((n, _shape_of(v, arrays=arrays))
                                                 for n, v in values.items())))
        compiled = self._compiled.get(shape)
        if compiled is None:
            with self._lock:
                compiled = self._compiled.get(shape) or self._compile(values)
                self._compiled[shape] = compiled
        return _run(compiled, values)

    def _compile(self, values: dict[str, Any]) -> _Compiled:
        arrays = connection.vendor in _ARRAY_VENDORS
        shaped = {name: [value[0]] * _ARRAY_STAND_IN_LENGTH
                  if arrays and isinstance(value, list) else value
                  for name, value in values.items()}
        first, second = (self._compiled_with(_stand_ins(shaped, variant), arrays=arrays)
                         for variant in range(len(_STAND_INS)))
        if (first.sql, first.slots) != (second.sql, second.slots):
            raise FixedReadRefused("a value changes the statement, or is changed on its way "
                                   "into it (escaped, say)")
        return first

    def _compiled_with(self, stand_ins: dict[str, Any], *, arrays: bool) -> _Compiled:
        queryset = self._build(**stand_ins)
        if getattr(queryset, "_prefetch_related_lookups", ()) or queryset.query.extra_select:
            raise FixedReadRefused("prefetches and extra() are not kept")
        compiler = queryset.query.get_compiler(using=queryset.db)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet as empty:
            raise FixedReadRefused("a read the ORM knows is empty") from empty
        slots = tuple(_slots_of(params, stand_ins))
        unfilled = _places(stand_ins) - {(slot.name, slot.index) for slot in slots}
        if unfilled:
            raise FixedReadRefused(f"not a filter's value: {sorted(unfilled, key=str)}")
        if arrays:
            sql, params, slots = _as_arrays(sql, list(params), slots)
        columns = [column for column, _, _ in compiler.select[:compiler.col_count]]
        model = _model_read(queryset, compiler, columns)
        return _Compiled(
            sql=sql, params=tuple(params), slots=slots, columns=tuple(columns), model=model,
            attnames=tuple(column.target.attname for column in columns) if model else ())


def _as_arrays(sql: str, params: list[Any], slots: tuple[_Slot, ...]
               ) -> tuple[str, list[Any], tuple[_Slot, ...]]:
    """Each `IN (%s, …)` of a list's stand-ins as `= ANY(%s)`, the list its one parameter."""
    places = [m for m in _PLACEHOLDER.finditer(sql) if m.group() == "%s"]
    if len(places) != len(params):
        raise FixedReadRefused("the statement's placeholders are not its parameters")
    slot_at = {slot.position: slot for slot in slots}
    pieces: list[str] = []
    new_params: list[Any] = []
    new_slots: list[_Slot] = []
    done = 0  # of the SQL
    position = 0
    while position < len(places):
        slot = slot_at.get(position)
        if slot is None or slot.index is None:
            end = places[position].end()
            pieces.append(sql[done:end])
            done = end
            if slot is not None:
                new_slots.append(_Slot(len(new_params), slot.name, None, slot.adapt))
            new_params.append(params[position])
            position += 1
            continue
        last = position + _ARRAY_STAND_IN_LENGTH - 1
        start, end = places[position].start(), places[last].end()
        listed = ", ".join(["%s"] * _ARRAY_STAND_IN_LENGTH)
        in_order = all((s := slot_at.get(position + n)) is not None and s.name == slot.name
                       and s.index == n for n in range(_ARRAY_STAND_IN_LENGTH))
        if not (in_order and sql[start - 4:start] == "IN (" and sql[start:end] == listed
                and sql[end:end + 1] == ")"):
            raise FixedReadRefused(f"{slot.name} is not the list of an IN (…)")
        pieces.append(sql[done:start - 4] + "= ANY(%s)")
        done = end + 1
        new_slots.append(_Slot(len(new_params), slot.name, None, False))
        new_params.append(None)
        position = last + 1
    pieces.append(sql[done:])
    return "".join(pieces), new_params, tuple(new_slots)


def _model_read(queryset: QuerySet, compiler: SQLCompiler, columns: list[Any]
                ) -> type[Model] | None:
    """The model whose instances the rows are, or None for a values_list's tuples."""
    if queryset._iterable_class is ValuesListIterable:
        return None
    if queryset._iterable_class is not ModelIterable:
        raise FixedReadRefused("only a model's instances or a values_list's tuples")
    if (compiler.klass_info or {}).get("related_klass_infos") or compiler.annotation_col_map:
        raise FixedReadRefused("related objects and annotations are not kept on instances")
    if not all(hasattr(column, "target") for column in columns):
        raise FixedReadRefused("a model's columns only")
    return queryset.model


def _run(compiled: _Compiled, values: dict[str, Any]) -> list[Any]:
    params = list(compiled.params)
    for slot in compiled.slots:
        value = values[slot.name]
        value = value[slot.index] if slot.index is not None else value
        if slot.adapt:
            value = connection.ops.adapt_datetimefield_value(value)
        params[slot.position] = value
    with prepared_cursor() as cursor:
        cursor.execute(compiled.sql, params)
        rows: Iterator[Any] = iter(cursor.fetchall())
    if converters := _converters(compiled):
        rows = _converted(rows, converters)
    if compiled.model is None:
        return [tuple(row) for row in rows]
    model, attnames, db = compiled.model, list(compiled.attnames), connection.alias
    return [model.from_db(db, attnames, row) for row in rows]


def _converters(compiled: _Compiled) -> dict[int, tuple[list[Callable], Any]]:
    """SQLCompiler.get_converters, for this thread's connection."""
    wrapper = connections[connection.alias]
    found = compiled.converters.get(wrapper)
    if found is None:
        found = {}
        for position, column in enumerate(compiled.columns):
            functions = (wrapper.ops.get_db_converters(column)
                         + column.get_db_converters(wrapper))
            if functions:
                found[position] = (functions, column)
        compiled.converters[wrapper] = found
    return found


def _converted(rows: Iterator[Any], converters: dict[int, tuple[list[Callable], Any]]
               ) -> Iterator[list[Any]]:
    """Django's converters on each row (SQLCompiler.apply_converters)."""
    for row in rows:
        row = list(row)
        for position, (functions, column) in converters.items():
            value = row[position]
            for function in functions:
                value = function(value, column, connection)
            row[position] = value
        yield row


def _listed(value: Any, *, arrays: bool) -> Any:
    """A list as a list (of the length its shape has, where lists are not arrays)."""
    if not isinstance(value, list | tuple):
        return value
    # As the ORM's IN leaves out a None (nothing equals it), and for = ANY one would make
    # a NOT of it true of nothing.
    value = [one for one in value if one is not None]
    if not value:
        raise FixedReadRefused("an empty list (the ORM reads nothing for it)")
    if arrays:
        return list(value)
    size = 1 << (len(value) - 1).bit_length()
    return [*value, *itertools.repeat(value[-1], size - len(value))]


def _shape_of(value: Any, *, arrays: bool) -> tuple:
    if value is None or isinstance(value, bool):
        return ("constant", value)
    if isinstance(value, list):
        return ("list", type(value[0]).__name__) if arrays else ("list", len(value))
    if isinstance(value, int | str | datetime):
        return (type(value).__name__,)
    raise FixedReadRefused(f"a value of type {type(value).__name__}")


def _stand_ins(values: dict[str, Any], variant: int) -> dict[str, Any]:
    count = itertools.count()
    as_int, as_time, as_str = _STAND_INS[variant]

    def stand_in(value: Any) -> Any:
        n = next(count)
        if isinstance(value, bool) or value is None:
            return value
        if isinstance(value, int):
            return as_int(n)
        if isinstance(value, datetime):
            return as_time(n)
        return as_str(n)

    return {name: [stand_in(v) for v in value] if isinstance(value, list) else stand_in(value)
            for name, value in values.items()}


def _places(stand_ins: dict[str, Any]) -> set[tuple[str, int | None]]:
    places: set[tuple[str, int | None]] = set()
    for name, value in stand_ins.items():
        if isinstance(value, list):
            places |= {(name, index) for index in range(len(value))}
        elif value is not None and not isinstance(value, bool):
            places.add((name, None))
    return places


def _slots_of(params: Any, stand_ins: dict[str, Any]) -> Iterator[_Slot]:
    where: dict[Any, tuple[str, int | None, bool]] = {}
    for name, value in stand_ins.items():
        for index, one in (enumerate(value) if isinstance(value, list) else [(None, value)]):
            if one is None or isinstance(one, bool):
                continue
            where[(type(one), one)] = (name, index, False)
            if isinstance(one, datetime):
                adapted = connection.ops.adapt_datetimefield_value(one)
                if adapted is not one:
                    where[(type(adapted), adapted)] = (name, index, True)
    for position, param in enumerate(params):
        # Django may give an int its field's own int type (psycopg's Int2 for a small one).
        kind = int if isinstance(param, int) and not isinstance(param, bool) else type(param)
        try:
            found = where.get((kind, param))
        except TypeError:  # an unhashable constant (a list for an ArrayField, say)
            continue
        if found is not None:
            # A plain int in its place (Django's Int2 would wrap a value past a small int's
            # range round to another, where the ORM would have judged it whole).
            yield _Slot(position, *found)


_related_reads: dict[type[Model], FixedRead] = {}


def related_set(instances: list[Any], field: str) -> None:
    """Each instance's `field` (a foreign key) read in one fixed read and set on it, as
    select_related would have (which a FixedRead does not keep)."""
    ids = sorted({pk for pk in (getattr(i, f"{field}_id") for i in instances) if pk is not None})
    if not ids:
        return
    model = type(instances[0])._meta.get_field(field).related_model
    read = _related_reads.get(model)
    if read is None:
        read = _related_reads.setdefault(model, FixedRead(
            lambda *, ids: model._default_manager.filter(pk__in=ids)))
    found = {related.pk: related for related in read(ids=ids)}
    for instance in instances:
        pk = getattr(instance, f"{field}_id")
        if pk in found:
            setattr(instance, field, found[pk])
