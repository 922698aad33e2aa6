"""What this replica's writes left in each record, so that its next write of the record can
start from that document instead of reading it (one round trip instead of two).

A swap (service.store.records) and a versioned write (service.store.versions) read a record,
compute the write from it and land it guarded by the revision they read, so the document
they leave is known here exactly; a write that reads the record back knows it from that
read. When the record is next written through this replica and nobody else wrote it
meanwhile, a read would return that same document, so the write can be computed from it
and sent guarded by its revision; the guard also names `createdAt`, so a record deleted and
made again under the same key never passes for the one remembered.

A remembered document is only trusted once this replica has seen, by a read, that the
record was not written by anyone else between two of its own writes: a record written
through several replicas in turn keeps reading first (two round trips, as without this),
and a trusted guess that turns out wrong (another writer got in) costs one guarded write
that misses, after which the record reads first again until a read shows it quiet.

A remembered document shares its values with the records made from it (the answer to the
write, the next write's base): nothing may change a record's content in place.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from cachetools import LRUCache

# Records remembered, and the largest document remembered (approximately, in bytes of its
# strings plus a fixed cost per value): at most about 16 MB in all.
LAST_WRITES = 2_000
MAX_DOCUMENT = 8 * 1024
_PER_VALUE = 64  # about what a small Python value and its slot cost


class _Written(NamedTuple):
    document: dict[str, Any]
    trusted: bool


class LastWrites:
    """The documents this replica's writes left, by (collection, identity `_id`)."""

    def __init__(self, entries: int = LAST_WRITES, largest: int = MAX_DOCUMENT) -> None:
        self._kept: LRUCache[tuple[str, str], _Written] = LRUCache(entries)
        self._largest = largest

    def known(self, key: tuple[str, str]) -> dict[str, Any] | None:
        """The record as this replica's last write left it, when trusted to be unchanged."""
        written = self._kept.get(key)
        return written.document if written is not None and written.trusted else None

    def wrote(
        self, key: tuple[str, str], after: dict[str, Any], read: dict[str, Any] | None
    ) -> None:
        """A write of the record landed, leaving `after`; computed from `read`, the record
        as just read, or (None) from the known document. Trusted from now on when the
        read found the record as this replica had left it."""
        trusted = read is None or self._follows(key, read, 0)
        self._keep(key, after, trusted)

    def read_back(self, key: tuple[str, str], document: dict[str, Any]) -> None:
        """A write of the record landed and `document` is the record read right after it.
        Trusted from now on when this replica's write was the only one since the document
        remembered (one revision on)."""
        self._keep(key, document, self._follows(key, document, 1))

    def _follows(self, key: tuple[str, str], document: dict[str, Any], writes: int) -> bool:
        """Whether `document` is the record remembered with `writes` more revisions."""
        earlier = self._kept.get(key)
        return (
            earlier is not None
            and earlier.document["rev"] + writes == document["rev"]
            and earlier.document.get("createdAt") == document.get("createdAt")
        )

    def _keep(self, key: tuple[str, str], document: dict[str, Any], trusted: bool) -> None:
        if _size_within(document.get("data"), self._largest) < 0:
            self._kept.pop(key, None)
        else:
            self._kept[key] = _Written(document, trusted)

    def distrust(self, key: tuple[str, str]) -> None:
        """Someone else wrote the record: read it before the next write."""
        written = self._kept.get(key)
        if written is not None:
            self._kept[key] = written._replace(trusted=False)


def _size_within(value: Any, budget: int) -> int:
    """`budget` less the approximate size of `value`; negative (and stopped early) once it
    is exceeded."""
    budget -= _PER_VALUE
    if isinstance(value, str | bytes):
        return budget - len(value)
    if isinstance(value, dict):
        for key, item in value.items():
            budget = _size_within(item, budget - len(key))
            if budget < 0:
                break
    elif isinstance(value, list):
        for item in value:
            budget = _size_within(item, budget)
            if budget < 0:
                break
    return budget
