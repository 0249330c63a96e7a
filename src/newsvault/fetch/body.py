"""Reading a response body under a size cap, decompressing it ourselves.

httpx would decompress for us, but one compressed chunk can inflate to gigabytes
before any caller sees it (a "gzip bomb"). Here every decoder is asked for at most
the bytes still allowed (plus one, to notice the overflow), so memory stays bounded
by the cap whatever the compression ratio. The cap applies to the raw bytes on the
wire and to the decoded bytes alike.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Protocol

import brotli

from newsvault.errors import FetchError, LimitExceeded


class _Decoder(Protocol):
    def decode(self, data: bytes, limit: int) -> bytes: ...

    def complete(self) -> bool: ...


class _Identity:
    def decode(self, data: bytes, limit: int) -> bytes:
        return data

    def complete(self) -> bool:
        return True


class _Zlib:
    """gzip (``wbits`` 16+) or deflate; deflate falls back to a raw stream like browsers do."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._obj = zlib.decompressobj(16 + zlib.MAX_WBITS if gzip else zlib.MAX_WBITS)
        self._first = True

    def decode(self, data: bytes, limit: int) -> bytes:
        try:
            out = self._obj.decompress(data, limit)
        except zlib.error:
            if self._gzip or not self._first:
                raise
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            out = self._obj.decompress(data, limit)
        self._first = False
        return out

    def complete(self) -> bool:
        return self._first or self._obj.eof


class _Brotli:
    def __init__(self) -> None:
        self._obj = brotli.Decompressor()

    def decode(self, data: bytes, limit: int) -> bytes:
        return self._obj.process(data, output_buffer_limit=limit)

    def complete(self) -> bool:
        return self._obj.is_finished()


_DECODERS: dict[str, Callable[[], _Decoder]] = {
    "identity": _Identity,
    "gzip": lambda: _Zlib(True),
    "x-gzip": lambda: _Zlib(True),
    "deflate": lambda: _Zlib(False),
    "br": _Brotli,
}


class BoundedBody:
    """Collects a body chunk by chunk; raises LimitExceeded past ``max_bytes``."""

    def __init__(self, content_encoding: str, max_bytes: int) -> None:
        codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
        unknown = [c for c in codings if c not in _DECODERS]
        if unknown:
            raise FetchError(f"unsupported Content-Encoding {', '.join(unknown)}")
        # Codings are listed in the order they were applied; undo them in reverse.
        self._decoders: list[_Decoder] = [_DECODERS[c]() for c in reversed(codings)]
        self._max = max_bytes
        self._raw = 0
        self._parts: list[bytes] = []
        self._size = 0

    def feed(self, chunk: bytes) -> None:
        self._raw += len(chunk)
        if self._raw > self._max:
            raise LimitExceeded(f"response larger than {self._max:,} bytes")
        data = chunk
        try:
            for decoder in self._decoders:
                limit = self._max - self._size + 1
                data = decoder.decode(data, limit)
                if len(data) >= limit:  # a decoder stopped at the limit: the body is too big
                    raise LimitExceeded(
                        f"response larger than {self._max:,} bytes after decompression"
                    )
        except (zlib.error, brotli.error) as exc:
            raise FetchError(f"broken compressed body: {exc}") from None
        self._size += len(data)
        if self._size > self._max:
            raise LimitExceeded(f"response larger than {self._max:,} bytes after decompression")
        self._parts.append(data)

    def result(self) -> bytes:
        """The decoded body; a compressed stream cut short is an error, not a short feed."""
        if self._raw and not all(d.complete() for d in self._decoders):
            raise FetchError("broken compressed body: the stream ends before its end marker")
        return b"".join(self._parts)
