"""Bytes of a feed → text, with the character set feeds actually use, not the one they claim.

Order of evidence (strongest first):

1. a byte-order mark (UTF-8, UTF-16, UTF-32);
2. the shape of the first bytes (UTF-16/32 without a BOM, XML 1.0 appendix F);
3. valid UTF-8: bytes that decode strictly as UTF-8 *are* UTF-8 in practice, whatever the
   HTTP header or XML prolog says (this catches "declared UTF-16/ISO-8859-1 but really
   UTF-8", the most common lie);
4. the HTTP ``charset`` parameter, then the XML prolog's ``encoding`` — each tried strictly;
5. nothing fits: charset-normalizer's statistical guess (undeclared GB2312, Big5, KOI8-R…
   feeds exist), else the declared charset or windows-1252 with undecodable bytes
   replaced; a note says which happened. An explicit UTF-8 declaration with bad bytes
   stays UTF-8 with the bad bytes replaced.

Legacy names map to the supersets that real servers mean (GB2312 → GB18030, Big5 → cp950,
Shift_JIS → cp932, EUC-KR → cp949, ISO-8859-1 → windows-1252, as the WHATWG encoding
standard does).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_SHAPES = (  # XML 1.0 appendix F, generalized: any ASCII start, declaration or not
    (re.compile(rb"\x00\x00\x00[\x01-\x7f]"), "utf-32-be"),
    (re.compile(rb"[\x01-\x7f]\x00\x00\x00"), "utf-32-le"),
    (re.compile(rb"(?:\x00[\t\n\r ])*\x00<\x00[\x01-\x7f]"), "utf-16-be"),
    (re.compile(rb"(?:[\t\n\r ]\x00)*<\x00[\x01-\x7f]\x00"), "utf-16-le"),
)
# Python codecs that are not charsets a document can be written in (bytes-to-bytes
# transforms, IDNA, escapes), and UTF-7, which the WHATWG encoding standard drops.
_NOT_CHARSETS = frozenset(
    {
        "undefined",
        "idna",
        "punycode",
        "unicode-escape",
        "raw-unicode-escape",
        "utf-7",
        "mbcs",
        "oem",
    }
)
SUPERSETS = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "big5": "cp950",
    "big5-tw": "cp950",
    "x-x-big5": "cp950",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "iso-8859-1": "windows-1252",
    "iso8859-1": "windows-1252",
    "latin1": "windows-1252",
    "latin-1": "windows-1252",
    "l1": "windows-1252",
    "us-ascii": "windows-1252",
    "ascii": "windows-1252",
    "iso-8859-9": "windows-1254",
    "tis-620": "cp874",
}
_PROLOG = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_HEADER = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # the Python codec finally used
    notes: tuple[str, ...] = ()


def decode_document(
    data: bytes, content_type: str = "", *, in_document: str | None = None
) -> Decoded:
    """Decode a body following the order of evidence in the module docstring.

    ``in_document`` is the charset the document declares itself when it is not XML (an
    HTML page's ``<meta charset>``); by default it is read from the XML prolog.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return _decode_known(data[len(bom) :], name, "byte-order mark")
    for shape, name in _SHAPES:
        if shape.match(data):
            return _decode_known(data, name, "first bytes")
    header = header_charset(content_type)
    prolog = in_document if in_document is not None else prolog_charset(data)
    declared = list(dict.fromkeys(c for c in (header, prolog) if c))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _decode_declared(data, declared, exc)
    notes: tuple[str, ...] = ()
    if text and not text.isascii() and any(_codec(c) != "utf-8" for c in declared):
        unknown = [c for c in declared if _codec(c) is None]
        said = f" (unknown charset {', '.join(unknown)})" if unknown else ""
        notes = (f"declared {', '.join(declared)}{said} but the bytes are UTF-8; read as UTF-8",)
    return Decoded(text, "utf-8", notes)


def header_charset(content_type: str) -> str | None:
    match = _HEADER.search(content_type or "")
    return match.group(1).lower() if match else None


def prolog_charset(data: bytes) -> str | None:
    match = _PROLOG.match(data[:1024])
    return match.group(1).decode("ascii").lower() if match else None


def _codec(name: str) -> str | None:
    """The Python codec for a declared charset name; None when it names no charset
    (unknown, or a Python codec such as ``hex`` or ``rot13`` that decodes no text)."""
    name = SUPERSETS.get(name.lower(), name.lower())
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _decode_known(data: bytes, name: str, evidence: str) -> Decoded:
    try:
        return Decoded(data.decode(name), name)
    except UnicodeDecodeError as exc:
        note = f"invalid {name} bytes (from the {evidence}) at byte {exc.start}; replaced"
        return Decoded(data.decode(name, "replace"), name, (note,))


def _decode_declared(data: bytes, declared: list[str], utf8_error: UnicodeDecodeError) -> Decoded:
    """Not UTF-8: the first declared charset that decodes strictly, else a lossy best effort."""
    codecs_ = [
        c
        for c in (_codec(d) for d in declared)
        if c and not c.startswith("utf-16") and not c.startswith("utf-32")
    ]
    for codec in codecs_:
        if codec == "utf-8":
            continue
        try:
            return Decoded(data.decode(codec), codec)
        except UnicodeDecodeError:
            continue
    unknown = [d for d in declared if _codec(d) is None]
    if codecs_ and codecs_[0] == "utf-8":
        fallback = "utf-8"
        note = f"invalid UTF-8 at byte {utf8_error.start}; undecodable bytes replaced"
    elif (guess := _guess(data)) is not None:
        fallback = guess
        said = f"declared {', '.join(declared)}" if declared else "no charset declared"
        note = f"not UTF-8 and {said}; detected {guess}"
    else:
        fallback = codecs_[0] if codecs_ else "windows-1252"
        note = f"not UTF-8 and no charset fits; read as {fallback} with undecodable bytes replaced"
    if unknown:
        note += f" (unknown charset {', '.join(unknown)})"
    return Decoded(data.decode(fallback, "replace"), fallback, (note,))


def _guess(data: bytes) -> str | None:
    """charset-normalizer's best guess (only for bodies no declaration explains)."""
    import charset_normalizer

    matches = list(charset_normalizer.from_bytes(data[:200_000]))
    if not matches:
        return None
    least_chaos = min(m.chaos for m in matches)
    # Western text fits several single-byte code pages equally well; windows-1252, the
    # web's legacy default, is the likeliest of them (it beats a "coherent" cp1257 guess).
    if any(m.encoding == "cp1252" and m.chaos <= least_chaos + 0.01 for m in matches):
        return "cp1252"
    return _codec(matches[0].encoding)


_C1 = re.compile("[\x80-\x9f]")
_C1_TABLE = {i: bytes([i]).decode("windows-1252", "ignore") or chr(i) for i in range(0x80, 0xA0)}


def fix_c1(text: str) -> str:
    """C1 control characters (U+0080–U+009F) in feeds are windows-1252 punctuation read as
    Latin-1 (``&#146;`` for ’): give them back their intended characters."""
    return text.translate(_C1_TABLE) if _C1.search(text) else text


_CHARSET_META = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w.:-]+)""", re.I)


def decode_html(data: bytes, content_type: str = "") -> str:
    """An HTML page's bytes to text (full text, revisits): the same evidence as feeds,
    with the page's ``<meta charset>`` in the place of an XML prolog."""
    meta = _CHARSET_META.search(data[:4096])
    declared = meta.group(1).decode("ascii", "replace").lower() if meta else None
    return decode_document(data, content_type, in_document=declared).text
