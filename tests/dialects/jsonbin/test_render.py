"""The update answer: the record echoed as sent, then the metadata as json.dumps writes it."""

import json

import pytest

from service.dialects.jsonbin import render

RAW = b' {"a": [1, "\xc3\xa9"]} '


@pytest.mark.parametrize(
    ("bin_id", "private", "version"),
    [("0123456789abcdef01234567", True, None), ("fe" * 12, False, 7), ('a"\\\u00e9', True, 0)],
)
def test_update_metadata_is_exactly_what_json_dumps_writes(bin_id, private, version):
    body = render.updated(RAW, bin_id, private=private, version=version).body
    metadata = {"parentId": bin_id, "private": private}
    if version is not None:
        metadata["version"] = version
    assert (
        body
        == b'{"record":{"a": [1, "\xc3\xa9"]},"metadata":' + json.dumps(metadata).encode() + b"}"
    )
