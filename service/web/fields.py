"""Marshmallow fields the stock ones lack: a boolean that accepts only JSON true/false."""

from __future__ import annotations

from typing import Any

from marshmallow import fields


class StrictBoolean(fields.Boolean):
    """Only `true`/`false`: the stock field also takes "yes", 1 and "on"."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value
