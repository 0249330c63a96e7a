"""The one-line rule: the reference's bytes for ordinary input, line breaks kept in <pre>."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser

from newsvault.content import ContentOptions, clean_html
from newsvault.content.oneline import JS_WHITESPACE, js_trim, to_one_line


def reference(html: str) -> str:
    """perform.js: content.split('\\n').map(s => s.trim()).join('')"""
    return "".join(line.strip(JS_WHITESPACE) for line in html.split("\n"))


def test_reference_rule_trims_each_line_and_joins_with_nothing() -> None:
    html = "<div>\n  <p>Hello\n    world</p>\n\t<p>two</p>  \n</div>\n"
    assert to_one_line(html) == "<div><p>Helloworld</p><p>two</p></div>"


def test_js_trim_set_differs_from_python_strip() -> None:
    # U+FEFF and U+3000 are trimmed by JavaScript; U+001F and U+0085 are not.
    assert js_trim("\ufeff\u3000x\u00a0") == "x"
    assert js_trim("\x1fx\x85") == "\x1fx\x85"
    assert "\x1fx\x85".strip() == "x"


def test_pre_and_textarea_keep_newlines_as_character_references() -> None:
    html = "<p>a\n b</p>\n<pre class='c'>line 1\n  line 2\n</pre>\n<textarea>x\ny</textarea>"
    out = to_one_line(html)
    assert (
        out == "<p>ab</p><pre class='c'>line 1&#10;  line 2&#10;</pre><textarea>x&#10;y</textarea>"
    )


def test_nested_pre_and_unclosed_pre() -> None:
    assert (
        to_one_line("<pre>a\n<pre>b\n</pre>c\n</pre>\n d")
        == "<pre>a&#10;<pre>b&#10;</pre>c&#10;</pre>d"
    )
    assert to_one_line("x\n <PRE>a\n  b") == "x<PRE>a&#10;  b"


def test_line_break_between_attributes_is_a_space_not_nothing() -> None:
    # the reference made "<aclass=…href=…>" of this (PostGIS feed in the fixtures)
    html = '<a\nclass="gdoc-markdown__link"\nhref="https://www.postgresql.org/">PostgreSQL\n17</a>'
    assert (
        to_one_line(html)
        == '<a class="gdoc-markdown__link" href="https://www.postgresql.org/">PostgreSQL17</a>'
    )
    assert (
        to_one_line('<img\n  src="a.png"\n  alt="two\n   lines"\n/>')
        == '<img src="a.png" alt="twolines" />'
    )


def test_crlf_is_a_line_break() -> None:
    assert to_one_line("<p>a</p>\r\n  <p>b</p>\r") == "<p>a</p><p>b</p>"


@given(st.text(alphabet=st.sampled_from(list("ab <>/p\n\t\u3000\u00a0x=\"'")), max_size=60))
def test_without_pre_it_is_exactly_the_reference(html: str) -> None:
    if "pre" in html.lower() or "\r" in html or re.search(r"<[a-zA-Z][^<>]*\n", html):
        return  # pre-like elements and line breaks inside a tag are the two deviations
    assert to_one_line(html) == reference(html)


@given(st.text(max_size=80))
def test_always_one_line(html: str) -> None:
    out = to_one_line(html)
    assert "\n" not in out and "\r" not in out


PRE_TEXT = "def f():\n    return 1\n\n# done"


def test_pre_line_breaks_survive_cleaning_and_markdown_rendering() -> None:
    html = f"<p>Code:</p>\n<pre><code>{PRE_TEXT}</code></pre>\n<p>after</p>"
    body = clean_html(html, "https://example.com/a", ContentOptions()).html
    assert "\n" not in body
    post_body = f"[t](https://example.com/a)\n------\n\n<div>\n{body}\n</div>\n"
    rendered = MarkdownIt("commonmark", {"html": True}).render(post_body)
    pre = LexborHTMLParser(rendered).css_first("pre")
    assert pre is not None
    assert pre.text(deep=True) == PRE_TEXT
    # the paragraphs outside <pre> were joined by the reference rule
    assert LexborHTMLParser(rendered).css_first("div").text().strip().startswith("Code:def")
