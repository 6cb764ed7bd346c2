"""Hot queries compiled once per process: the ORM's SQL building paid once, not per request.

A Django queryset costs more CPU to build and compile (``filter`` → ``build_filter`` →
``setup_joins``, then ``SQLCompiler.as_sql``) than PostgreSQL spends answering a small indexed
query: at full scale about 45 % of the app's CPU per operation of the mix went there (issue 11,
docs/performance.md "Issue 11, fourth step"). A query on the hot path is therefore written as
a builder decorated with ``@prepared.query``:

    @prepared.query
    def _page(community_id: int, board: str, *, start: int, stop: int) -> QuerySet[Post]:
        return Post.objects.filter(community_id=community_id, board=board).order_by("-id")[start:stop]

    rows = _page(community.pk, "neighbours", start=0, stop=21)    # a list of Post

- Positional arguments are the query's **values**: ints, strings, dates and datetimes, or lists
  and tuples of them (their length is part of the shape). The builder is run once per shape
  with stand-in values, the SQL compiled, and each later call only swaps its values into the
  parameters and lets Django's own iterable turn the rows into objects (``select_related``,
  ``values_list``, ``prefetch_related``, annotations all work as usual).
- Keyword arguments are the query's **shape**: anything that changes the SQL text (slice
  bounds, a flag that adds a filter). They are passed as they are and key the compiled form.
  ``None`` or a bool given as a value is treated as shape too (``IS NULL`` is other SQL).
- The builder must be a pure function of its arguments: no ``timezone.now()`` or settings
  read inside (pass them in). Preparing compiles the builder twice with different stand-ins
  and refuses (``PreparedQueryError``) a builder whose constant parameters differ between the
  two (a clock read inside), whose SQL text depends on a value, or which uses a value in a
  transformed form (``icontains`` wraps it in ``%``): such a query stays a plain queryset.
- The call returns a list: no queryset escapes, so nothing can be chained onto SQL compiled
  for another shape. ``first()`` is ``[:1]`` in the builder and ``rows[0] if rows else None``.
- ``@prepared.count`` gives the builder's ``count()``; ``@prepared.aggregate`` takes a builder
  returning ``(queryset, {name: aggregate})`` and gives ``queryset.aggregate(...)``'s dict (one
  row of conditional counts, say), by the same rules.

Writes follow the same rules (the section "Writes" below): ``@prepared.update`` (a builder
returning ``(queryset, changes)``), ``@prepared.delete`` and ``prepared.create(Model, **fields)``.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connections, router, transaction
from django.db.models import Model, QuerySet, signals, sql
from django.db.models.deletion import Collector
from django.db.models.sql.compiler import SQLCompiler

from .models import AppendOnly

T = TypeVar("T")
M = TypeVar("M", bound=Model)
P = ParamSpec("P")

# Shapes kept per builder (page numbers, list lengths); past this, calls run as plain querysets.
MAX_SHAPES = 256


class PreparedQueryError(TypeError):
    """The builder cannot be compiled once and reused (see the module's rules)."""


def _stand_in(value: Any, slot: int, variant: int) -> Any:
    """A value of the same type no real argument or constant carries."""
    if isinstance(value, int):
        # Inside a 32-bit IntegerField's range: Django answers an out-of-range lookup without SQL.
        return 2_100_000_000 + variant * 100_000 + slot
    if isinstance(value, str):
        return f"\x1fprepared:{variant}:{slot}\x1f"
    if isinstance(value, dt.datetime):
        return dt.datetime(1901 + variant, 1, 1, 0, 0, 0, slot + 1, tzinfo=dt.UTC)
    if isinstance(value, dt.date):
        return dt.date(1801 + variant, 1, 1) + dt.timedelta(days=slot)
    raise PreparedQueryError(f"a prepared query's value must be int, str, date or datetime, not {type(value).__name__}")


def _adapters(value: Any, connection: Any) -> list[Callable[[Any], Any]]:
    """How a value of this type may appear among the compiled parameters (the backend adapts dates)."""
    out: list[Callable[[Any], Any]] = [lambda v: v]
    if isinstance(value, dt.datetime):
        out.append(connection.ops.adapt_datetimefield_value)
    elif isinstance(value, dt.date):
        out.append(connection.ops.adapt_datefield_value)
    return out


@dataclass(frozen=True)
class _Slot:
    index: int  # into the flattened values
    adapt: Callable[[Any], Any]


class _Template:
    """One shape of one builder, compiled: SQL, where each value goes, and the set-up compiler."""

    def __init__(self, queryset: QuerySet[Any], compiler: Any, sql: str, params: list[Any | _Slot]) -> None:
        # A prototype, never run: copy.copy of a queryset pickles it, which evaluates one not yet
        # evaluated (here: the first call of each shape ran the query with the stand-in values).
        queryset._result_cache = []  # type: ignore[attr-defined]
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = params

    def bind(self, values: Sequence[Any]) -> tuple[Any, ...]:
        """The kept parameters with this call's values in their slots."""
        return tuple(p.adapt(values[p.index]) if isinstance(p, _Slot) else p for p in self.params)

    def run(self, alias: str, values: Sequence[Any]) -> list[Any]:
        if not self.sql:
            return []
        params = self.bind(values)
        template = self

        def get_compiler(using: str | None = None, connection: Any = None, elide_empty: bool = True) -> Any:
            compiler = copy.copy(template.compiler)
            compiler.connection = connections[using or alias]  # this thread's connection
            compiler.as_sql = lambda *a, **k: (template.sql, params)
            return compiler

        query = copy.copy(self.queryset.query)
        query.get_compiler = get_compiler  # type: ignore[method-assign]
        qs = copy.copy(self.queryset)
        qs._query = query  # type: ignore[attr-defined]
        qs._result_cache = None
        qs._prefetch_done = False  # type: ignore[attr-defined]
        qs._db = alias  # type: ignore[attr-defined]
        return list(qs)


class _PlainTemplate:
    """A shape the rules refused in service: its calls run as plain querysets."""

    def __init__(self, owner: Any) -> None:
        self.owner = owner


class PreparedQuery(Generic[P, T]):
    def __init__(self, build: Callable[P, QuerySet[Any]]) -> None:
        self.build = build
        self.model: type[Model] | None = None
        self._templates: dict[tuple[Any, ...], _Template | _PlainTemplate] = {}
        self._lock = threading.Lock()
        functools.update_wrapper(self, build)  # type: ignore[arg-type]

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> list[T]:
        values: list[Any] = []
        signature: list[Any] = []
        for arg in args:
            if arg is None or isinstance(arg, bool):
                signature.append(("shape", arg))
            elif isinstance(arg, (list, tuple)):
                signature.append(("list", len(arg)))
                values.extend(arg)
            else:
                signature.append(type(arg))
                values.append(arg)
        if self.model is None:
            self.model = self._queryset(self.build(*args, **kwargs)).model
        alias = router.db_for_write(self.model) if self._for_write else router.db_for_read(self.model)
        key = (alias, tuple(signature), tuple(sorted(kwargs.items())))
        template = self._templates.get(key)
        if template is None and len(self._templates) >= MAX_SHAPES:
            return self._plain(*args, **kwargs)  # a builder called with ever new shapes: plain ORM
        if template is None:
            with self._lock:
                try:
                    template = self._templates.get(key) or self._prepare(alias, key, args, values, kwargs)
                except PreparedQueryError:
                    if settings.DEBUG or settings.TESTING:
                        raise  # a developer's mistake: show it where it is made
                    # In service, a builder the rules refuse still answers, through the plain ORM.
                    logger.exception("prepared query refused; running it as a plain queryset")
                    template = self._templates[key] = _PlainTemplate(self)
        if isinstance(template, _PlainTemplate):
            return self._plain(*args, **kwargs)
        return template.run(alias, values)

    def _prepare(self, alias: str, key: tuple[Any, ...], args: Sequence[Any], values: list[Any],
                 kwargs: dict[str, Any]) -> _Template:
        connection = connections[alias]
        compiled = []
        for variant in (0, 1):
            stand_ins = [_stand_in(v, i, variant) for i, v in enumerate(values)]
            it = iter(stand_ins)
            built_args = [arg if arg is None or isinstance(arg, bool)
                          else type(arg)(next(it) for _ in arg) if isinstance(arg, (list, tuple)) else next(it)
                          for arg in args]
            built = self.build(*built_args, **kwargs)  # type: ignore[arg-type]
            qs = self._queryset(built)
            qs = qs.using(alias) if qs._db is None else qs  # type: ignore[attr-defined]
            compiler, sql, params = self._compile(qs, alias, built)
            compiled.append((qs, compiler, sql, list(params), stand_ins))
        (qs, compiler, sql, params_a, stand_a), (_, _, sql_b, params_b, stand_b) = compiled
        name = getattr(self.build, "__qualname__", repr(self.build))
        if not sql and not sql_b:
            template = self._template_class(qs, compiler, "", [])
            self._templates[key] = template
            return template
        if sql != sql_b or len(params_a) != len(params_b):
            raise PreparedQueryError(f"{name}: the SQL depends on a value; pass that argument by keyword (shape)")
        slots: list[Any | _Slot] = []
        used: set[int] = set()
        for a, b in zip(params_a, params_b, strict=True):
            slot = self._slot_of(a, b, values, stand_a, stand_b, connection)
            if slot is None:
                if a != b:
                    raise PreparedQueryError(f"{name}: a parameter changes between two compilations of the same "
                                             f"values (a clock or setting read inside the builder?), or a value "
                                             f"is used in a transformed form: {a!r} / {b!r}")
                slots.append(a)
            else:
                used.add(slot.index)
                slots.append(slot)
        missing = set(range(len(values))) - used
        if missing:
            raise PreparedQueryError(f"{name}: value argument(s) at {sorted(missing)} do not reach the SQL as they "
                                     f"are (transformed by a lookup, or used only in Python): pass them as shape")
        template = self._template_class(qs, compiler, sql, slots)
        self._templates[key] = template
        return template

    _template_class: type[_Template] = _Template
    _for_write = False

    @staticmethod
    def _queryset(built: Any) -> QuerySet[Any]:
        """The queryset a builder returned (a write builder returns more)."""
        return built  # type: ignore[no-any-return]

    def _compile(self, qs: QuerySet[Any], alias: str, built: Any = None) -> tuple[Any, str, tuple[Any, ...]]:
        compiler = qs.query.get_compiler(using=alias)
        return _sql_of(compiler)

    def _plain(self, *args: Any, **kwargs: Any) -> Any:
        return list(self.build(*args, **kwargs))

    @staticmethod
    def _slot_of(a: Any, b: Any, values: list[Any], stand_a: list[Any], stand_b: list[Any],
                 connection: Any) -> _Slot | None:
        for i, value in enumerate(values):
            for adapt in _adapters(value, connection):
                want_a, want_b = adapt(stand_a[i]), adapt(stand_b[i])
                if _same(a, want_a) and _same(b, want_b):
                    if type(a) is not type(want_a):
                        # The backend wrapped it (psycopg's Int8 for a big integer column): wrap ours alike.
                        return _Slot(i, _wrapped(adapt, type(a)))
                    return _Slot(i, adapt)
        return None


def _sql_of(compiler: Any) -> tuple[Any, str, tuple[Any, ...]]:
    """The compiler with its SQL and parameters; none for a query Django knows finds nothing (an empty id list)."""
    try:
        statement, params = compiler.as_sql()
    except EmptyResultSet:
        statement, params = "", ()
    return compiler, statement, tuple(params)


def _wrapped(adapt: Callable[[Any], Any], wrap: type) -> Callable[[Any], Any]:
    return lambda v: wrap(adapt(v))


def _same(param: Any, stand_in: Any) -> bool:
    """The compiled parameter is the stand-in, as it is or in a subclass the backend wraps values in."""
    return isinstance(param, type(stand_in)) and param == stand_in and not isinstance(param, bool)


class _Capture(threading.local):
    compiler: Any = None
    active: bool = False


_capture = _Capture()
logger = logging.getLogger(__name__)
_execute_sql = SQLCompiler.execute_sql


def _capturing_execute_sql(self: SQLCompiler, *args: Any, **kwargs: Any) -> Any:
    """While a count or an aggregate is prepared (in this thread): remember the compiler Django built for it,
    run nothing.

    Django builds an aggregation's SQL inside ``Query.get_aggregation`` and executes it there, with no
    way to ask for the SQL alone; this is the one place we reach into the ORM. Outside a
    preparation it is Django's own method, called straight through.
    """
    if not _capture.active:
        return _execute_sql(self, *args, **kwargs)
    _capture.compiler = self
    return None  # the aggregation then reads its empty-set result, which is not used


SQLCompiler.execute_sql = _capturing_execute_sql  # type: ignore[method-assign]


class _CountTemplate(_Template):
    def run(self, alias: str, values: Sequence[Any]) -> Any:
        row = self._row(alias, values)
        return (row[0] or 0) if row is not None else 0

    def _row(self, alias: str, values: Sequence[Any]) -> tuple[Any, ...] | None:
        """The one row of the aggregation, converted as Django converts it; None: no SQL to run, or no row."""
        if not self.sql:
            return None
        params = self.bind(values)
        compiler = copy.copy(self.compiler)
        compiler.connection = connections[alias]
        with compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return None
        cols = list(compiler.query.annotation_select.values())
        return tuple(next(compiler.apply_converters((row[:compiler.col_count],), compiler.get_converters(cols))))


class _AggregateTemplate(_CountTemplate):
    def run(self, alias: str, values: Sequence[Any]) -> Any:
        annotations = self.compiler.query.annotation_select
        row = self._row(alias, values)
        if row is None:  # nothing to ask (an empty list of ids): what Django gives for an empty set
            row = tuple(a.empty_result_set_value for a in annotations.values())
        return dict(zip(annotations, row, strict=True))


def _captured(aggregate: Callable[[], Any]) -> tuple[Any, str, tuple[Any, ...]]:
    """The compiler, SQL and parameters of the aggregation that ``aggregate()`` has Django build, not run."""
    _capture.active, _capture.compiler = True, None
    try:
        aggregate()
    finally:
        _capture.active = False
    compiler = _capture.compiler
    if compiler is None:
        raise PreparedQueryError("the aggregation ran no query")
    return _sql_of(compiler)


class PreparedCount(PreparedQuery[P, int]):
    """``build(...).count()``, compiled once per shape: the pager's total without building the query again."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> int:  # type: ignore[override]
        return super().__call__(*args, **kwargs)  # type: ignore[return-value]

    def _compile(self, qs: QuerySet[Any], alias: str, built: Any = None) -> tuple[Any, str, tuple[Any, ...]]:
        return _captured(lambda: qs.query.chain().get_count(alias))

    def _plain(self, *args: Any, **kwargs: Any) -> Any:
        return self.build(*args, **kwargs).count()

    _template_class = _CountTemplate


class PreparedAggregate(PreparedQuery[P, dict[str, Any]]):
    """``qs.aggregate(**aggregates)`` for a builder returning ``(qs, aggregates)``, compiled once per shape."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> dict[str, Any]:  # type: ignore[override]
        return super().__call__(*args, **kwargs)  # type: ignore[return-value]

    @staticmethod
    def _queryset(built: Any) -> QuerySet[Any]:
        qs, _ = built
        return qs  # type: ignore[no-any-return]

    def _compile(self, qs: QuerySet[Any], alias: str, built: Any = None) -> tuple[Any, str, tuple[Any, ...]]:
        _, aggregates = built
        return _captured(lambda: qs.aggregate(**aggregates))

    def _plain(self, *args: Any, **kwargs: Any) -> Any:
        qs, aggregates = self.build(*args, **kwargs)
        return qs.aggregate(**aggregates)

    _template_class = _AggregateTemplate


def aggregate(build: Callable[P, tuple[QuerySet[Any], dict[str, Any]]]) -> PreparedAggregate[P]:
    """Decorate a builder of ``(queryset, {name: aggregate})``: calls give ``queryset.aggregate(...)``'s dict,
    compiled once per shape (module docstring)."""
    return PreparedAggregate(build)  # type: ignore[arg-type]


def count(build: Callable[P, QuerySet[Any]]) -> PreparedCount[P]:
    """Decorate a queryset builder: calls give its ``count()``, compiled once per shape (module docstring)."""
    return PreparedCount(build)


def query(build: Callable[P, QuerySet[Any]]) -> PreparedQuery[P, Any]:
    """Decorate a queryset builder: calls compile once per shape and return lists (module docstring)."""
    return PreparedQuery(build)



# --- Writes ---------------------------------------------------------------------------------
# The write paths of the mix (a reply, a like, a letter) spent about 45 % of their CPU building
# and compiling INSERTs, UPDATEs and DELETEs (issue 11, fifth step). The same rules hold: values
# positional, shape by keyword, and a builder or model whose SQL cannot be kept runs as plain ORM.


class _WriteTemplate(_Template):
    def run(self, alias: str, values: Sequence[Any]) -> Any:
        if not self.sql:
            return 0
        params = self.bind(values)
        connection = connections[alias]
        with transaction.mark_for_rollback_on_error(alias), connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.rowcount


class PreparedUpdate(PreparedQuery[P, int]):
    """``qs.update(**changes)`` compiled once per shape; the builder returns ``(qs, changes)``.

    Like ``QuerySet.update`` it sends no signals and calls no ``save()``. Refused: an update
    whose filter joins another table (Django would first select the keys) or that changes a
    parent model's fields.
    """

    _for_write = True
    _template_class = _WriteTemplate

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> int:  # type: ignore[override]
        return super().__call__(*args, **kwargs)  # type: ignore[return-value]

    @staticmethod
    def _queryset(built: Any) -> QuerySet[Any]:
        return built[0]  # type: ignore[no-any-return]

    def _compile(self, qs: QuerySet[Any], alias: str, built: Any = None) -> tuple[Any, str, tuple[Any, ...]]:
        query: Any = qs.query.chain(sql.UpdateQuery)
        query.add_update_values(built[1])
        query.annotations = {}
        query.get_initial_alias()
        if query.related_updates or query.count_active_tables() != 1:
            raise PreparedQueryError(f"{self.model}: a prepared update must filter its own table only")
        compiler = query.get_compiler(using=alias)
        return _sql_of(compiler)

    def _plain(self, *args: Any, **kwargs: Any) -> Any:
        qs, changes = self.build(*args, **kwargs)  # type: ignore[misc]
        return qs.update(**changes)


class PreparedDelete(PreparedQuery[P, int]):
    """``qs.delete()`` of rows nothing refers to, compiled once per shape; returns how many went.

    Only a delete Django itself would make in one statement (no cascade to collect, no delete
    signal, no parent table) is kept; anything else is refused, and in service runs as the
    ORM's delete. A receiver connected after preparation sends the call through the ORM too.
    """

    _for_write = True
    _template_class = _WriteTemplate

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> int:  # type: ignore[override]
        if self.model is None:
            self.model = self.build(*args, **kwargs).model
        model = self.model
        if signals.pre_delete.has_listeners(model) or signals.post_delete.has_listeners(model):
            return self._plain(*args, **kwargs)  # type: ignore[no-any-return]
        return super().__call__(*args, **kwargs)  # type: ignore[return-value]

    def _compile(self, qs: QuerySet[Any], alias: str, built: Any = None) -> tuple[Any, str, tuple[Any, ...]]:
        if not Collector(using=alias, origin=qs).can_fast_delete(qs):
            raise PreparedQueryError(f"{qs.model.__name__}: rows others refer to (a cascade) or a delete signal; "
                                     f"use the ORM's delete()")
        query = qs.query.clone()
        query.__class__ = sql.DeleteQuery
        query.select_for_update = False
        query.select_related = False
        query.clear_ordering(force=True)
        compiler = query.get_compiler(using=alias)
        return _sql_of(compiler)

    def _plain(self, *args: Any, **kwargs: Any) -> Any:
        return self.build(*args, **kwargs).delete()[0]


def update(build: Callable[P, tuple[QuerySet[Any], dict[str, Any]]]) -> PreparedUpdate[P]:
    """Decorate a builder returning ``(queryset, changes)``: calls run ``queryset.update(**changes)``
    compiled once per shape and return the number of rows changed."""
    return PreparedUpdate(build)  # type: ignore[arg-type]


def delete(build: Callable[P, QuerySet[Any]]) -> PreparedDelete[P]:
    """Decorate a queryset builder: calls delete its rows (one statement, no cascade) and return how many."""
    return PreparedDelete(build)


@dataclass(frozen=True)
class _Insert:
    compiler: Any
    fields: tuple[Any, ...]
    statement: str
    returning_params: tuple[Any, ...]


_inserts: dict[tuple[type[Model], str, bool], _Insert | None] = {}
_inserts_lock = threading.Lock()


def create(model: type[M], **values: Any) -> M:
    """``model.objects.create(**values)`` with the INSERT's SQL compiled once per model (``insert``)."""
    obj = model(**values)
    insert(obj)
    return obj


def insert(obj: Model) -> None:
    """Save a new object as ``save(force_insert=True)`` does, its INSERT compiled once per model.

    The object's fields are prepared for the database by Django's own compiler methods
    (``pre_save``, ``get_db_prep_save``), so defaults, ``auto_now`` and field conversions are
    the ORM's, and ``pre_save``/``post_save`` are sent as ``save()`` sends them; only the SQL
    text is kept. A model with its own ``save()`` (``AppendOnly``'s check of a new row is
    kept), a parent table or an ordered relation, and a value that is an expression (a
    database default), are saved by the ORM as usual.
    """
    cls = type(obj)
    meta = cls._meta
    if cls.save not in _PLAIN_SAVES or meta.parents or meta.order_with_respect_to or not obj._state.adding:
        obj.save(force_insert=True)
        return
    alias = router.db_for_write(cls, instance=obj)
    instance: Any = obj  # Model.save's own steps, which django-stubs does not declare
    instance._prepare_related_fields_for_save(operation_name="save")
    if not meta.auto_created:
        signals.pre_save.send(sender=cls, instance=obj, raw=False, using=alias, update_fields=None)
    pk: Any = meta.pk
    if not instance._is_pk_set(meta):
        setattr(obj, pk.attname, pk.get_pk_value_on_save(obj))
    pk_set = bool(instance._is_pk_set(meta))
    key = (cls, alias, pk_set)
    if key not in _inserts:
        with _inserts_lock:
            _inserts[key] = _compile_insert(obj, alias, pk_set)
    kept = _inserts[key]
    values = None
    if kept is not None:
        compiler = copy.copy(kept.compiler)
        compiler.connection = connections[alias]
        values = [compiler.prepare_value(f, compiler.pre_save_val(f, obj)) for f in kept.fields]
    returning = meta.db_returning_fields
    with transaction.mark_for_rollback_on_error(alias):
        if kept is None or values is None or any(hasattr(v, "as_sql") for v in values):
            # A database default or an expression among the values: other SQL, Django's as usual.
            manager: Any = cls._base_manager.using(alias)
            rows = manager._insert(
                [obj], fields=[f for f in meta.local_concrete_fields if not f.generated
                               and (pk_set or f is not meta.auto_field)], returning_fields=returning, using=alias)
        else:
            statement, params = kept.statement, (*values, *kept.returning_params)
            compiler.as_sql = lambda: [(statement, params)]
            rows = compiler.execute_sql(returning)
    if rows:
        for value, field in zip(rows[0], returning, strict=False):
            setattr(obj, field.attname, value)
    obj._state.db = alias
    obj._state.adding = False
    if not meta.auto_created:
        signals.post_save.send(sender=cls, instance=obj, created=True, update_fields=None, raw=False, using=alias)


def _compile_insert(obj: Model, alias: str, pk_set: bool) -> _Insert | None:
    meta = obj._meta
    fields = tuple(f for f in meta.local_concrete_fields if not f.generated and (pk_set or f is not meta.auto_field))
    if any(hasattr(f, "get_placeholder") for f in fields):
        return None  # a field that writes its own SQL per value
    query = sql.InsertQuery(type(obj))
    query.insert_values(list(fields), [obj])
    compiler = query.get_compiler(using=alias)
    compiler.returning_fields = meta.db_returning_fields
    [(statement, params)] = compiler.as_sql()
    returning_params = tuple(getattr(compiler, "returning_params", ()))
    if len(params) != len(fields) + len(returning_params):
        return None  # compiled from an object with a database default: its SQL is not every object's
    return _Insert(compiler, fields, statement, returning_params)


# save() methods that do nothing on insert beyond Model.save's own work.
_PLAIN_SAVES = (Model.save, AppendOnly.save)
