"""What the compiler gives a store: one compiled update, and how to explain its misses.

A `CompiledUpdate` holds the update, the guards, expected revision and metadata (from which
`filter` makes the conditions to AND with the record's selector, and `explain` says why a
record misses them), the size limits (`limit_failure`), and the optional first attempts
(`swap`, `by_paths`), behind which the pipeline waits unrendered (`deferred`).
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
    # The update; None while it is the pipeline of `deferred`, rendered when first asked for
    # (`update`): a store tries the swap or the dotted merge first, so most writes never
    # send it, and a big one costs to render.
    rendered: dict[str, Any] | list[dict[str, Any]] | None
    guards: tuple[Guard, ...] = ()
    expected_rev: int | None = None
    limits: tuple[Limit, ...] = ()
    expected_meta: tuple[tuple[str, Any], ...] = ()
    # A pipeline's body and top-level fields, when it can instead be computed from the
    # record as read and written as operators (`swapped`).
    swap: tuple[rendering.Body, dict[str, Any]] | None = None
    # A merge's (filter, update) as one dotted $set, right while the objects the patch
    # reaches into are objects (or absent) in the record, which its filter checks; a
    # store tries it first and falls back to `filter` and `update` on a miss.
    by_paths: tuple[dict[str, Any], dict[str, Any]] | None = None
    # The body and top-level fields of the pipeline `update` renders (with no write id).
    deferred: tuple[rendering.Body, dict[str, Any]] | None = None
    # The filter conditions once made (`filter`): a swap is guarded by the revision it
    # read, so most writes of a swap plan never need them.
    conditions: dict[str, Any] | None = None
    # What the plan writes and the top-level fields (None for a lone replace and for an
    # upsert or a batch's write): a store that knows the record can compute the write on
    # it (rendering.render_swap), whatever form `update` has. Not compared: two compiled
    # updates that write the same are equal however they were made.
    body: tuple[rendering.Body, dict[str, Any]] | None = field(default=None, compare=False)

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
            assert self.deferred is not None
            pipeline = rendering.render_pipeline(*self.deferred, None)
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
        document after it (service.core.rendering.render_swap); LimitExceeded if a size
        limit would not hold. Only for a `swap` update, and for the record at its
        revision: the caller writes it guarded by that revision."""
        assert self.swap is not None
        update, after, within = rendering.render_swap(*self.swap, document)
        if not within:
            raise self.limit_failure()
        return update, after

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
