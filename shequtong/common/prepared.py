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
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.sql.compiler import SQLCompiler

T = TypeVar("T")
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
        self.queryset = queryset
        self.compiler = compiler
        self.sql = sql
        self.params = params

    def run(self, alias: str, values: Sequence[Any]) -> list[Any]:
        if not self.sql:
            return []
        params = tuple(p.adapt(values[p.index]) if isinstance(p, _Slot) else p for p in self.params)
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
            self.model = self.build(*args, **kwargs).model
        alias = router.db_for_read(self.model)
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
            qs = self.build(*built_args, **kwargs)  # type: ignore[arg-type]
            qs = qs.using(alias) if qs._db is None else qs  # type: ignore[attr-defined]
            compiler, sql, params = self._compile(qs, alias)
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

    def _compile(self, qs: QuerySet[Any], alias: str) -> tuple[Any, str, tuple[Any, ...]]:
        compiler = qs.query.get_compiler(using=alias)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:  # e.g. an empty list of ids: Django asks nothing and finds nothing
            sql, params = "", ()
        return compiler, sql, params

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
    """While a count is prepared (in this thread): remember the compiler Django built for it, run nothing.

    Django builds a count's SQL inside ``Query.get_aggregation`` and executes it there, with no
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
        if not self.sql:
            return 0
        params = tuple(p.adapt(values[p.index]) if isinstance(p, _Slot) else p for p in self.params)
        compiler = copy.copy(self.compiler)
        compiler.connection = connections[alias]
        with compiler.connection.cursor() as cursor:
            cursor.execute(self.sql, params)
            row = cursor.fetchone()
        if row is None:
            return 0
        cols = list(compiler.query.annotation_select.values())
        converted = next(compiler.apply_converters((row[:compiler.col_count],), compiler.get_converters(cols)))
        return converted[0] or 0


class PreparedCount(PreparedQuery[P, int]):
    """``build(...).count()``, compiled once per shape: the pager's total without building the query again."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> int:  # type: ignore[override]
        return super().__call__(*args, **kwargs)  # type: ignore[return-value]

    def _compile(self, qs: QuerySet[Any], alias: str) -> tuple[Any, str, tuple[Any, ...]]:
        _capture.active, _capture.compiler = True, None
        try:
            qs.query.chain().get_count(alias)
        finally:
            _capture.active = False
        compiler = _capture.compiler
        if compiler is None:
            raise PreparedQueryError("the count ran no query")
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            sql, params = "", ()
        return compiler, sql, params

    def _plain(self, *args: Any, **kwargs: Any) -> Any:
        return self.build(*args, **kwargs).count()

    _template_class = _CountTemplate


def count(build: Callable[P, QuerySet[Any]]) -> PreparedCount[P]:
    """Decorate a queryset builder: calls give its ``count()``, compiled once per shape (module docstring)."""
    return PreparedCount(build)


def query(build: Callable[P, QuerySet[Any]]) -> PreparedQuery[P, Any]:
    """Decorate a queryset builder: calls compile once per shape and return lists (module docstring)."""
    return PreparedQuery(build)

