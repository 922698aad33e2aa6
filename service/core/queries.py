"""The neutral query vocabulary: which records (or definitions) a read, count or update is
about, in what order, from where. Dialects build these; only the store renders them.

A field is the record's key (`KEY`), a top-level metadata name (`Meta("private")`,
`CREATED`) or a path into the content (`Content(("status",))`). A query is
`where` (a condition, or everything), `order` (fields, each ascending or descending),
`after` (the `order` values of the last row of the previous page: a keyset cursor),
`offset` and `limit`. A cursor compares values within one BSON type, so the fields a
paged query orders by hold one type (times, keys, numbers) in every record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from service.core.documents import check_meta
from service.core.paths import Path, as_path
from service.errors import InvalidPlan


@dataclass(frozen=True, slots=True)
class Key:
    """The record's key (for a definition: its id). Matched by equality and `In`; its
    order and ranges are those of the stored ids, which follow the keys for string keys
    (the same prefix, then the key) but not for integer keys (text order: 10 before 9)."""


@dataclass(frozen=True, slots=True)
class Meta:
    """A top-level metadata field (a dialect's own, or createdAt / updatedAt)."""

    name: str

    def __post_init__(self) -> None:
        if self.name not in ("createdAt", "updatedAt"):
            check_meta({self.name: None})


@dataclass(frozen=True, slots=True)
class Content:
    """The value at a path of the content."""

    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", as_path(self.path))


Field = Key | Meta | Content


KEY = Key()
CREATED = Meta("createdAt")
UPDATED = Meta("updatedAt")


@dataclass(frozen=True, slots=True)
class Eq:
    field: Field
    value: Any


@dataclass(frozen=True, slots=True)
class In:
    field: Field
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Text:
    field: Field
    text: str
    ignore_case: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.field, Key):  # the stored id is an encoding of the key
            raise InvalidPlan("a key is matched by equality or In, not by its text")


@dataclass(frozen=True, slots=True)
class Contains(_Text):
    """Text containing `text` (an array field: any element does)."""


@dataclass(frozen=True, slots=True)
class Prefix(_Text):
    """Text starting with `text`."""


@dataclass(frozen=True, slots=True)
class Suffix(_Text):
    """Text ending with `text`."""


@dataclass(frozen=True, slots=True)
class Range:
    """Bounds, each optional: above `gt` / from `ge`, below `lt` / up to `le`."""

    field: Field
    gt: Any = None
    ge: Any = None
    lt: Any = None
    le: Any = None

    def __post_init__(self) -> None:
        if self.gt is None and self.ge is None and self.lt is None and self.le is None:
            raise InvalidPlan("a range needs a bound")


@dataclass(frozen=True, slots=True)
class Not:
    term: Term


@dataclass(frozen=True, slots=True)
class All:
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    terms: tuple[Term, ...]


Term = Eq | In | Contains | Prefix | Suffix | Range | Not | All | AnyOf


@dataclass(frozen=True, slots=True)
class Order:
    field: Field
    descending: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    where: Term | None = None
    order: tuple[Order, ...] = ()
    after: tuple[Any, ...] | None = None
    offset: int = 0
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.after is not None and len(self.after) != len(self.order):
            raise InvalidPlan("a cursor holds one value per order field")
        if self.offset < 0 or (self.limit is not None and self.limit < 0):
            raise InvalidPlan("offset and limit are not negative")


EVERYTHING = Query()


def any_of(terms: Sequence[Term]) -> Term | None:
    """One term matching any of `terms`: None (everything) for none."""
    if not terms:
        return None
    return terms[0] if len(terms) == 1 else AnyOf(tuple(terms))
