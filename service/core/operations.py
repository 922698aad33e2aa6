"""The dialect-neutral update operations and the plan that carries them with preconditions.

Semantics (the reference for every dialect; paths are relative to the record's content):

- Set(path, value): store `value` at `path`, creating missing objects on the way.
- Unset(path): remove the key at `path`; nothing happens when it is absent.
- Add(path, values): append each value not already in the array (set-like, order kept);
  an absent array is created. Equality is MongoDB's: 1 == 1.0, true != 1, objects equal
  only with the same keys in the same order.
- Remove(path, values): drop every element equal to one of `values`; as in MongoDB's
  $pull/$in, an element that is itself an array is also dropped when it contains one of
  them. An absent array stays absent.
- Add and Remove on the same path in one plan: remove first, then add (a client can swap
  the single owner in one call).
- Inc(path, by): add a number; an absent value counts as 0.
- Replace(document): the content becomes `document`, whatever either kind.
- ReplaceSameKind(document): as Replace, only if the stored content has the same JSON kind.
- Merge(document): recursive merge of objects into the stored object; arrays and scalars
  are replaced wholesale, null is stored as a value; both sides must be objects.

Paths walk objects only. A path whose stored prefix holds a non-object, an Add/Remove
target that is not an array, an Inc target that is not a number, a content that is not an
object under path operations: each fails the whole plan with PreconditionFailed, and
nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from service.core.documents import check_meta
from service.core.kinds import Kind
from service.core.paths import Path, as_path
from service.errors import InvalidPlan, InvalidValue


def _fix(obj: object, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)  # normalising a frozen dataclass in __post_init__


def _values(values: Any) -> tuple[Any, ...]:
    if not isinstance(values, tuple | list):  # as paths are (service.core.paths.as_path)
        raise InvalidValue("values must be a list")
    return tuple(values)


@dataclass(frozen=True, slots=True)
class Set:
    path: Path
    value: Any

    def __post_init__(self) -> None:
        _fix(self, "path", as_path(self.path))


@dataclass(frozen=True, slots=True)
class Unset:
    path: Path

    def __post_init__(self) -> None:
        _fix(self, "path", as_path(self.path))


@dataclass(frozen=True, slots=True)
class Add:
    path: Path
    values: Sequence[Any]

    def __post_init__(self) -> None:
        _fix(self, "path", as_path(self.path))
        _fix(self, "values", _values(self.values))


@dataclass(frozen=True, slots=True)
class Remove:
    path: Path
    values: Sequence[Any]

    def __post_init__(self) -> None:
        _fix(self, "path", as_path(self.path))
        _fix(self, "values", _values(self.values))


@dataclass(frozen=True, slots=True)
class Inc:
    path: Path
    by: int | float

    def __post_init__(self) -> None:
        _fix(self, "path", as_path(self.path))
        if isinstance(self.by, bool) or not isinstance(self.by, int | float):
            raise InvalidValue("an increment must be a number")


@dataclass(frozen=True, slots=True)
class Replace:
    document: Any


@dataclass(frozen=True, slots=True)
class ReplaceSameKind:
    document: Any


@dataclass(frozen=True, slots=True)
class Merge:
    document: dict[str, Any]

    def __post_init__(self) -> None:
        if not isinstance(self.document, dict):
            raise InvalidValue("merge needs an object")


Operation = Set | Unset | Add | Remove | Inc | Replace | ReplaceSameKind | Merge
PathOperation = Set | Unset | Add | Remove | Inc
WholeOperation = Replace | ReplaceSameKind | Merge


@dataclass(frozen=True, slots=True)
class Limit:
    """The array at `path` may hold at most `max_items` after the plan (checked atomically)."""

    path: Path
    max_items: int

    def __post_init__(self) -> None:
        _fix(self, "path", as_path(self.path))
        if isinstance(self.max_items, bool) or not isinstance(self.max_items, int):
            raise InvalidPlan("a limit must be an integer")


@dataclass(frozen=True, slots=True)
class Preconditions:
    """Checked inside the same atomic write: a failure writes nothing."""

    rev: int | None = None  # the stored revision must be exactly this
    kind: Kind | None = None  # the stored content must be of this JSON kind
    limits: Sequence[Limit] = ()
    # top-level metadata that must hold exactly these values (privacy, schema, owner...)
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if type(self.limits) is not tuple:
            _fix(self, "limits", tuple(self.limits))
        if self.meta:
            check_meta(self.meta)


NO_PRECONDITIONS = Preconditions()  # immutable, so one instance serves every plan


@dataclass(frozen=True, slots=True)
class Plan:
    """Operations applied together to one record; `meta` sets top-level metadata fields."""

    operations: Sequence[Operation]
    preconditions: Preconditions = NO_PRECONDITIONS
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Plans are built on every write: copy only what the caller could still change.
        if type(self.operations) is not tuple:
            _fix(self, "operations", tuple(self.operations))
        _fix(self, "meta", dict(self.meta))
