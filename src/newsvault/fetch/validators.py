"""A feed version's validators, apart from the HTTP client: the fetch state stores them,
and the site build reads that state without loading the HTTP stack."""

from __future__ import annotations

from dataclasses import dataclass

from newsvault.models import Fetched


@dataclass(frozen=True)
class Validators:
    """What a server said about a feed's version: sent back for a conditional GET."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        out = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out

    @classmethod
    def of(cls, fetched: Fetched) -> Validators:
        headers = {k.lower(): v for k, v in fetched.headers}
        return cls(headers.get("etag"), headers.get("last-modified"))
