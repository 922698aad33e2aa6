"""What the compiler gives a store: one compiled update, and how to explain its misses.

A `CompiledUpdate` holds the update, the guards, expected revision and metadata (from which
`filter` makes the conditions to AND with the record's selector, and `explain` says why a
record misses them), the size limits (`limit_failure`), and the optional first attempts
(a swap, `by_paths`), behind which the pipeline waits unrendered (`body`).
service.core.compiler builds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from service.core import rendering
from service.core.guards import Guard, filter_for, first_failure
from service.core.operations import Limit
from service.errors import (
    KindMismatch,
    LimitExceeded,
    MetadataChanged,
    NotAnArray,
    NotAnObject,
    NotANumber,
    PreconditionFailed,
    RevisionMismatch,
)

_MESSAGES: dict[type[KindMismatch], str] = {
    NotAnObject: "the value at {path} is not an object",
    NotAnArray: "the value at {path} is not an array",
    NotANumber: "the value at {path} is not a number",
    KindMismatch: "the stored content is not of the expected kind",
}


@dataclass(frozen=True, slots=True)  # slots: one is built on every write
class CompiledUpdate:
    # The update; None while it is the pipeline of `body`, rendered when first asked for
    # (`update`): a store tries the swap or the dotted merge first, so most writes never
    # send it, and a big one costs to render.
    rendered: dict[str, Any] | list[dict[str, Any]] | None
    guards: tuple[Guard, ...] = ()
    expected_rev: int | None = None
    limits: tuple[Limit, ...] = ()
    expected_meta: tuple[tuple[str, Any], ...] = ()
    # A merge's (filter, update) as one dotted $set, right while the objects the patch
    # reaches into are objects (or absent) in the record, which its filter checks; a
    # store tries it first and falls back to `filter` and `update` on a miss.
    by_paths: tuple[dict[str, Any], dict[str, Any]] | None = None
    # The filter conditions once made (`filter`): a swap is guarded by the revision it
    # read, so most writes of a swap plan never need them.
    conditions: dict[str, Any] | None = None
    # What the plan writes and the top-level fields (None for a lone replace, an upsert and
    # a batch's write): the pipeline `update` renders when `rendered` is None, and what a
    # store that knows the record computes on it (`computed_on`). Not compared: two
    # compiled updates that write the same are equal however they were made.
    body: tuple[rendering.Body, dict[str, Any]] | None = field(default=None, compare=False)
    # A pipeline that a store computes from the record as read and writes as operators
    # (`swapped`), guarded by the revision read.
    swaps: bool = False

    @property
    def swap(self) -> tuple[rendering.Body, dict[str, Any]] | None:
        """The body a swap computes, when the update is swapped."""
        return self.body if self.swaps else None

    @property
    def filter(self) -> dict[str, Any]:
        """The conditions a record must meet: the guards, the metadata, the revision."""
        if self.conditions is None:
            made = conditions_for(self.guards, self.expected_meta, self.expected_rev)
            object.__setattr__(self, "conditions", made)  # frozen, but this is a cache
            return made
        return self.conditions

    @property
    def update(self) -> dict[str, Any] | list[dict[str, Any]]:
        if self.rendered is None:
            assert self.body is not None
            pipeline = rendering.render_pipeline(*self.body, None)
            object.__setattr__(self, "rendered", pipeline)  # frozen, but this is a cache
            return pipeline
        return self.rendered

    def explain(
        self, rev: Any, content: Any, stored: Mapping[str, Any] | None = None
    ) -> PreconditionFailed | None:
        """Why a record with this revision, (restored) content and top-level fields
        (`stored`, for the metadata preconditions) misses the filter."""
        if self.expected_rev is not None and rev != self.expected_rev:
            return revision_mismatch(rev, self.expected_rev)
        for name, value in self.expected_meta:
            if stored is not None and stored.get(name) != value:
                return MetadataChanged(f"{name} changed meanwhile", details={"field": name})
        guard = first_failure(self.guards, content)
        if guard is None:
            return None
        shown = ".".join(guard.path) or "the root"
        message = _MESSAGES[guard.failure].format(path=shown)
        return guard.failure(message, details={"path": list(guard.path)})

    def swapped(self, document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """The operator update doing to `document` what the pipeline would, and the
        document after it; LimitExceeded if a size limit would not hold. Only for a `swap`
        update, and for the record at its revision: the caller writes it guarded by that
        revision."""
        assert self.swaps
        computed = self.computed_on(document)
        if computed is None:  # a swapped body has no increments: a limit is what failed
            raise self.limit_failure()
        return computed

    def computed_on(self, document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The operator update doing to `document` (a record this update applies to, its
        guards met) what this one does, and the document after it: the body computed on it
        (service.core.rendering.render_swap), or a lone replace's update, which only sets
        and removes fields. None where the database must compute it (increments: their
        integer widths are not Python's) or a size limit would not hold."""
        if self.body is not None:
            if self.body[0].incs:
                return None
            update, after, within = rendering.render_swap(*self.body, document)
            return (update, after) if within else None
        if isinstance(self.rendered, dict) and rendering.computable(self.rendered):
            return self.rendered, rendering.applied(document, self.rendered)
        return None

    def limit_failure(self) -> LimitExceeded:
        """The error for a match the pipeline declined: a size limit would be exceeded."""
        limits = [{"path": list(lim.path), "max": lim.max_items} for lim in self.limits]
        shown = ", ".join(f"{'.'.join(lim.path)} <= {lim.max_items}" for lim in self.limits)
        return LimitExceeded(
            f"the update would exceed a limit ({shown})", details={"limits": limits}
        )


def conditions_for(
    guards: tuple[Guard, ...], meta: tuple[tuple[str, Any], ...], rev: int | None
) -> dict[str, Any]:
    """Filter conditions: the guards' (service.core.guards.filter_for), then the expected
    metadata and revision."""
    conditions = (filter_for(guards) | dict(meta)) if guards else dict(meta)
    if rev is not None:
        conditions["rev"] = rev
    return conditions


def revision_mismatch(rev: Any, expected: int) -> RevisionMismatch:
    return RevisionMismatch(
        f"the record is at revision {rev}, not {expected}",
        details={"rev": rev, "expected": expected},
    )
