"""Feed text that libxml2's recovery cannot corrupt ("hardened"), and the DOCTYPE rule.

Why: in recover mode, after its first well-formedness error libxml2 drops every entity
reference for the rest of the document — ``&amp; &lt; &gt;`` included — while it keeps
character references (``&#38;``). One ``&nbsp;`` or bare ``&`` in the first item turned
``<p>Hello &amp; bye</p>`` into ``pHello amp; bye/p`` in all the others. So a document
that is not well-formed is rewritten before lxml reads it, and lxml never sees an
entity reference again:

- the five XML entities, the DOCTYPE's plain internal entities (vetted below) and all of
  HTML5's named references (``html.entities.html5``; without the ``;`` only the legacy
  names HTML allows, and — HTML's rule for attributes, which keeps URLs intact — not
  when ``=`` follows: ``?a=1&copy=2`` stays a link) become character references;
- a ``&`` that starts no reference is text (``&#38;``), as in HTML: ``?a=1&b=2&c`` and
  ``Q& A`` keep every character; so is ``&unknown;``;
- a character reference to what XML cannot hold (``&#xD800;``, ``&#0;``, ``&#1;``,
  beyond U+10FFFF) and the raw C0 control characters become U+FFFD, as HTML does for
  the first three (lxml cannot hold a control character at all);
- a ``<`` that cannot start markup (``a < b``), or that opens a CDATA section, comment or
  processing instruction never closed, is text (``&#60;``): one stray ``<![CDATA[`` in a
  title does not swallow the rest of the feed.

CDATA sections, comments and processing instructions are copied as they are (only
characters XML cannot hold are replaced inside them). The DOCTYPE is removed: its
plain internal entities (a literal value, character references at most; no more than
``MAX_ENTITY_DECLS``, expanding to ``MAX_EXPANSION`` characters at most) are expanded
here; external (``SYSTEM``/``PUBLIC``), parameter (``%name;``) and nested entities are
never fetched or expanded — references to them are read like any undefined entity.
That keeps XXE and "billion laughs" harmless without refusing the feed. Every repair
is counted for the feed's report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.entities import html5

__all__ = ["Hardened", "harden", "needs_hardening", "MAX_ENTITY_DECLS", "MAX_EXPANSION"]

MAX_ENTITY_DECLS = 50
MAX_EXPANSION = 1_000_000
_XML_ENTITIES = {"amp": "&#38;", "lt": "&#60;", "gt": "&#62;", "quot": "&#34;", "apos": "&#39;"}
# Every alternative starts with a literal "<" or "&", so that the regex engine skips to
# those characters (a ~5× faster scan than alternatives that start with groups).
_TOKEN = re.compile(
    r"""
    <(?: (?P<cdata>!\[CDATA\[.*?\]\]>)
       | (?P<comment>!--.*?-->)
       | (?P<pi>\?.*?\?>)
       | (?P<unclosed>(?=!\[CDATA\[|!--|\?))
       | (?P<doctype>!(?i:DOCTYPE)(?:[^\[>"']|"[^"]*"|'[^']*')*
             (?:\[(?:[^\]"']|"[^"]*"|'[^']*')*\]\s*)?>)
       | (?P<item>(?:[\w.-]+:)?(?P<name>item|entry)(?=[\s/>]))
       | (?P<lt>(?![A-Za-z_:/!?])) )
  | &(?P<ref>\#[0-9]+;?|\#[xX][0-9a-fA-F]+;?|[A-Za-z_][\w.:-]*;?)?
""",
    re.S | re.X,
)
_SUSPECT = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6});)")
_BAD_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DECL = re.compile(r"<!ENTITY\s+(%\s+)?([A-Za-z_][\w.-]*)\s+(.*?)>", re.S)
_LITERAL = re.compile(r"""\s*(?:"([^"]*)"|'([^']*)')\s*""", re.S)
_CHAR_REF = re.compile(r"&#(?:([0-9]{1,9})|[xX]([0-9a-fA-F]{1,8}));")
_ALNUM = re.compile(r"[A-Za-z0-9]*")
_ENTITY_REF = re.compile(r"[&%][A-Za-z_:][\w.:-]*;")


@dataclass
class Hardened:
    """The rewritten text, and what was repaired (for the feed's report)."""

    text: str
    items: dict[str, int] = field(default_factory=dict)  # <item>/<entry> start tags per name
    html_entities: dict[str, int] = field(default_factory=dict)
    bare_amps: int = 0
    bad_refs: list[str] = field(default_factory=list)
    bad_chars: int = 0
    stray_lts: int = 0
    expanded: int = 0  # references to the DOCTYPE's own entities
    unexpanded: list[str] = field(default_factory=list)  # DOCTYPE entities never expanded
    unknown: list[str] = field(default_factory=list)  # &name; that no one defines

    def notes(self) -> list[str]:
        """One line of repairs (entity errors), one for the DOCTYPE rule."""
        parts = []
        if self.html_entities:
            names = " ".join(f"&{n}" for n in list(self.html_entities)[:4])
            parts.append(
                f"{_count(sum(self.html_entities.values()), 'HTML entity', 'HTML entities')}"
                f" decoded ({names})"
            )
        if self.bare_amps:
            parts.append(f"{_count(self.bare_amps, 'bare &')} kept as text")
        if self.unknown:
            parts.append(
                f"{_count(len(self.unknown), 'undefined entity', 'undefined entities')}"
                f" kept as text ({' '.join(dict.fromkeys(self.unknown[:4]))})"
            )
        if self.bad_refs:
            parts.append(
                f"{_count(len(self.bad_refs), 'character reference')} to what XML cannot "
                f"hold replaced by U+FFFD ({' '.join(dict.fromkeys(self.bad_refs[:4]))})"
            )
        if self.bad_chars:
            parts.append(f"{_count(self.bad_chars, 'control character')} replaced by U+FFFD")
        if self.stray_lts:
            parts.append(f"{_count(self.stray_lts, 'bare <')} kept as text")
        out = [f"XML errors repaired: {', '.join(parts)}"] if parts else []
        if self.unexpanded:
            out.append(
                "the DOCTYPE's external, parameter or nested entities were neither "
                f"fetched nor expanded ({' '.join(self.unexpanded[:4])})"
            )
        return out


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + ('s' if one[-1].isalpha() else '')}"


def needs_hardening(text: str) -> bool:
    """A cheap look for what surely breaks libxml2 (undefined entities, bare ``&``,
    entity declarations); other errors show in the parser's error log."""
    return _SUSPECT.search(text) is not None or "<!ENTITY" in text


def harden(text: str) -> Hardened:
    """``text`` rewritten as the module docstring says (the result is well-formed as far
    as entities and characters go; tag structure is left to libxml2's recovery)."""
    out = Hardened(text)
    declared: dict[str, str] = {}

    def token(m: re.Match[str]) -> str:
        kind = m.lastgroup
        if kind == "ref" or (kind is None and m.group(0) == "&"):
            return _reference(m.group("ref"), m, out, declared)
        if kind == "item":
            out.items[m.group("name")] = out.items.get(m.group("name"), 0) + 1
            return m.group(0)
        if kind == "lt" or kind == "unclosed":
            out.stray_lts += 1
            return "&#60;"
        if kind == "doctype":
            declared.update(_vet_doctype(m.group(0), text, out))
            return ""
        return m.group(0)  # CDATA, comment, processing instruction: as written

    text, out.bad_chars = _BAD_CHARS.subn("\ufffd", text)  # everywhere, CDATA included
    out.text = _TOKEN.sub(token, text)
    return out


def _reference(ref: str | None, m: re.Match[str], out: Hardened, declared: dict[str, str]) -> str:
    if ref is None:
        out.bare_amps += 1
        return "&#38;"
    if ref[0] == "#":
        return _numeric(ref, out)
    if ref.endswith(";"):
        name = ref[:-1]
        if name in _XML_ENTITIES:
            return _XML_ENTITIES[name]
        if name in declared:
            out.expanded += 1
            return declared[name]
        if ref in html5:
            out.html_entities[ref] = out.html_entities.get(ref, 0) + 1
            return _char_refs(html5[ref])
        out.unknown.append(f"&{ref}")
        return "&#38;" + ref
    # No ";": HTML's legacy names (&nbsp &copy …), unless a letter, digit or "=" follows
    # (HTML's rule for attribute values, which keeps "?a=1&copy=2" a link).
    alnum = _ALNUM.match(ref)
    name = alnum.group(0) if alnum else ""
    after = ref[len(name) : len(name) + 1] or m.string[m.end() : m.end() + 1]
    if name in html5 and after != "=":
        out.html_entities[name] = out.html_entities.get(name, 0) + 1
        return _char_refs(html5[name]) + ref[len(name) :]
    out.bare_amps += 1
    return "&#38;" + ref


def _numeric(ref: str, out: Hardened) -> str:
    digits = ref[1:].rstrip(";")
    code = -1 if len(digits) > 9 else int(digits[1:], 16) if digits[:1] in "xX" else int(digits)
    if _xml_char(code):
        return f"&#{code};"
    out.bad_refs.append(f"&{ref}" if ref.endswith(";") else f"&{ref};")
    return "&#xFFFD;"


def _xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _char_refs(value: str) -> str:
    return "".join(f"&#{ord(c)};" for c in value)


def _vet_doctype(doctype: str, text: str, out: Hardened) -> dict[str, str]:
    """The DOCTYPE's plain internal entities as character references, if all of them
    are safe to expand; every other declaration is listed as not expanded."""
    plain: dict[str, str] = {}
    for percent, name, rest in _DECL.findall(doctype):
        literal = _LITERAL.fullmatch(rest)
        value = (
            None
            if literal is None
            else (literal.group(1) if literal.group(1) is not None else literal.group(2))
        )
        if percent or value is None or _ENTITY_REF.search(value) or "<" in value:
            out.unexpanded.append(f"%{name};" if percent else f"&{name};")
            continue
        plain[name] = _CHAR_REF.sub(_decode_ref, value)
    if (
        len(plain) > MAX_ENTITY_DECLS
        or sum(len(v) * text.count(f"&{n};") for n, v in plain.items()) > MAX_EXPANSION
    ):
        out.unexpanded.extend(f"&{name};" for name in plain)
        return {}
    return {name: _char_refs(value) for name, value in plain.items()}


def _decode_ref(m: re.Match[str]) -> str:
    code = int(m.group(1)) if m.group(1) else int(m.group(2), 16)
    return chr(code) if _xml_char(code) else "\ufffd"
