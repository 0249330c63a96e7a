"""Folding and items (newsvault.site.search.fold): the table, the variants, the spec."""

from __future__ import annotations

import json
import unicodedata

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsvault.site.search import maketable
from newsvault.site.search.fold import BREAK, CJK, WORD, fold, index_items, items, table, token_hash
from newsvault.site.search.text import html_text
from paths import REAL_SAMPLE

# Characters the tests draw from: Simplified and Traditional forms, variants, width and
# case forms, Japanese, punctuation, spaces, ignorables, an astral ideograph.
ALPHABET = (
    "国國务務卿台臺灣湾历歷曆史翻墙牆罗羅新里裡裏着著乾干幹后後发發髮面麵日本語の"
    "abcXYZ019ＡＢｃ１ｶﾀ ,.'\"-—、。，「」！？()\n\t\u3000\u00a0\u200b\u00ad\ufe0f𠮷𩸽😀"
)
texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=60) | st.text(max_size=30)


@pytest.mark.parametrize(
    "words",
    [
        ["国务卿", "國務卿"],
        ["台湾", "臺灣", "台灣", "臺湾"],
        ["历史", "歷史"],
        ["翻墙", "翻牆", "翻墻"],
        ["罗新", "羅新"],
        ["里", "裡", "裏"],
        ["着", "著"],
        ["发", "發", "髮"],
        ["干", "乾", "幹"],
        ["后", "後"],
        ["面", "麵", "麪"],
        ["为", "為", "爲"],
        ["线", "線", "綫"],
        ["abc", "ABC", "ＡＢＣ"],
        ["カタ", "ｶﾀ"],
        ["2020", "２０２０"],
    ],
)
def test_spellings_of_one_word_fold_together(words):
    assert len({fold(w) for w in words}) == 1


def test_distinct_words_stay_apart():
    """(象/像, 沈/沉 and 里/哩 do fold together: OpenCC 1.4.2 lists them as conversion
    candidates of each other, as in 好象/好像; a phrase query still needs its neighbours.)"""
    for a, b in [
        ("中国", "中华"),
        ("日", "曰"),
        ("土", "士"),
        ("已", "己"),
        ("未", "末"),
        ("人", "入"),
    ]:
        assert fold(a) != fold(b)


def test_table_is_the_one_opencc_makes():
    """The committed table is what the generator makes from the installed OpenCC (the
    version pyproject pins); under another Unicode version only the script part is compared."""
    made = maketable.build_table()
    committed = json.loads(maketable.TABLE.read_text(encoding="utf-8"))
    assert committed["opencc"] == opencc.__version__ == made["opencc"]
    if committed["unicode"] == unicodedata.unidata_version:
        assert maketable.dumps(made) == maketable.TABLE.read_text(encoding="utf-8")
    else:
        script, _ = maketable._script_fold()
        assert all(fold(a) == fold(b) for a, b in script.items())


def test_folding_is_one_to_one_and_settled():
    t = table()
    assert all(t.mapping.get(b, b) == b for b in t.mapping.values())  # fold(fold(c)) == fold(c)
    assert not any(0xD800 <= a <= 0xDFFF for a in t.mapping)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_fold_keeps_length_and_positions(text):
    folded = fold(text)
    assert len(folded) == len(text)
    assert all(fold(c) == f for c, f in zip(text, folded, strict=True))


@settings(max_examples=300, deadline=None)
@given(st.lists(texts, max_size=4), st.integers(0, 5000))
def test_index_items_are_items(parts, base):
    """The numpy reading the index uses gives exactly the items of the definition."""
    got = index_items(parts, [base] * len(parts))
    for k, text in enumerate(parts):
        ref = items(text)
        sel = got.text == k
        kinds = [int(x) for x in got.kind[sel]]
        ordinals = [int(x) for x in got.ordinal[sel]]
        assert kinds[: len(ref)] == [i.kind for i in ref]
        assert kinds[len(ref) :] in (
            [],
            [BREAK],
        )  # the separator after a text, counted as its break
        assert ordinals == list(range(base, base + len(kinds)))
        hashes = [
            (int(a), int(b))
            for a, b, kind in zip(got.h1[sel], got.h2[sel], got.kind[sel], strict=True)
            if kind != BREAK
        ]
        assert hashes == [token_hash(i.text) for i in ref if i.kind != BREAK]


