"""How a record family is described: its fields and filters, once.

A family (sentence, risk, claim) is one ``Family`` value. Everything else reads it: the select
and its joins, the filters (their query parameters and SQL), the sort order and cursor keys, the
facets, the JSON shape and its read schema (OpenAPI), the CSV columns, the columns the loader
writes, and the suffix routes. Adding a field to a family takes the ORM model, a migration and
one ``Field`` in the family's module (see docs/architecture.md for a worked example).
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from operator import attrgetter
from typing import Annotated, Any, Literal

from fastapi import Query
from pydantic import BaseModel, create_model
from pydantic import Field as SchemaField
from sqlalchemy import ColumnElement, FromClause, Row, Table, select
from sqlalchemy.orm import Session

from app.pagination import AnySelect
from app.vocab import Labelled, label


def plain(value: Any) -> Any:
    """An enum member's value; anything else unchanged (what a database column holds)."""
    return value.value if isinstance(value, Enum) else value


@dataclass(frozen=True)
class Csv:
    """How a field is written to CSV: its column names and a function giving their cells."""

    names: tuple[str, ...]
    cells: Callable[[Any], tuple[Any, ...]]


@dataclass(frozen=True)
class Field:
    """One field of a family's JSON (and, unless said otherwise, one column of its table).

    Defaults: the SQL column of the same name on the family's table, shown as it is, one CSV
    column of the same name, and stored from the input model's attribute of the same name.
    """

    name: str
    type: Any  # its type in the read schema
    doc: str
    example: Any = None
    columns: Sequence[ColumnElement[Any]] | None = None  # selected; default: table.c[name]
    present: Callable[[Row[Any]], Any] | None = None  # the JSON value from a row
    csv: Csv | None = None
    # The table columns the loader writes for this field, from the validated input model.
    store: Callable[[Any], Mapping[str, Any]] | None = None


def shown(
    name: str, type_: Any, doc: str, present: Callable[[Row[Any]], Any], example: Any = None
) -> Field:
    """A field computed, when shown, from columns other fields select (a label): it selects
    and stores nothing of its own, and its CSV column comes with it."""
    return Field(
        name, type_, doc, example=example, columns=(), present=present, store=lambda _model: {}
    )


def label_field(of: str, vocabulary: type[Labelled], example: str, optional: bool = False) -> Field:
    """``{of}_label``: the human label of the field ``of``, from its vocabulary (app.vocab)."""
    return shown(
        f"{of}_label",
        str | None if optional else str,
        f"{of} in words (the label of its value in the vocabulary).",
        lambda row: label(vocabulary, getattr(row, of)),
        example=example,
    )


@dataclass(frozen=True)
class Filter:
    """A query parameter of the family's list and the SQL condition it adds."""

    name: str  # the Python parameter (``from_``); the query parameter is the Query's alias
    type: Any
    query: Any  # fastapi.Query(...)
    condition: Callable[[Any], ColumnElement[bool]]
    default: Any = None
    # Validate or convert the value before it becomes a condition (a month, a known region).
    check: Callable[[Session, Any, str], Any] | None = None
    # A condition the filter implies (it never changes what matches), given to the planner so
    # that an index bounds the scan: ``?from=`` bounds period_start (app.families.periods).
    bound: Callable[[Session, Any], ColumnElement[bool]] | None = None

    @property
    def parameter(self) -> str:
        return str(getattr(self.query, "alias", None) or self.name)


@dataclass(frozen=True)
class Dimension:
    """A column of the facet rollup (``app.rollup``, table ``facet_counts``) that the family
    fills: ``name`` is the rollup's column and ``source`` its value on one of the family's rows.
    A filter whose condition names only such values is answered from the rollup.

    A derived value (a period's granularity) gives ``conditions`` instead of a source: the
    filter condition that selects each value. They must exclude each other; the value stored is
    the one whose condition holds, so that condition reads the rollup as ``name = value``."""

    name: str
    source: ColumnElement[Any] | None = None
    conditions: Mapping[str, ColumnElement[bool]] = field(default_factory=dict)
    # Other columns holding the same value on every row (a family's copy of the region).
    same: Sequence[ColumnElement[Any]] = ()


@dataclass(frozen=True)
class Sort:
    """An order a family's list can be asked for (``?sort=name``); the cursor holds its
    columns' values, so a computed column (a rank) is a labelled expression the list selects."""

    name: str
    order: Sequence[ColumnElement[Any]]
    doc: str  # what the order puts first, for the parameter's description


