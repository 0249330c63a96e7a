"""Tag-shaped regular expressions that split tags the way the HTML tokenizer does.

An attribute name runs to whitespace, "/", ">" or "=" (quotes included: ``title":`` is
one name); a value is double-quoted, single-quoted, or runs to whitespace or ">". Each
attribute is an atomic group, so an unterminated tag fails fast instead of backtracking.
Used for whitespace and in-place edits only; nothing here decides safety.
"""

from __future__ import annotations

import re

NAME = r"(?:[^\s/>=][^\s/>=]*|=[^\s/>=]*)"
ATTR_SHAPE = r"""(?>[\s/]*""" + NAME + r"""(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+))?)"""
ATTRS = r"((?:" + ATTR_SHAPE + r")*)[\s/]*"

# group 1: "/" for an end tag, group 2: the name, group 3: the attributes
TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)" + ATTRS + ">")
# group 1: leading separator, 2: name, 3/4/5: double-quoted/single-quoted/unquoted value
ATTR = re.compile(r"""([\s/]*)(""" + NAME + r""")(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""")
QUOTED_OR_SPACE = re.compile(r"""("[^"]*"|'[^']*')|\s*\n\s*""")

__all__ = ["ATTR", "ATTRS", "ATTR_SHAPE", "NAME", "QUOTED_OR_SPACE", "TAG"]
