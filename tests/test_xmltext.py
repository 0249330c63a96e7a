"""The hardening pass (fetch/xmltext.py): what it rewrites, and the property that makes
it worth having — one broken entry never changes what lxml reads of another."""

from __future__ import annotations

from html.entities import html5
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsvault.fetch.feeds import parse_feed
from newsvault.fetch.xmltext import MAX_EXPANSION, harden, needs_hardening

URL = "http://example.org/feed.xml"


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        ("caf&eacute; &mdash; ok", "café — ok"),
        ("&nbsp;", "\u00a0"),
        ("&nbsp x", "\u00a0 x"),  # a legacy name without ";"
        ("&copy 2021", "© 2021"),
        ("&copy2021", "&copy2021"),  # HTML's attribute rule: a letter or digit follows
        ("?a=1&copy=2", "?a=1&copy=2"),  # "=" follows: a URL parameter, kept
        ("?a=1&b=2&c", "?a=1&b=2&c"),
        ("Q& A", "Q& A"),
        ("&unknown;", "&unknown;"),
        ("&lang;", "\u27e8"),  # an HTML5 name that needs its ";"
        ("&lang x", "&lang x"),  # … and is not a legacy one
        ("&NotEqualTilde;", "\u2242\u0338"),  # two characters
        ("&#65;&#x42;&#67", "ABC"),
        ("&#xD800;|&#0;|&#1;|&#x110000;|&#99999999999;", "\ufffd|\ufffd|\ufffd|\ufffd|\ufffd"),
        ("&#x80;", "\u0080"),  # C1: XML holds it; fix_c1 maps it to € later
        ("a < b <= c", "a < b <= c"),
        ("bell\x07 here", "bell\ufffd here"),
        ("&amp;&lt;&gt;&quot;&apos;", "&<>\"'"),
    ],
)
def test_references_become_the_characters_html_gives(raw: str, text: str) -> None:
    doc = f"<r><a>{raw}</a><b t='{raw}'/></r>"
    from lxml import etree

    root = etree.fromstring(harden(doc).text.encode(), etree.XMLParser(recover=False))
    assert root[0].text == text
    if "<" not in text and "'" not in text:
        assert root[1].get("t") == text


def test_cdata_comments_and_processing_instructions_are_kept_as_written() -> None:
    doc = "<?pi a & b?><r><!-- a & b &nbsp; --><a><![CDATA[a & b &nbsp; <i>]]></a></r>"
    hardened = harden(doc)
    assert hardened.text == doc and not hardened.notes()


def test_the_notes_say_what_was_repaired() -> None:
    notes = harden("<r>&nbsp;&nbsp;&eacute; & &foo; &#xD800; \x01 a < b <item> <entry/></r>")
    assert notes.notes() == [
        "XML errors repaired: 3 HTML entities decoded (&nbsp; &eacute;), 1 bare & kept as text, "
        "1 undefined entity kept as text (&foo;), 1 character reference to what XML cannot hold "
        "replaced by U+FFFD (&#xD800;), 1 control character replaced by U+FFFD, "
        "1 bare < kept as text"
    ]
    assert notes.items == {"item": 1, "entry": 1}


def test_doctype_entities_plain_ones_expanded_the_rest_never() -> None:
    doc = (
        '<!DOCTYPE rss [<!ENTITY me "M&#233;moire"><!ENTITY % p SYSTEM "http://x/p.ent"> %p;'
        '<!ENTITY ext SYSTEM "file:///etc/passwd"><!ENTITY nest "&me;&me;">]>'
        "<rss>&me; &ext; &nest; &eacute;</rss>"
    )
    hardened = harden(doc)
    from lxml import etree

    assert etree.fromstring(hardened.text.encode()).text == "Mémoire &ext; &nest; é"
    assert "<!DOCTYPE" not in hardened.text
    assert hardened.notes()[-1] == (
        "the DOCTYPE's external, parameter or nested entities were "
        "neither fetched nor expanded (%p; &ext; &nest;)"
    )


def test_plain_entities_beyond_the_expansion_limit_are_not_expanded() -> None:
    value = "x" * 1000
    doc = (
        f'<!DOCTYPE r [<!ENTITY big "{value}">]><r>'
        + "&big;" * (MAX_EXPANSION // 1000 + 1)
        + "</r>"
    )
    hardened = harden(doc)
    assert value not in hardened.text and "&#38;big;" in hardened.text
    assert "(&big;)" in hardened.notes()[-1]


def test_well_formed_text_needs_no_hardening() -> None:
    assert not needs_hardening("<r a='&amp;'>&lt;p&gt; &#38; &#x4E2D;</r>")
    for broken in ("&nbsp;", "a & b", "&#xZZ;", "<!DOCTYPE r [<!ENTITY a 'b'>]><r/>"):
        assert needs_hardening(broken), broken


# Characters XML 1.0 can hold (but C1 controls, which fix_c1 reads as windows-1252 on purpose).
_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff", min_codepoint=0x20
    ).filter(lambda c: not 0x7F <= ord(c) <= 0x9F),
    max_size=40,
)
_HOSTILE = st.lists(
    st.sampled_from(
        [
            "&",
            "&amp;",
            "&nbsp;",
            "&nbsp",
            "&eacute;",
            "&copy=",
            "&#",
            "&#xD800;",
            "&#1;",
            "<",
            "< ",
            "&foo;",
            ";",
            "#",
            "x",
            "é",
            " ",
            "&lt;",
            "]]>",
            "<![CDATA[",
            "\x08",
            "&#x26;",
        ]
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(hostile=_HOSTILE, before=_TEXT, after=_TEXT)
def test_a_hostile_entry_changes_nothing_in_its_neighbours(
    hostile: list[str], before: str, after: str
) -> None:
    """Whatever one item's title holds, the titles around it are read exactly."""
    items = [before, "".join(hostile), after]
    body = "".join(
        f"<item><title>{escape(t) if n != 1 else t}</title>"
        f"<link>http://e.com/{n}?a=1&amp;b=2</link></item>"
        for n, t in enumerate(items)
    )
    feed = parse_feed(f"<rss><channel>{body}</channel></rss>".encode(), url=URL)
    titles = {e.link: e.title for e in feed.entries}
    assert (titles["http://e.com/0?a=1&b=2"] or "") == before
    assert (titles["http://e.com/2?a=1&b=2"] or "") == after


@given(st.sampled_from(sorted(k for k in html5 if k.endswith(";"))))
def test_every_html5_named_reference_is_decoded(name: str) -> None:
    feed = parse_feed(
        f"<rss><channel><item><title>[&{name}]</title><link>http://e.com/</link>"
        "</item></channel></rss>".encode(),
        url=URL,
    )
    expected = html5[name]
    if any(0x80 <= ord(c) <= 0x9F for c in expected):
        return  # no HTML5 name maps to C1, but fix_c1 would rewrite one
    assert feed.entries[0].title == f"[{expected}]"