@dataclass(frozen=True)
class Family:
    kind: str  # sentence, risk, claim: records.kind and the singular in messages
    path: str  # sentences, risks, claims: the URL segment, CSV file name and tag
    title: str  # what one record is called: "court statistic"
    doc: str  # the read schema's docstring
    list_doc: str  # the list endpoint's description
    table: Table
    orm: type[Any]  # the ORM class of the family's table (a Record subclass)
    input_model: type[BaseModel]  # what the seed (and a write API) states for one record
    from_: FromClause  # the family's table joined to records and to what its fields show
    common: Sequence[ColumnElement[Any]]  # what every record has (app.families.record)
    fields: Sequence[Field]
    filters: Sequence[Filter]
    order: Sequence[ColumnElement[Any]]  # sort order; the cursor holds these columns' values
    facets: Mapping[str, ColumnElement[Any]]
    read_base: type[BaseModel]
    example_id: str
    cursor_example: str = ""  # a real cursor of the list (default: the example id)
    # A check across the checked filter values, by query parameter (``from`` not after ``to``).
    check_filters: Callable[[Mapping[str, Any]], None] | None = None
    # Orders the list can be asked for with ``?sort=``, the first being ``order`` (default);
    # none: the list has the one order and no ``sort`` parameter.
    sorts: Sequence[Sort] = ()
    # The family's own columns of the facet rollup, beside region, rank, year and publisher.
    rollup: Sequence[Dimension] = ()
    read_model: type[BaseModel] = field(init=False)
    # (name, how its JSON value is read from a row), built once: presenting runs per record.
    _shown: tuple[tuple[str, Callable[[Any], Any]], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        definitions: dict[str, Any] = {"kind": (Literal[self.kind], self.kind)}
        for one in self.fields:
            examples = [one.example] if one.example is not None else None
            definitions[one.name] = (one.type, SchemaField(description=one.doc, examples=examples))
        model = create_model(
            f"{self.kind.capitalize()}Read",
            __base__=self.read_base,
            __doc__=self.doc,
            **definitions,
        )
        object.__setattr__(self, "read_model", model)
        shown_fields = tuple((one.name, one.present or attrgetter(one.name)) for one in self.fields)
        object.__setattr__(self, "_shown", shown_fields)
        if not self.cursor_example:
            object.__setattr__(self, "cursor_example", self.example_id)

    # SQL

    def columns(self, one: Field) -> Sequence[ColumnElement[Any]]:
        return one.columns if one.columns is not None else [self.table.c[one.name]]

    @property
    def cursor_keys(self) -> list[str]:
        """Row attributes holding the sort key: the ordered columns' own names."""
        return [column.name for column in self.order]

    def select(self, *conditions: ColumnElement[bool]) -> AnySelect:
        """Every matching row, unordered and unpaginated (the base of pages, exports, facets)."""
        selected = [*self.common, *(c for one in self.fields for c in self.columns(one))]
        return select(*selected).select_from(self.from_).where(*conditions)

    def condition(self, parameter: str, value: Any) -> ColumnElement[bool]:
        """The condition the list's filter ``parameter`` adds for ``value`` (already checked):
        for a detail that embeds what a list filter selects, through the same columns."""
        one = next(one for one in self.filters if one.parameter == parameter)
        return one.condition(plain(value))

    def rows(
        self, session: Session, *conditions: ColumnElement[bool], limit: int | None = None
    ) -> Sequence[Row[Any]]:
        """Matching rows in order, deprecated included (lookups by id, region, article); the
        first ``limit`` when given."""
        return session.execute(self.select(*conditions).order_by(*self.order).limit(limit)).all()

    # JSON and CSV

    def present_fields(self, row: Row[Any]) -> dict[str, Any]:
        return {name: value(row) for name, value in self._shown}

    def csv_cells(self, item: Mapping[str, Any]) -> dict[str, Any]:
        cells: dict[str, Any] = {}
        for one in self.fields:
            if one.csv is None:
                cells[one.name] = item[one.name]
            else:
                cells |= zip(one.csv.names, one.csv.cells(item[one.name]), strict=True)
        return cells

    @property
    def csv_names(self) -> list[str]:
        return [name for one in self.fields for name in (one.csv.names if one.csv else (one.name,))]

    # Writing

    def stored(self, model: Any) -> dict[str, Any]:
        """The family table's columns for a validated input model (the loader writes these)."""
        columns: dict[str, Any] = {}
        for one in self.fields:
            columns |= (
                one.store(model) if one.store else {one.name: plain(getattr(model, one.name))}
            )
        return columns

    # The list's query parameters

    @property
    def orders(self) -> list[Sequence[ColumnElement[Any]]]:
        """Every order the list can be served in (the default first)."""
        return [sort.order for sort in self.sorts] or [self.order]

    def order_dependency(self) -> Callable[..., Awaitable[Sequence[ColumnElement[Any]]]]:
        """A FastAPI dependency giving the list's order: ``?sort=`` when the family has sorts
        (its signature is built from ``sorts``), else always ``order``."""
        if not self.sorts:

            async def only() -> Sequence[ColumnElement[Any]]:  # async: no thread pool hop
                return self.order

            return only
        by_name = {sort.name: sort.order for sort in self.sorts}
        names = tuple(by_name)
        SortName = Literal[names]  # type: ignore[valid-type]
        described = "; ".join(f"{sort.name}: {sort.doc}" for sort in self.sorts)

        async def order(sort: str = names[0]) -> Sequence[ColumnElement[Any]]:
            return by_name[sort]

        parameter = inspect.Parameter(
            "sort",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[
                SortName,
                Query(description=f"The order of the list. {described}.", examples=[names[-1]]),
            ],
            default=names[0],
        )
        order.__signature__ = inspect.Signature([parameter])  # type: ignore[attr-defined]
        return order

    def filter_dependency(self) -> Callable[..., list[ColumnElement[bool]]]:
        """A FastAPI dependency whose parameters are exactly this family's filters, returning
        the conditions they add (its signature is built from ``filters``)."""
        from app.deps import SessionDep  # the dependency layer sits above the descriptions

        filters = {one.name: one for one in self.filters}

        def conditions(session: Session, **values: Any) -> list[ColumnElement[bool]]:
            found: list[ColumnElement[bool]] = []
            checked: dict[str, Any] = {}
            for name, value in values.items():
                one = filters[name]
                if value is None:
                    continue
                if one.check is not None:
                    value = one.check(session, value, one.parameter)
                checked[one.parameter] = value
                found.append(one.condition(plain(value)))
                if one.bound is not None:
                    found.append(one.bound(session, plain(value)))
            if self.check_filters is not None:
                self.check_filters(checked)
            return found

        parameters = [
            inspect.Parameter("session", inspect.Parameter.KEYWORD_ONLY, annotation=SessionDep)
        ] + [
            inspect.Parameter(
                one.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[one.type, one.query],
                default=one.default,
            )
            for one in self.filters
        ]
        conditions.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        return conditions
