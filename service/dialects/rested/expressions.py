"""`jsonata=EXPR` on reads: evaluated with jsonata-python, bounded in time and depth.

The evaluator runs in this dialect's own small thread pool, so a slow expression never
blocks the event loop nor starves the loop's default executor. Three bounds hold it:
jsonata-python's own timebox (time and depth, checked at each evaluation step), regular
expressions through RE2 (linear time, so no pattern can backtrack forever), and a wait on
the result that gives up a little after the timeout (a single native step, such as
building a large range, may outlast the timebox; its thread then finishes on its own).
"""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import jsonata
import re2
from jsonata.regex_engine import RegexFlags

from service.dialects.rested import messages
from service.errors import Invalid

MAX_DEPTH = 200  # evaluation frames: far below Python's recursion limit
WORKERS = 2
_GRACE_SECONDS = 0.5


class ExpressionInvalid(Invalid):
    code = "jsonata"


def _re2_engine(pattern: str, flags: RegexFlags) -> Any:
    options = re2.Options()
    options.case_sensitive = not flags.case_insensitive
    options.log_errors = False
    # RE2 takes the multi-line flag inline.
    return re2.compile(f"(?m){pattern}" if flags.multiline else pattern, options=options)


def _evaluate(expression: str, data: Any, timeout_ms: int) -> str:
    """The result as JSON text, in the worker thread (the encoding is work too)."""
    try:
        compiled = jsonata.Jsonata(
            expression, regex_engine=_re2_engine, timeout=timeout_ms, stack=MAX_DEPTH
        )
        result = compiled.evaluate(data)
    except jsonata.JException as exc:
        if getattr(exc, "error", None) == "D1012":
            raise ExpressionInvalid(messages.JSONATA_TIMEOUT) from None
        raise ExpressionInvalid(messages.JSONATA_INVALID.format(problem=exc)) from None
    except Exception as exc:
        # jsonata-python fails on some malformed input with whatever Python raises inside
        # it (KeyError, TypeError, RE2's errors...): still the expression's fault.
        problem = f"{type(exc).__name__}: {exc}"
        raise ExpressionInvalid(messages.JSONATA_INVALID.format(problem=problem)) from None
    try:
        return json.dumps(result, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError):  # a function, or a number JSON cannot hold
        raise ExpressionInvalid(messages.JSONATA_RESULT) from None


class Evaluator:
    def __init__(self, *, timeout_ms: int, workers: int = WORKERS) -> None:
        self.timeout_ms = timeout_ms
        # Threads start on first use; nothing runs at import or construction.
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="rested-jsonata")

    async def evaluate(self, expression: str, data: Any) -> str:
        """`expression` applied to `data`, as JSON text; ExpressionInvalid (a 400) for a
        bad or slow expression, or a result that is not JSON."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, _evaluate, expression, data, self.timeout_ms)
        try:
            return await asyncio.wait_for(future, self.timeout_ms / 1000 + _GRACE_SECONDS)
        except TimeoutError:
            raise ExpressionInvalid(messages.JSONATA_TIMEOUT) from None

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
