"""Folding and tokens: how the index and the browser read text (one spec, two copies).

A text is folded character by character with the table of :mod:`.maketable`
(``site/static/fold.json``: OpenCC's script variants, width and case), then read as
*items*: a CJK character is a token; a run of word characters (letters, digits,
marks) is a token; a run of break characters (punctuation, symbols, line breaks) is
one break (spaces between breaks make two); spaces only separate; ignorable characters
(zero-width space, soft hyphen) vanish. Items are numbered in order (their *ordinals*), so a phrase is a run of tokens
with consecutive ordinals, and a break between two tokens keeps them apart.

``site/static/search-core.js`` implements the same reading for the query and for the
excerpts; ``tests/test_search_fold.py`` runs both over many strings and compares them.
:func:`items` is the plain definition; :func:`index_items` is the same computed with
numpy for whole articles (the index reads millions of characters).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from newsvault.site.theme import STATIC

TABLE_FILE = STATIC / "fold.json"
SPACE, BREAK, CJK, WORD, IGNORE = range(5)
MASK = 0xFFFFFFFF
# Token hashes: two polynomial hashes over code points, h = h * P + c (mod 2^32) from a
# seed. Polynomial, so that numpy computes every word of an article at once from
# prefix sums (see index_items); the key function mixes them thoroughly.
H1_SEED, H1_P = 0x811C9DC5, 0x01000193
H2_SEED, H2_P = 0x9E3779B9, 0x5BD1E995
UNIGRAM, PAIR = 1, 2  # key kinds


@dataclass(frozen=True)
class Table:
    version: str
    mapping: dict[int, int]  # for str.translate
    fold: np.ndarray  # uint32[0x110000]
    classes: np.ndarray  # uint8[0x110000], indexed by the folded code point


@lru_cache(maxsize=1)
def table() -> Table:
    data = json.loads(TABLE_FILE.read_text(encoding="utf-8"))
    src, dst = data["from"], data["to"]
    mapping = {ord(a): ord(b) for a, b in zip(src, dst, strict=True)}
    fold = np.arange(0x110000, dtype=np.uint32)
    if mapping:
        fold[np.fromiter(mapping.keys(), np.uint32)] = np.fromiter(mapping.values(), np.uint32)
    runs = data["runs"]
    starts = np.array(runs[0::2] + [0x110000], dtype=np.int64)
    classes = np.repeat(np.array(runs[1::2], dtype=np.uint8), np.diff(starts))
    return Table(data["version"], mapping, fold, classes)


def fold(text: str) -> str:
    """``text`` folded (same length, same positions)."""
    return text.translate(table().mapping)


class Item(NamedTuple):
    kind: int  # CJK, WORD or BREAK
    text: str  # folded
    start: int  # span in the original text
    end: int


def items(text: str) -> list[Item]:
    """The items of ``text``, in order (the definition; see the module docstring)."""
    t = table()
    out: list[Item] = []
    folded = fold(text)
    word: list[str] = []
    word_start = word_end = 0
    last = SPACE  # class of the last character that was not ignorable

    def end_word() -> None:
        if word:
            out.append(Item(WORD, "".join(word), word_start, word_end))
            word.clear()

    for i, ch in enumerate(folded):
        cls = int(t.classes[ord(ch)])
        if cls == IGNORE:
            continue
        if cls == WORD:
            if not word:
                word_start = i
            word.append(ch)
            word_end = i + 1
            last = WORD
            continue
        end_word()
        if cls == CJK:
            out.append(Item(CJK, ch, i, i + 1))
        elif cls == BREAK:
            if last == BREAK:  # one break for a run of them: it only has to stand between tokens
                out[-1] = out[-1]._replace(end=i + 1)
            else:
                out.append(Item(BREAK, ch, i, i + 1))
        last = cls
    end_word()
    return out


# hashes ------------------------------------------------------------------------------
def token_hash(token: str) -> tuple[int, int]:
    h1, h2 = H1_SEED, H2_SEED
    for ch in token:
        cp = ord(ch)
        h1 = (h1 * H1_P + cp) & MASK
        h2 = (h2 * H2_P + cp) & MASK
    return h1, h2


def _fmix(h: int) -> int:
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & MASK
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & MASK
    return h ^ (h >> 16)


def key(first: str, second: str | None = None) -> tuple[int, int]:
    """The index key of a token, or of two tokens in a row (a *pair*)."""
    a1, a2 = token_hash(first)
    b1, b2 = token_hash(second) if second is not None else (0, 0)
    kind = PAIR if second is not None else UNIGRAM
    return (
        _fmix((a1 * 0x9E3779B1 & MASK) ^ b1 ^ kind),
        _fmix((a2 * 0x85EBCA77 & MASK) ^ b2 ^ (kind << 8)),
    )


def _np_fmix(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def np_keys(
    a1: np.ndarray, a2: np.ndarray, b1: np.ndarray | None, b2: np.ndarray | None
) -> np.ndarray:
    """:func:`key` over arrays of token hashes, as uint64 (high half: the first hash)."""
    kind = np.uint32(PAIR if b1 is not None else UNIGRAM)
    zero = np.uint32(0)
    k1 = _np_fmix((a1 * np.uint32(0x9E3779B1)) ^ (b1 if b1 is not None else zero) ^ kind)
    k2 = _np_fmix(
        (a2 * np.uint32(0x85EBCA77)) ^ (b2 if b2 is not None else zero) ^ (kind << np.uint32(8))
    )
    return (k1.astype(np.uint64) << np.uint64(32)) | k2.astype(np.uint64)


# the index's reading ------------------------------------------------------------------
class DocItems(NamedTuple):
    """Texts' items as arrays: ``kind`` (CJK/WORD/BREAK), the token hashes, the ordinals
    (from each text's base) and which text each item is of."""

    kind: np.ndarray
    h1: np.ndarray
    h2: np.ndarray
    ordinal: np.ndarray
    text: np.ndarray


_POWERS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _powers(p: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """P^0…P^n and P^-0…P^-n (mod 2³²), kept and grown as longer texts come."""
    have = _POWERS.get(p)
    if have is None or len(have[0]) <= n:
        size = max(n + 1, 1 << 20)
        powers = np.full(size, p, np.uint32)
        inverse = np.full(size, pow(p, -1, 1 << 32), np.uint32)
        powers[0] = inverse[0] = 1
        with np.errstate(over="ignore"):
            np.cumprod(powers, out=powers)
            np.cumprod(inverse, out=inverse)
        have = _POWERS[p] = (powers, inverse)
    return have


def loaded() -> Table:
    """The table, and the powers the hashes of :func:`index_items` use, loaded now: the
    index's workers, forked after, then share their pages instead of each building its
    own (16 MB of powers a worker)."""
    _powers(H1_P, 0)
    _powers(H2_P, 0)
    return table()


def _np_poly(f: np.ndarray, starts: np.ndarray, ends: np.ndarray, seed: int, p: int) -> np.ndarray:
    """:func:`token_hash` of the runs ``f[starts:ends]``, all at once: with S the prefix
    sums of f[j]·P⁻ʲ, the run's hash is seed·Pᴸ + Pᵉ⁻¹·(S[e-1] − S[s-1]) (mod 2³²)."""
    n = len(f)
    if not n:
        return np.zeros(0, np.uint32)
    powers, inverse = _powers(p, n)
    prefix = np.zeros(n + 1, np.uint32)
    np.cumsum(f * inverse[:n], out=prefix[1:])
    return powers[ends - starts] * np.uint32(seed) + powers[ends - 1] * (
        prefix[ends] - prefix[starts]
    )


SEPARATOR = " \n "  # between texts read at once: a break of its own, never part of a neighbour's


def index_items(texts: list[str], bases: list[int]) -> DocItems:
    """What :func:`items` gives for each text (no spans: the index needs none), computed
    with numpy for all of them at once; ordinals start at each text's base. (The break
    between two texts counts as an item of the first: it follows all of its tokens.)"""
    t = table()
    whole = SEPARATOR.join(texts)
    raw = np.frombuffer(whole.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    f = t.fold[raw]
    c = t.classes[f]
    keep = c != IGNORE
    kept = None
    if not keep.all():
        kept = np.flatnonzero(keep)
        f, c = f[keep], c[keep]
    n = len(c)
    prev = np.empty(n, np.uint8)
    if n:
        prev[0] = SPACE
        prev[1:] = c[:-1]
    start = (c == CJK) | ((c == WORD) & (prev != WORD)) | ((c == BREAK) & (prev != BREAK))
    pos = np.flatnonzero(start)
    kind = c[pos]
    end = pos + 1  # a CJK character or a break is one character; a word runs to the next non-word
    words = kind == WORD
    if words.any():
        bounds = np.append(np.flatnonzero(c != WORD), n)
        end[words] = bounds[np.searchsorted(bounds, pos[words])]
    with np.errstate(over="ignore"):
        h1 = _np_poly(f, pos, end, H1_SEED, H1_P)
        h2 = _np_poly(f, pos, end, H2_SEED, H2_P)
    # which text each item is of, and its ordinal there
    lengths = np.array([len(x) for x in texts], np.int64)
    text_starts = np.concatenate([[0], np.cumsum(lengths + len(SEPARATOR))[:-1]])
    raw_pos = kept[pos] if kept is not None else pos
    which = np.searchsorted(text_starts, raw_pos, side="right") - 1
    first = np.searchsorted(which, np.arange(len(texts)))
    ordinal = (np.arange(len(pos)) - first[which] + np.asarray(bases, np.int64)[which]).astype(
        np.uint32
    )
    return DocItems(kind, h1, h2, ordinal, which.astype(np.int32))
