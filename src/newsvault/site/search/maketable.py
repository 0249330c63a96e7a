"""Generate the folding table (``site/static/fold.json``) from OpenCC's dictionaries.

    python -m newsvault.site.search.maketable          # rewrite the table
    python -m newsvault.site.search.maketable --check  # exit 1 if it is out of date

The table is committed data, not computed at build time: the index and the browser
must fold identically, and a site must not change its folding because a newer OpenCC
happened to be installed. It is made of:

* **characters**: OpenCC's character dictionaries (``TSCharacters``, ``STCharacters``,
  the Taiwan and Hong Kong variant lists and their reverses, which the OpenCC wheel
  ships compiled and its ``opencc_dict`` writes back as text). Every character is
  joined with each of its conversion candidates, and each group folds to one member
  (the one OpenCC's ``t2s`` gives for the group's first character). Groups stay small
  (at most 6: 壇/罈/墰/…); they hold the one-to-many cases like 乾/干/幹, 裏/裡/里,
  台/臺/颱 and 着/著, which a Traditional text cannot tell apart: folding them together
  is the only way a Simplified query meets every Traditional spelling.
* **width and case**: a character whose NFKC form, or lower case, is one character
  takes it (ＡＢＣ → abc, ｶ → カ, 兀 from the compatibility block → 兀).
* **classes** of the folded characters: CJK (each character is a token), word
  characters (letters, digits and marks: runs are tokens), spaces, ignorable format
  characters (zero-width spaces, soft hyphens, variation selectors) and breaks (all
  else: punctuation, symbols, controls, unassigned).

Each mapping is one code point to one code point, so a folded text has the length and
the positions of the original: the browser finds a match in the folded text and
highlights the same span of the original.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path

TABLE = Path(__file__).resolve().parents[1] / "static" / "fold.json"
FORMAT = 1

SPACE, BREAK, CJK, WORD, IGNORE = range(5)
CLASS_NAMES = ("space", "break", "cjk", "word", "ignore")

DICTIONARIES = (
    "TSCharacters",
    "STCharacters",
    "TWVariants",
    "TWVariantsRev",
    "HKVariants",
    "HKVariantsRev",
)
# Blocks whose letters and numbers are written without spaces between words: each
# character is a token. (Hangul is spaced: its syllables are word characters.)
CJK_RANGES = (
    (0x2E80, 0x2FDF),
    (0x3005, 0x3007),
    (0x3021, 0x3029),
    (0x3031, 0x3035),
    (0x303B, 0x303C),
    (0x3040, 0x30FF),
    (0x3100, 0x312F),
    (0x31A0, 0x31BF),
    (0x31F0, 0x31FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x323AF),
)
IGNORED = ((0xFE00, 0xFE0F), (0xE0100, 0xE01EF), (0x3099, 0x309A))


def _dictionary_texts(opencc_dir: Path, into: Path) -> Path:
    """The character dictionaries as text. The OpenCC wheel ships them compiled
    (``.ocd2``) with its own ``opencc_dict`` tool, which writes them back as text."""
    clib = opencc_dir / "clib"
    tool = clib / "bin" / "opencc_dict"
    compiled = {name: clib / "share" / "opencc" / f"{name}.ocd2" for name in DICTIONARIES}
    missing = [str(path) for path in (tool, *compiled.values()) if not path.is_file()]
    if missing:
        raise SystemExit(
            f"maketable: {', '.join(missing)} missing: install the OpenCC "
            "version pyproject.toml pins (pip install -e '.[test]')"
        )
    for name in DICTIONARIES:
        subprocess.run(
            [
                str(tool),
                "-i",
                str(compiled[name]),
                "-o",
                str(into / f"{name}.txt"),
                "-f",
                "ocd2",
                "-t",
                "text",
            ],
            check=True,
            capture_output=True,
        )
    return into


def _groups(folder: Path) -> dict[str, set[str]]:
    """Character → its group (all characters joined by some dictionary entry)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for name in DICTIONARIES:
        for line in (folder / f"{name}.txt").read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            for value in values.split(" "):
                if len(key) == 1 and len(value) == 1 and key != value:
                    a, b = find(key), find(value)
                    if a != b:
                        parent[max(a, b)] = min(a, b)
    groups: dict[str, set[str]] = {}
    for char in list(parent):
        groups.setdefault(find(char), set()).add(char)
    return {char: group for group in groups.values() for char in group}


def _script_fold() -> tuple[dict[str, str], str]:
    import opencc  # only to make the table: the build reads the table

    t2s = opencc.OpenCC("t2s")
    out: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as tmp:
        groups = _groups(_dictionary_texts(Path(os.path.dirname(opencc.__file__)), Path(tmp)))
    for char, group in groups.items():
        first = min(group)
        target = t2s.convert(first)
        out[char] = target if target in group else first
    return out, opencc.__version__


# Line and paragraph separators end a paragraph: no phrase runs across them (the index's
# text has its paragraphs on lines of their own; other whitespace is a space).
LINE_BREAKS = "\n\x0b\x0c\r\x1c\x1d\x1e\x85\u2028\u2029"


def _class(char: str) -> int:
    cp = ord(char)
    if char in LINE_BREAKS:
        return BREAK
    if char.isspace():
        return SPACE
    cat = unicodedata.category(char)
    if cat == "Cf" or any(a <= cp <= b for a, b in IGNORED):
        return IGNORE
    if cat[0] in "LN" and any(a <= cp <= b for a, b in CJK_RANGES):
        return CJK
    if cat[0] in "LNM":
        return WORD
    return BREAK


def build_table() -> dict:
    script, version = _script_fold()
    fold: dict[int, int] = {}
    for cp in range(0x110000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        char = chr(cp)
        for _ in range(4):  # to a fixed point: ｶ → カ, Ａ → A → a
            before = char
            nfkc = unicodedata.normalize("NFKC", char)
            char = nfkc if len(nfkc) == 1 else char
            lower = char.lower()
            char = lower if len(lower) == 1 else char
            char = script.get(char, char)
            if char == before:
                break
        if ord(char) != cp:
            fold[cp] = ord(char)
    # classes of folded characters, as runs: [start, class, start, class, ...]
    runs: list[int] = []
    for cp in range(0x110000):
        cls = BREAK if 0xD800 <= cp <= 0xDFFF else _class(chr(cp))
        if not runs or runs[-1] != cls:
            runs += [cp, cls]
    pairs = sorted(fold.items())
    body = {
        "format": FORMAT,
        "opencc": version,
        "unicode": unicodedata.unidata_version,
        "classes": CLASS_NAMES,
        "from": "".join(chr(a) for a, _ in pairs),
        "to": "".join(chr(b) for _, b in pairs),
        "runs": runs,
    }
    digest = hashlib.sha1(
        json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()[:16]
    return {"version": digest, **body}


def dumps(table: dict) -> str:
    return json.dumps(table, ensure_ascii=False, separators=(",", ":")) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if the committed table is out of date"
    )
    args = parser.parse_args(argv)
    text = dumps(build_table())
    if args.check:
        same = TABLE.is_file() and TABLE.read_text(encoding="utf-8") == text
        print(f"{TABLE}: {'up to date' if same else 'OUT OF DATE (run without --check)'}")
        return 0 if same else 1
    TABLE.write_text(text, encoding="utf-8")
    print(f"wrote {TABLE} ({len(text.encode())} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