def test_items_of_a_mixed_sentence():
    got = [(i.kind, i.text) for i in items("美國務卿Blinken說：「2020年，台灣 U.S.」")]
    assert got == [
        (CJK, "美"),
        (CJK, "国"),
        (CJK, "务"),
        (CJK, "卿"),
        (WORD, "blinken"),
        (CJK, "说"),
        (BREAK, ":"),
        (WORD, "2020"),
        (CJK, "年"),
        (BREAK, ","),
        (CJK, "台"),
        (CJK, "湾"),
        (WORD, "u"),
        (BREAK, "."),
        (WORD, "s"),
        (BREAK, "."),
    ]
    assert [i.text for i in items("inter\u00adnational zero\u200bwidth")] == [
        "international",
        "zerowidth",
    ]


def test_real_text_folds_as_opencc_converts_it():
    """Converting a real post with OpenCC (phrase by phrase) changes nothing folding sees,
    but where a phrase dictionary rewrites a word (沈默 → 沉默, 好象 → 好像): those are
    different characters, rare, and deliberately not folded together."""
    from newsvault.site.content import body_html, drop_dangerous
    from newsvault.site.posts import read_body, read_head

    convert = {name: opencc.OpenCC(name) for name in ("t2s", "s2t", "s2tw", "s2hk")}
    chars = contextual = 0
    for path in sorted((REAL_SAMPLE / "_posts").iterdir()):
        post, _, _ = read_head(path)
        text = html_text(drop_dangerous(body_html(read_body(path), post.layout)))
        chars += len(text)
        for conv in convert.values():
            other = conv.convert(text)
            assert len(other) == len(text)
            a, b = fold(text), fold(other)
            for i in (i for i in range(len(a)) if a[i] != b[i]):
                assert fold(conv.convert(text[i])) == a[i]  # alone, the character folds as ours
                contextual += 1
    assert chars > 500_000 and contextual / (4 * chars) < 2e-4


@pytest.mark.parametrize(
    "fragment, text",
    [
        ("<p>台<b>灣</b>歷史</p><p>second  para\n line</p>", "台灣歷史\nsecond para line"),
        ("<div>a<br>b</div>tail", "a\nb\ntail"),
        ('<a title="x>y">link</a> &amp; &lt;p&gt; &#x53F0;', "link & <p> 台"),
        ("<ul><li>one</li><li>two</li></ul><script>alert(1)</script>", "one\ntwo"),
        ("", ""),
        (
            "<p>a</p><b>b</b>c",
            "a\nbc",
        ),  # a block ends a paragraph on both sides, as a browser shows it
        (
            "x\x00y<p>z</p>",
            "xy\nz",
        ),  # a NUL (the parser's paragraph mark) is dropped, as a browser does
        ("<div><script>s</script><noscript><script>q</script></noscript></div>w", "w"),
    ],
)
def test_article_text(fragment, text):
    assert html_text(fragment) == text


@given(st.lists(st.one_of(st.integers(0, 300), st.integers(0, 2**32 - 1)), max_size=200))
def test_varints_are_leb128(values):
    """The index's varints, computed with numpy, are LEB128 as search-core.js reads it."""
    import numpy as np

    from newsvault.site.search.encode import _varints

    want, ends = bytearray(), []
    for v in values:
        while True:
            byte, v = v & 0x7F, v >> 7
            want.append(byte | (0x80 if v else 0))
            if not v:
                break
        ends.append(len(want))
    data, got_ends = _varints(np.array(values, np.uint32))
    assert data.tobytes() == bytes(want) and got_ends.tolist() == ends
