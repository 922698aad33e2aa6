"""What a replica remembers of its own swaps (service.store.lastwrites): trusted only once a
read found the record as it was left, and never for a large document."""

from __future__ import annotations

from datetime import UTC, datetime

from service.store.lastwrites import LastWrites

KEY = ("records", '["p","ns","r"]')
MADE = datetime(2026, 1, 1, tzinfo=UTC)


def doc(rev: int, data: object = None, made: datetime = MADE) -> dict:
    return {
        "_id": KEY[1],
        "data": {"f": [rev]} if data is None else data,
        "rev": rev,
        "createdAt": made,
    }


def test_a_document_is_trusted_once_a_read_finds_the_record_as_it_was_left() -> None:
    last = LastWrites()
    last.wrote(KEY, doc(1), read=doc(0))
    assert last.known(KEY) is None  # first sight: nothing says nobody else writes it
    last.wrote(KEY, doc(3), read=doc(2))  # someone else wrote rev 2
    assert last.known(KEY) is None
    last.wrote(KEY, doc(4), read=doc(3))
    assert last.known(KEY) == doc(4)
    last.wrote(KEY, doc(5), read=None)  # a swap from the known document stays trusted
    assert last.known(KEY) == doc(5)
    last.distrust(KEY)
    assert last.known(KEY) is None


def test_a_record_made_again_at_the_same_revision_is_not_trusted() -> None:
    last = LastWrites()
    last.wrote(KEY, doc(1), read=doc(0))
    again = datetime(2026, 1, 2, tzinfo=UTC)
    last.wrote(KEY, doc(2, made=again), read=doc(1, made=again))
    assert last.known(KEY) is None


def test_large_documents_and_old_records_are_not_kept() -> None:
    last = LastWrites(entries=2, largest=1000)
    last.wrote(KEY, doc(1), read=doc(0))
    last.wrote(KEY, doc(2, {"big": "x" * 1000}), read=doc(1))
    assert last.known(KEY) is None
    last.wrote(KEY, doc(3), read=doc(2, {"big": "x" * 1000}))
    assert last.known(KEY) is None  # the large one was dropped: nothing to compare with
    many = {"list": list(range(100))}  # no long string, but many values
    last.wrote(KEY, doc(4, many), read=doc(3))
    assert last.known(KEY) is None
    keys = [("records", str(n)) for n in range(3)]
    for key in keys:
        last.wrote(key, doc(1), read=doc(0))
        last.wrote(key, doc(2), read=doc(1))
    assert last.known(keys[0]) is None and last.known(keys[2]) == doc(2)


def test_a_read_back_is_trusted_when_it_is_one_revision_on_from_the_remembered() -> None:
    last = LastWrites()
    last.read_back(KEY, doc(1))
    assert last.known(KEY) is None  # first sight
    last.read_back(KEY, doc(3))  # someone else wrote rev 2 (or 3)
    assert last.known(KEY) is None
    last.read_back(KEY, doc(4))  # this replica's write alone since
    assert last.known(KEY) == doc(4)
    last.read_back(KEY, doc(5, made=datetime(2026, 1, 2, tzinfo=UTC)))  # made again
    assert last.known(KEY) is None
