"""The browser's reading (site/static/search-core.js, run by node) against Python's.

The index is made by Python and read by JavaScript: both must fold, cut into items and
hash exactly alike, or a query silently misses. Hypothesis draws the strings.
"""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsvault.site.search.fold import fold, items, key
from newsvault.site.theme import STATIC

from .site_helpers import REPO

NODE = shutil.which("node")
HARNESS = REPO / "tests" / "site_stage" / "search_harness.js"
ALPHABET = (
    "国國务務卿台臺灣湾历歷史翻墙牆罗羅里裡裏着著日本語のカ"
    "abcXYZ019ＡＢｃ１ｶﾀ ,.'\"-—、。，「」！？\n\t\u3000\u00a0\u200b\u00ad\ufe0f𠮷😀\ud800"
)
texts = st.text(alphabet=st.sampled_from(ALPHABET), max_size=60) | st.text(max_size=40)


pytestmark = pytest.mark.node


class Node:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [NODE, str(HARNESS), str(STATIC / "search-core.js"), str(STATIC / "fold.json")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="surrogatepass",
        )

    def ask(self, **request):
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        assert "error" not in answer, answer.get("error")
        return answer["ok"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def node():
    n = Node()
    yield n
    n.close()


@settings(max_examples=400, deadline=None)
@given(st.lists(texts, min_size=1, max_size=8))
def test_javascript_folds_and_reads_like_python(node, batch):
    assert node.ask(op="fold", texts=batch) == [fold(t) for t in batch]
    assert node.ask(op="items", texts=batch) == [
        [[i.kind, i.text, i.start, i.end] for i in items(t)] for t in batch
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(texts.filter(bool), st.none() | texts.filter(bool)), min_size=1, max_size=8)
)
def test_javascript_keys_are_pythons(node, tokens):
    asked = [[a] if b is None else [a, b] for a, b in tokens]
    assert node.ask(op="keys", tokens=asked) == [list(key(*t)) for t in asked]


def test_every_character_of_the_table_folds_alike(node):
    """All of the BMP and the CJK extensions, a chunk at a time."""
    ranges = [
        range(0x20, 0xD800),
        range(0xE000, 0x10000),
        range(0x20000, 0x2A6E0),
        range(0x1F300, 0x1F700),
    ]
    for r in ranges:
        chars = "".join(map(chr, r))
        for i in range(0, len(chars), 20000):
            chunk = chars[i : i + 20000]
            assert node.ask(op="fold", texts=[chunk]) == [fold(chunk)]
            assert node.ask(op="items", texts=[chunk]) == [
                [[t.kind, t.text, t.start, t.end] for t in items(chunk)]
            ]


@pytest.mark.parametrize(
    "query, terms",
    [
        ("國務卿", [["国", "务", "卿"]]),
        ("台灣 歷史", [["台", "湾"], ["历", "史"]]),
        ('"Antony Blinken" 美國', [["antony", "blinken"], ["美", "国"]]),
        ("Antony Blinken", [["antony"], ["blinken"]]),
        ("「言論自由」", [["言", "论", "自", "由"]]),
        ("U.S. iPhone手機", [["u"], ["s"], ["iphone", "手", "机"]]),
        ("台灣 台湾 臺灣", [["台", "湾"]]),
        ('"unclosed phrase', [["unclosed", "phrase"]]),
        ("  ，。 ", []),
    ],
)
def test_queries_are_read_as_terms(node, query, terms):
    assert node.ask(op="parse", queries=[query]) == [terms]


def test_excerpt_marks_the_match_in_the_original_script(node):
    text = (
        "前言。\n"
        + "很長的一段文字，" * 20
        + "美國國務卿布林肯說，臺灣的歷史很重要。"
        + "後文。" * 40
    )
    got = node.ask(op="excerpt", text=text, query="国务卿 台湾历史 台湾")
    assert [got["text"][a:b] for a, b in got["marks"]] == [
        "國務卿",
        "臺灣",
    ]  # 台湾历史 is not in it
    assert got["before"] and got["after"] and len(got["text"]) <= 160
