"""Session cookies: set and cleared in one place, with the attributes browsers require.

A dialect holds one `SessionCookie` per cookie it issues (rested's
`__Secure-rested-access-token`, Buzz's `{buzz_key}_buzz_cookie`); its name is what the
dialect's cookie credential source reads (service.web.principal).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from aiohttp import web

# RFC 6265 section 4.1.1: a cookie name is an RFC 2616 token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@dataclass(frozen=True)
class SessionCookie:
    """How one session cookie is sent. Host-only (no `Domain`): cookie jars refuse a
    `Domain` on an IP host, and the cookie should go back to this host only."""

    name: str
    # False only for plain-HTTP development: no client sends a Secure cookie over http://.
    secure: bool = True
    same_site: Literal["Strict", "Lax", "None"] = "Lax"
    path: str = "/"

    def __post_init__(self) -> None:
        if not _TOKEN.fullmatch(self.name):
            raise ValueError(f"{self.name!r} is not a valid cookie name")

    @property
    def _same_site(self) -> str:
        # Browsers refuse `SameSite=None` without `Secure`; on plain HTTP, Lax still works
        # for same-site pages, which is all such a development set-up can serve.
        if self.same_site == "None" and not self.secure:
            return "Lax"
        return self.same_site

    def set(self, response: web.StreamResponse, token: str, *, max_age: int | None) -> None:
        """Send `token`; `max_age` None makes a cookie that ends with the browser session."""
        response.set_cookie(
            self.name,
            token,
            max_age=max_age,
            path=self.path,
            secure=self.secure,
            httponly=True,  # scripts never see a session token
            samesite=self._same_site,
        )

    def clear(self, response: web.StreamResponse) -> None:
        """Tell the client to drop the cookie: `Max-Age=0` with the attributes it was set
        with, since a browser matches the cookie to remove by name, path and domain."""
        response.del_cookie(
            self.name,
            path=self.path,
            secure=self.secure,
            httponly=True,
            samesite=self._same_site,
        )
