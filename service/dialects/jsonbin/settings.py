"""The JSONBin dialect's settings and the environment variables they come from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from aiohttp import web

from service.config import Table, boolean
from service.web.appkeys import SETTINGS


@dataclass(frozen=True)
class JsonBinSettings:
    """Whether private bins without a schema are held by their project
    (service.dialects.jsonbin.binrecords). Off only while replicas of a release from before
    held bins still serve: they cannot read a held bin."""

    hold_bins: bool = True

    environment: ClassVar[Table] = {
        "JSONBIN_HOLD_BINS": ("hold_bins", boolean),
    }


def holds_bins(request: web.Request) -> bool:
    return request.app[SETTINGS].section(JsonBinSettings).hold_bins
