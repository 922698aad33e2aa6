"""Request bodies: read with a hard size limit; decode JSON under one policy for every dialect.

The policy (RFC 8259, narrowed to what the database can store): strict UTF-8 (a leading BOM
is ignored, as RFC 8259 8.1 allows and Node's body parser does), no NaN or Infinity, integers
within BSON's int64, finite floats, at most `max_depth` levels of nesting, no lone surrogate
escapes (no UTF-8 form), and duplicate keys last-wins (JSON.parse's behaviour, behind the
hosted JSONBin and HighLevel) unless the policy refuses them. Every refusal is a `MalformedBody`
(or an `EmptyBody`), which each dialect renders in its own envelope.

The checks that cost a pass over the value run only when the raw bytes say they may be
needed (more containers than the depth limit, a long digit run or exponent, a `\\ud` escape).
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import dataclass
from typing import Any, Literal

from aiohttp import web

from service.errors import BodyTooLarge, EmptyBody, MalformedBody, RequestTimeout
from service.web.appkeys import SETTINGS

# Under the store's own limit (service.core.fieldnames.MAX_DEPTH, 91 levels) and MongoDB's 100,
# and shallow enough for the recursive validators behind the dialects (jsonschema, ...).
MAX_DEPTH = 64
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_BOM = b"\xef\xbb\xbf"

# Raw-byte shapes of numbers that may fall outside int64 or overflow a float: a run of 19
# digits or an exponent of 3 digits. Found with translate and `in`, at memchr speed.
_SHAPE_OF = dict(zip(b"0123456789eE+-", b"0000000000eess", strict=True))
_SHAPES = bytes(_SHAPE_OF.get(byte, ord(" ")) for byte in range(256))
_LONG_DIGITS = b"0" * 19


@dataclass(frozen=True, slots=True)
class JsonPolicy:
    """What a dialect accepts beyond the fixed rules: nesting depth, duplicate object keys."""

    max_depth: int = MAX_DEPTH
    duplicate_keys: Literal["last_wins", "refuse"] = "last_wins"


LAST_WINS = JsonPolicy()


async def read_body(request: web.Request, limit: int) -> bytes:
    """The raw body, refusing anything over `limit` bytes without reading past it.

    A declared Content-Length over the limit is refused before a byte is read; a chunked
    or lying body is cut off as soon as it crosses the limit.
    """
    declared = request.content_length
    if declared is not None and declared > limit:
        raise _too_large(limit)
    if request.content.is_eof():
        # All of it came with the headers (most bodies do): nothing to wait for, so no
        # timer to arm and cancel (about 20 calls a request), nor a read to await.
        raw = request.content.read_nowait()
        if len(raw) > limit:
            raise _too_large(limit)
        return raw
    # A client that stalls mid-body must not hold its connection and the handler forever.
    try:
        async with asyncio.timeout(request.app[SETTINGS].body_timeout_seconds):
            return await _read_within(request, limit)
    except TimeoutError:
        raise RequestTimeout("Request Timeout") from None


async def _read_within(request: web.Request, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = await request.content.readany()
        if not chunk:
            break
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> BodyTooLarge:
    return BodyTooLarge(f"request body is over {limit} bytes")


def without_bom(raw: bytes) -> bytes:
    """The body without a leading UTF-8 byte order mark: the bytes `parse_json` decodes."""
    return raw[len(_BOM) :] if raw.startswith(_BOM) else raw


def parse_json(raw: bytes, policy: JsonPolicy = LAST_WINS) -> Any:
    """Decode a JSON request body under `policy`; MalformedBody or EmptyBody if not."""
    if not raw.strip():
        raise EmptyBody("request body is empty")
    raw = without_bom(raw)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _refused(f"invalid UTF-8 at byte {exc.start}") from None
    value = _loads(text, raw, policy)
    if raw.count(b"[") + raw.count(b"{") > policy.max_depth:  # else it cannot be deeper
        _check_depth(value, policy.max_depth)
    if b"\\ud" in raw or b"\\uD" in raw:  # the only way to write a surrogate
        _check_unicode(value)
    return value


async def read_json(request: web.Request, limit: int, policy: JsonPolicy = LAST_WINS) -> Any:
    return parse_json(await read_body(request, limit), policy)


def _refused(problem: str) -> MalformedBody:
    return MalformedBody(f"request body is not valid JSON: {problem}")


def _loads(text: str, raw: bytes, policy: JsonPolicy) -> Any:
    shapes = raw.translate(_SHAPES)
    # A Python call per number: only for bodies that may hold an out-of-range one.
    numbers = _LONG_DIGITS in shapes or b"e000" in shapes or b"es000" in shapes
    decoder = _DECODERS[numbers, policy.duplicate_keys == "refuse"]
    try:
        if text.startswith("\ufeff"):  # json.loads' own refusal, which decode() lacks
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        return decoder.decode(text)
    except json.JSONDecodeError as exc:
        raise _refused(f"{exc.msg} at line {exc.lineno} column {exc.colno}") from None
    except RecursionError:  # the C parser's own guard, far below any real stack limit
        raise _too_deep(policy.max_depth) from None


def _constant(name: str) -> Any:
    raise _refused(f"{name} is not a JSON number")


def _int64(digits: str) -> int:
    # The length test first: int() of over 4300 digits raises ValueError by itself.
    if len(digits) <= 20:
        value = int(digits)
        if INT64_MIN <= value <= INT64_MAX:
            return value
    raise _refused("integers must fit in 64 bits")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _refused(f"{text[:20]} overflows a 64-bit float")
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _refused(f"duplicate key {key!r}")
        obj[key] = value
    return obj


# Keyed (number hooks, refuse duplicates): json.loads with hooks builds a decoder per call.
_DECODERS = {
    (numbers, unique): json.JSONDecoder(
        parse_constant=_constant,
        parse_int=_int64 if numbers else None,
        parse_float=_finite if numbers else None,
        object_pairs_hook=_unique_keys if unique else None,
    )
    for numbers in (False, True)
    for unique in (False, True)
}


def _too_deep(limit: int) -> MalformedBody:
    return _refused(f"nested deeper than {limit} levels")


def _check_depth(value: Any, limit: int) -> None:
    """Iterative, so a deep value cannot exhaust the stack while it is measured."""
    if type(value) is not dict and type(value) is not list:
        return
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        for item in node.values() if type(node) is dict else node:
            if type(item) is dict or type(item) is list:
                if depth == limit:
                    raise _too_deep(limit)
                stack.append((item, depth + 1))


def _check_unicode(value: Any) -> None:
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise _refused("a lone surrogate escape is not Unicode text") from None
