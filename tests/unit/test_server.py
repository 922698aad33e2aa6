"""Serving's process settings."""

from __future__ import annotations

import gc

from service.server import YOUNG_COLLECTION_THRESHOLD, tune_collector


def test_tuning_the_collector_freezes_what_exists_and_spaces_young_collections():
    before = gc.get_threshold()
    try:
        tune_collector()
        assert gc.get_freeze_count() > 0  # what start-up made is out of the generations
        assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *before[1:])
        kept = []
        kept.append(kept)  # a cycle made after the freeze is still collected
        del kept
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
