"""The access line: the JSON json.dumps would write, and its timestamp."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from service import logs


@pytest.fixture
def handler():
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    configured = logs.configure("INFO")
    configured.stream = io.StringIO()
    yield configured
    root.handlers[:], level = saved
    root.setLevel(level)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # cleared per input
@given(path=st.text(), method=st.text(min_size=1), status=st.integers(100, 599))
def test_an_access_line_is_the_json_of_its_fields(handler, path, method, status):
    handler.stream = io.StringIO()  # outside an event loop each line is written at once
    logs.access(
        request_id="r-1",
        method=method,
        path=path,
        route="/x/{id}",
        status=status,
        duration_ms=12.34,
    )
    line = handler.stream.getvalue()
    parsed = json.loads(line)
    assert line == json.dumps(parsed) + "\n"  # byte for byte what json.dumps writes
    assert list(parsed) == [
        "ts",
        "level",
        "logger",
        "msg",
        "request_id",
        "method",
        "path",
        "route",
        "status",
        "duration_ms",
    ]
    assert (parsed["path"], parsed["method"], parsed["status"]) == (path, method, status)
    assert parsed["duration_ms"] == 12.34 and parsed["logger"] == logs.ACCESS_LOGGER


@given(st.floats(0, 4e9))
def test_timestamps_are_utc_iso_to_the_millisecond(seconds):
    text = logs._timestamp(seconds)
    assert len(text) == len("2026-12-02T05:00:00.000+00:00")
    moment = datetime.fromisoformat(text)
    exact = datetime.fromtimestamp(seconds, UTC)
    # The millisecond it falls in, give or take the microsecond it rounds to either way.
    tolerance = timedelta(microseconds=1)
    assert -tolerance <= exact - moment < timedelta(milliseconds=1) + tolerance
