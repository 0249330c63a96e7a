"""Postings and their files: what a segment of the index holds, and its bytes.

Per article (:func:`postings`), from its items (:mod:`.fold`):

* each CJK character: the article and how often (a one-character query needs no more);
* each word: its ordinals (a word alone, or a word in a phrase);
* each two tokens in a row of which one at least is CJK (a *pair*): the ordinal of the
  first. A query of CJK characters is matched by pairs at consecutive ordinals, which
  is exact (a break in between takes an ordinal, so nothing can stand between them)
  and selective: 國務卿 reads the pairs 国务 and 务卿, not every 国.

A segment's postings are grouped by key and written as *buckets*: a key's bucket is
the top bits of its first hash. A bucket file is ``count`` (u32), the keys' first and
second hashes (``count`` u32 each, ascending), the byte lengths of their postings
(LEB128 varints) and the postings, all little-endian. A key's postings are, per
article in ascending order, the article's number minus the previous one's, then its
count, then (positional keys) the ordinals, each but the first minus the one before;
all as varints. Keys whose postings are longer than :data:`BIG` go to a file of their
own (named by the key), listed in the manifest so that the browser fetches it at once.

Everything is computed with numpy. A segment of 2,048 articles has ~7 million postings:
they are kept as compact arrays split by the top :data:`GROUP_BITS` bits of the key
(which the buckets nest in), and encoded a group at a time, in parallel.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from newsvault.site.search.fold import CJK, H1_P, H1_SEED, H2_P, H2_SEED, WORD, index_items, np_keys

BODY = 1024  # the article's ordinals start here; the title's at 0 (so ordinal < BODY: title)
BIG = 16 * 1024  # postings longer than this get a file of their own
BUCKET_BYTES = 4 * 1024  # a segment gets about total / this many buckets (a power of two): a
# query fetches one per term and segment
GROUP_BITS = 5  # 32 groups: encoding one needs ~1/32 of the postings' size again (with 8 it
# was 80 MB more for a 2,048-post segment, a third of the worker's peak); the files are the same
GROUPS = 1 << GROUP_BITS
_SHIFT = np.uint64(64 - GROUP_BITS)


class Postings(NamedTuple):
    """Postings of some articles: positional (key, article, ordinal) and counted (key,
    article, count), each sorted by group (see the module docstring), with the
    boundaries of the groups (``GROUPS + 1`` offsets)."""

    pos_keys: np.ndarray  # uint64
    pos_docs: np.ndarray  # uint16: the article's number in its segment
    pos: np.ndarray  # uint32
    pos_bounds: np.ndarray
    cnt_keys: np.ndarray
    cnt_docs: np.ndarray
    cnt: np.ndarray
    cnt_bounds: np.ndarray


def postings(articles: list[tuple[int, str, str]]) -> Postings:
    """The postings of some articles, given as (number in the segment, title, text),
    read in one go (numpy's cost per call would otherwise be most of it)."""
    texts, bases = [], []
    for _n, title, body in articles:
        texts += [title[:2000], body]
        bases += [0, BODY]
    items = index_items(texts, bases)
    nums = np.array([n for n, _t, _b in articles], np.uint16)
    keep = (items.text & 1).astype(bool) | (
        items.ordinal < BODY
    )  # a title's items past BODY: not indexed
    kind, h1, h2 = items.kind[keep], items.h1[keep], items.h2[keep]
    ordinal, doc = items.ordinal[keep], nums[items.text[keep] >> 1]
    cjk = kind == CJK
    word = kind == WORD
    token = cjk | word
    pair = token[:-1] & token[1:] & (cjk[:-1] | cjk[1:]) & (ordinal[1:] == ordinal[:-1] + 1)
    first = np.flatnonzero(pair)
    pos_keys = np.concatenate(
        [
            np_keys(h1[word], h2[word], None, None),
            np_keys(h1[first], h2[first], h1[first + 1], h2[first + 1]),
        ]
    )
    pos_docs = np.concatenate([doc[word], doc[first]])
    pos = np.concatenate([ordinal[word], ordinal[first]])
    positional = _by_group(pos_keys, pos_docs, pos)  # (a key is a word or a pair: each in order)
    # CJK characters: one posting per (character, article), with its count; a CJK token's
    # hashes are a function of its code point, so counting code points is enough
    cps = (h1[cjk] - np.uint32(H1_SEED * H1_P & 0xFFFFFFFF)).astype(np.uint64)
    both, counts = np.unique(
        (doc[cjk].astype(np.uint64) << np.uint64(32)) | cps, return_counts=True
    )
    c1 = (both & np.uint64(0xFFFFFFFF)).astype(np.uint32)
    with np.errstate(over="ignore"):
        c2 = np.uint32(H2_SEED * H2_P & 0xFFFFFFFF) + c1
    ckeys = np_keys(c1 + np.uint32(H1_SEED * H1_P & 0xFFFFFFFF), c2, None, None)
    # (sorted by article: each key's articles are in order, as encode_groups needs)
    counted = _by_group(ckeys, (both >> np.uint64(32)).astype(np.uint16), counts.astype(np.uint32))
    return Postings(*positional, *counted)


def _by_group(keys: np.ndarray, docs: np.ndarray, vals: np.ndarray) -> tuple[np.ndarray, ...]:
    group = (keys >> _SHIFT).astype(np.uint8)
    order = np.argsort(group, kind="stable")  # radix: articles and ordinals keep their order
    bounds = np.searchsorted(group[order], np.arange(GROUPS + 1))
    return keys[order], docs[order], vals[order], bounds


def _varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """LEB128 bytes of uint32 ``values`` and where each value's bytes end. Nearly all
    values (gaps, counts) take one byte: the others are followed byte by byte."""
    v = values.astype(np.uint32, copy=False)
    big = v >= np.uint32(0x80)
    if not big.any():
        return v.astype(np.uint8), np.arange(1, len(v) + 1, dtype=np.int64)
    size = big.astype(np.uint8) + np.uint8(1)
    for bits in (14, 21, 28):
        size += v >= np.uint32(1 << bits)
    ends = np.cumsum(size, dtype=np.int64)
    starts = ends - size
    out = np.empty(int(ends[-1]), np.uint8)
    out[starts] = (v & np.uint32(0x7F)).astype(np.uint8) | (big.astype(np.uint8) << np.uint8(7))
    rest = np.flatnonzero(big)
    v, starts, size = v[rest] >> np.uint32(7), starts[rest], size[rest]
    b = 1
    while len(v):
        more = size > b + 1
        out[starts + b] = (v & np.uint32(0x7F)).astype(np.uint8) | (
            more.astype(np.uint8) << np.uint8(7)
        )
        rest = np.flatnonzero(more)
        v, starts, size = v[rest] >> np.uint32(7), starts[rest], size[rest]
        b += 1
    return out, ends


def _encode(
    keys: np.ndarray, docs: np.ndarray, values: np.ndarray, positional: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Postings sorted by key (then article, then ordinal) → (unique keys, byte stream,
    where each key's bytes end)."""
    m = len(keys)
    new_key = np.empty(m, bool)
    new_key[0] = True
    np.not_equal(keys[1:], keys[:-1], out=new_key[1:])
    if positional:
        new_group = new_key.copy()
        new_group[1:] |= docs[1:] != docs[:-1]
        gstart = np.flatnonzero(new_group)
        counts = np.diff(np.append(gstart, m)).astype(np.uint32)
        deltas = np.empty(m, np.uint32)
        deltas[0] = values[0]
        np.subtract(values[1:], values[:-1], out=deltas[1:])
        deltas[new_group] = values[new_group]
        head = gstart + 2 * np.arange(len(gstart))
        stream = np.empty(m + 2 * len(gstart), np.uint32)
        rest = np.ones(len(stream), bool)
        rest[head] = False
        rest[head + 1] = False
        stream[rest] = deltas
        del deltas, rest
        gdocs, gnew_key = docs[gstart], new_key[gstart]
    else:
        gdocs, gnew_key, counts = docs, new_key, values
        head = 2 * np.arange(m)
        stream = np.empty(2 * m, np.uint32)
    ddelta = gdocs.astype(np.uint32)
    ddelta[1:] -= gdocs[:-1]
    ddelta[gnew_key] = gdocs[gnew_key]
    stream[head] = ddelta
    stream[head + 1] = counts
    data, ends = _varints(stream)
    # a key's bytes end just before the next key's first article
    first_heads = head[np.flatnonzero(gnew_key)]
    key_ends = ends[np.append(first_heads[1:], len(stream)) - 1]
    return keys[new_key], data, key_ends


def bucket_bits(parts: list[Postings]) -> int:
    """log2 of a segment's bucket count: about :data:`BUCKET_BYTES` a bucket."""
    estimate = sum(2 * len(p.pos) + 3 * len(p.cnt) for p in parts)  # ~bytes of the postings
    bits = 0
    while (BUCKET_BYTES << bits) < estimate:
        bits += 1
    return min(bits, 24)


def jobs(bits: int) -> list[tuple[int, int, int, int]]:
    """(first group, end group, first bucket, end bucket) of each piece encoded at once."""
    if bits >= GROUP_BITS:
        per = 1 << (bits - GROUP_BITS)
        return [(g, g + 1, g * per, (g + 1) * per) for g in range(GROUPS)]
    per = 1 << (GROUP_BITS - bits)
    return [(b * per, (b + 1) * per, b, b + 1) for b in range(1 << bits)]


def encode_groups(
    parts: list[Postings], g0: int, g1: int, b0: int, b1: int, bits: int
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    """The files of buckets ``b0``…``b1 - 1`` (groups ``g0``…``g1 - 1`` of ``parts``,
    which hold consecutive articles in order), and their big keys."""
    encoded = []
    for keys_f, docs_f, vals_f, bounds_f, positional in (
        ("pos_keys", "pos_docs", "pos", "pos_bounds", True),
        ("cnt_keys", "cnt_docs", "cnt", "cnt_bounds", False),
    ):
        pick = [(int(getattr(p, bounds_f)[g0]), int(getattr(p, bounds_f)[g1]), p) for p in parts]
        keys = np.concatenate(
            [getattr(p, keys_f)[a:b] for a, b, p in pick] or [np.zeros(0, np.uint64)]
        )
        if not len(keys):
            continue
        order = np.argsort(keys, kind="stable")
        docs = np.concatenate([getattr(p, docs_f)[a:b] for a, b, p in pick])[order]
        vals = np.concatenate([getattr(p, vals_f)[a:b] for a, b, p in pick])[order]
        encoded.append(_encode(keys[order], docs, vals, positional))
    return _buckets(encoded, b0, b1, bits)


def _buckets(
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], b0: int, b1: int, bits: int
) -> tuple[list[bytes], list[tuple[int, int, bytes]]]:
    if not parts:
        return [b"\0\0\0\0"] * (b1 - b0), []
    keys = np.concatenate([p[0] for p in parts])
    offset = np.cumsum([0] + [len(p[1]) for p in parts])
    data = np.concatenate([p[1] for p in parts])
    ends = np.concatenate([p[2] + off for p, off in zip(parts, offset, strict=False)])
    lengths = np.diff(ends, prepend=0)
    starts = ends - lengths
    big = [
        (int(keys[i]) >> 32, int(keys[i]) & 0xFFFFFFFF, data[starts[i] : ends[i]].tobytes())
        for i in np.flatnonzero(lengths > BIG).tolist()
    ]
    small = lengths <= BIG
    keys, starts, lengths = keys[small], starts[small], lengths[small]
    order = np.argsort(keys)  # the two families, merged: ascending keys, hence by bucket
    keys, starts, lengths = keys[order], starts[order], lengths[order]
    bucket = (
        (keys >> np.uint64(64 - bits)).astype(np.int64) if bits else np.zeros(len(keys), np.int64)
    )
    offsets = np.cumsum(lengths) - lengths
    at = np.int32 if len(data) < 2**31 else np.int64  # (half the memory of int64 indexes)
    payload = data[
        np.arange(int(lengths.sum()), dtype=at) + np.repeat((starts - offsets).astype(at), lengths)
    ]
    len_bytes, len_ends = _varints(lengths.astype(np.uint32))
    k1 = (keys >> np.uint64(32)).astype("<u4")
    k2 = (keys & np.uint64(0xFFFFFFFF)).astype("<u4")
    bounds = np.searchsorted(bucket, np.arange(b0, b1 + 1)).tolist()
    out = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        if hi == lo:
            out.append(b"\0\0\0\0")
            continue
        out.append(
            b"".join(
                [
                    np.array([hi - lo], "<u4").tobytes(),
                    k1[lo:hi].tobytes(),
                    k2[lo:hi].tobytes(),
                    len_bytes[int(len_ends[lo - 1]) if lo else 0 : int(len_ends[hi - 1])].tobytes(),
                    payload[int(offsets[lo]) : int(offsets[hi - 1] + lengths[hi - 1])].tobytes(),
                ]
            )
        )
    return out, big
