"""`X-JSON-Path`: jsonpath-ng's extended syntax, its regular expressions run by RE2.

The caller writes the regex (`=~` filters, `sub(/re/, repl)`), so Python's backtracking `re`
would let one pattern such as `(a+)+$` stall the event loop for minutes. RE2 matches in
time linear in the text and refuses what needs backtracking (backreferences, lookarounds).
The swap is made on each parsed expression, never on the library's module state.
"""

from __future__ import annotations

from typing import Any

import re2
from jsonpath_ng import DatumInContext, JSONPath
from jsonpath_ng.ext import parse
from jsonpath_ng.ext.filter import Expression
from jsonpath_ng.ext.string import Sub

from service.dialects.jsonbin import messages
from service.errors import Invalid

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a refused pattern is the caller's error, not ours to log


def _regex(pattern: Any) -> Any:
    if not isinstance(pattern, str):
        raise _invalid()
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error:
        raise _invalid() from None


def _invalid() -> Invalid:
    return Invalid(messages.INVALID_JSON_PATH)


class _Re2Match(Expression):
    """`target =~ pattern`: the strings found by `target` that the pattern matches."""

    def __init__(self, original: Expression) -> None:
        super().__init__(original.target, original.op, original.value)
        self._literal = None if isinstance(self.value, JSONPath) else _regex(self.value)

    def find(self, datum: Any) -> list[Any]:
        wrapped = DatumInContext.wrap(datum)
        if self._literal is not None:
            patterns = [self._literal]
        else:  # a pattern taken from the document (older jsonpath-ng parses this form)
            patterns = [_regex(match.value) for match in self.value.find(wrapped)]
        return [
            match
            for match in self.target.find(wrapped)
            if isinstance(match.value, str) and any(p.search(match.value) for p in patterns)
        ]


def _swap(node: Any) -> Any:
    """`node` with every regex-running part of its tree replaced by an RE2-backed one."""
    if isinstance(node, list | tuple):
        return type(node)(_swap(item) for item in node)
    if not isinstance(node, JSONPath):
        return node
    for name, value in vars(node).items():
        if isinstance(value, JSONPath | list | tuple):
            setattr(node, name, _swap(value))
    if isinstance(node, Sub):
        node.regex = _regex(node.expr)
    if isinstance(node, Expression) and node.op == "=~":
        return _Re2Match(node)
    return node


def select(path: str, record: Any) -> list[Any]:
    """The values `path` selects in `record`; 400 (JSONBin's wording) for any bad path."""
    try:
        expression = _swap(parse(path.strip()))
        # Evaluation can fail too (a filter comparing what cannot be compared, say).
        return [match.value for match in expression.find(record)]
    except Invalid:
        raise
    except Exception:
        raise _invalid() from None
