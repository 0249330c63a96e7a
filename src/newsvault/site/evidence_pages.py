"""The evidence on the site (issue 14, item 5; docs/evidence.md, "On the site").

What the committed record says (``evidence/history.py``) becomes:

- on a post page, an "edited at source" and a "deleted at source on DATE (reason)"
  badge, and below the archived original (always shown first) the deletion's evidence
  and each revision with a readable diff against the version before it;
- the same marks in every post list;
- "Removed and edited at source" list pages with an Atom feed, for the whole site
  (``changes/``) and per source (``sources/<slug>/changes/``);
- per-source counts for the sources page.

Revision files are what the source served, scripts included: they are shown as text
only (extracted here, then escaped by the templates), never as HTML. The diff compares
paragraphs first, then the words of changed paragraphs — each CJK character a word of
its own, so Chinese text is compared character by character.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, tzinfo
from difflib import SequenceMatcher
from types import SimpleNamespace
from typing import Any, Protocol

from markupsafe import escape
from selectolax.lexbor import LexborHTMLParser

from newsvault.archive.provenance import stamp
from newsvault.evidence.history import History
from newsvault.evidence.records import REVISIONS
from newsvault.site import listpages
from newsvault.site import syndication as syn
from newsvault.site.content import XML_ILLEGAL
from newsvault.site.pages import Page
from newsvault.site.posts import SitePost
from newsvault.vault import Vault

__all__ = ["Evidence", "diff_segments", "readable_text"]

MAX_REVISION = 4 << 20  # bytes of a revision file read for display
CONTEXT = 160  # characters of unchanged text kept on either side of a change
PAIR_LIMIT = 4_000_000  # token pairs a word diff may compare; past it, old out, new in

# --- text and diff -------------------------------------------------------------------

_DROP = "script, style, noscript, template, iframe, object, embed, head, title"
_BLOCKS = (
    "p, div, br, li, dt, dd, h1, h2, h3, h4, h5, h6, tr, blockquote, pre, section, article,"
    " header, footer, aside, figure, figcaption, ul, ol, dl, table, hr, main, nav"
)
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31bf\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f"
)
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+|\s+|[^\w\s]", re.UNICODE)


def readable_text(html: str) -> str:
    """The visible text of an article body, one paragraph a line (for reading and
    diffing; the page never shows a revision's markup)."""
    tree = LexborHTMLParser(f"<div>{html}</div>")
    root = tree.body or tree.root
    if root is None:
        return ""
    for node in root.css(_DROP):
        node.decompose()
    for node in root.css(_BLOCKS):
        node.insert_after("\n")
    text = unicodedata.normalize("NFC", root.text(separator="") or "")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


Segment = tuple[str, str]  # (kind, text): "same", "del", "ins", or "gap" (unchanged text left out)


def diff_segments(old: str, new: str) -> list[Segment]:
    """``old`` → ``new`` as segments: paragraphs compared first, then the words of the
    paragraphs that changed (a CJK character is a word). Long unchanged stretches are
    cut to :data:`CONTEXT` characters around each change."""
    # every paragraph ends its line: the last one is then the same line in both texts
    a, b = _lines(old), _lines(new)
    raw: list[Segment] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            raw.append(("same", "".join(a[i1:i2])))
        elif op == "delete":
            raw.append(("del", "".join(a[i1:i2])))
        elif op == "insert":
            raw.append(("ins", "".join(b[j1:j2])))
        else:
            raw += _words("".join(a[i1:i2]), "".join(b[j1:j2]))
    return _trim(_merge(raw))


def _lines(text: str) -> list[str]:
    return (text if not text or text.endswith("\n") else text + "\n").splitlines(keepends=True)


def _words(old: str, new: str) -> list[Segment]:
    """The word diff of changed paragraphs. Their common start and end are set aside
    first (one edit in a long paragraph leaves little to compare); what remains is
    compared only up to :data:`PAIR_LIMIT` token pairs, since the matcher's time grows
    with their product (a hostile page of one repeated character takes seconds)."""
    x, y = _TOKEN.findall(old), _TOKEN.findall(new)
    shortest = min(len(x), len(y))
    head = 0
    while head < shortest and x[head] == y[head]:
        head += 1
    tail = 0
    while tail < shortest - head and x[-1 - tail] == y[-1 - tail]:
        tail += 1
    first, last = ("same", "".join(x[:head])), ("same", "".join(x[len(x) - tail :]))
    x, y = x[head : len(x) - tail], y[head : len(y) - tail]
    if len(x) * len(y) > PAIR_LIMIT:
        return [first, ("del", "".join(x)), ("ins", "".join(y)), last]
    out: list[Segment] = [first]
    for op, i1, i2, j1, j2 in SequenceMatcher(None, x, y, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(x[i1:i2])))
        else:
            if i2 > i1:
                out.append(("del", "".join(x[i1:i2])))
            if j2 > j1:
                out.append(("ins", "".join(y[j1:j2])))
    return [*out, last]


def _merge(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    for kind, text in segments:
        if not text:
            continue
        if out and out[-1][0] == kind:
            out[-1] = (kind, out[-1][1] + text)
        else:
            out.append((kind, text))
    return out


def _trim(segments: list[Segment]) -> list[Segment]:
    out: list[Segment] = []
    last = len(segments) - 1
    for i, (kind, text) in enumerate(segments):
        keep_head = CONTEXT if i > 0 else 0  # after a change
        keep_tail = CONTEXT if i < last else 0  # before a change
        if kind != "same" or len(text) <= keep_head + keep_tail + CONTEXT:
            out.append((kind, text))
            continue
        if keep_head:
            out.append(("same", text[:keep_head]))
        out.append(("gap", ""))
        if keep_tail:
            out.append(("same", text[-keep_tail:]))
    return out


# --- what a page shows ---------------------------------------------------------------


@dataclass(frozen=True)
class RevisionView:
    n: int
    at: datetime
    status: int | None
    final_url: str | None
    sha256: str | None
    fingerprint: str
    file: str
    segments: list[Segment]
    text: str  # the whole text of this version
    changed: bool  # the text differs (else only links or markup changed)
    readable: bool  # the revision file could be read


class PlanLike(listpages.Plan, Protocol):
    """What these pages use of :class:`newsvault.site.plan.Plan` (which calls them),
    besides what its lists use."""

    base_url: str

    def atom(
        self, out: str, home: str, title: str, entries: list[bytes], updated: datetime | None
    ) -> list[bytes]: ...


class Evidence:
    """The record's histories for one build, and what pages make of them."""

    def __init__(
        self, vault: Vault, t: SimpleNamespace, tz: tzinfo, of: dict[str, History]
    ) -> None:
        self.vault, self.t, self.tz = vault, t, tz
        self.of = of  # post name → its history, for posts with something to show
        self._tokens: dict[str, str] = {}

    # keys: a page shows evidence only through these -------------------------------
    def token(self, post: SitePost) -> str:
        """Everything the post page shows of its evidence, as one short token."""
        history = self.of.get(post.name)
        if history is None:
            return ""
        token = self._tokens.get(post.name)
        if token is None:
            token = hashlib.sha1(repr(history).encode("utf-8", "surrogatepass")).hexdigest()
            self._tokens[post.name] = token
        return token

    def marks_key(self, posts: list[SitePost]) -> str:
        """What a list shows of its posts' evidence (their marks)."""
        return "".join(f"{p.name}\0{self.marks(p)}" for p in posts if p.name in self.of)

    # lists ------------------------------------------------------------------------
    def marks(self, post: SitePost) -> str:
        """The post's marks in a list item (HTML, escaped), or ""."""
        history = self.of.get(post.name)
        if history is None:
            return ""
        badges = []
        if history.deletion is not None:
            badges.append(("deleted", self.deleted_words(history)))
        if history.revisions:
            badges.append(("edited", self.edited_words(history)))
        inner = " ".join(f'<span class="badge {k}">{escape(text)}</span>' for k, text in badges)
        return f'\n    <span class="marks">{inner}</span>'

    def deleted_words(self, history: History) -> str:
        deletion = history.deletion
        assert deletion is not None
        reason = self._word("reason", deletion.reason)
        return str(self.t.deleted.format(date=self._day(deletion.since), reason=reason))

    def edited_words(self, history: History) -> str:
        n = len(history.revisions)
        return str(self.t.edited_1 if n == 1 else self.t.edited_n.format(n=n))

    def _day(self, when: datetime) -> str:
        return when.astimezone(self.tz).strftime("%Y-%m-%d")

    # a post page ------------------------------------------------------------------
    def view(self, post: SitePost, original_html: str) -> dict[str, Any] | None:
        """The post page's evidence (None when there is none): badges' words, the
        deletion and its evidence, and each revision diffed against the one before."""
        history = self.of.get(post.name)
        if history is None:
            return None
        revisions = []
        before = readable_text(original_html)
        for n, rev in enumerate(history.revisions, 1):
            html = self._read_revision(rev.file)
            text = readable_text(html) if html is not None else ""
            segments = diff_segments(before, text) if html is not None else []
            revisions.append(
                RevisionView(
                    n,
                    rev.at,
                    rev.status,
                    rev.final_url,
                    rev.sha256,
                    rev.fingerprint,
                    rev.file,
                    segments,
                    text,
                    any(kind in ("del", "ins") for kind, _ in segments),
                    html is not None,
                )
            )
            if html is not None:
                before = text
        deletion = history.deletion
        return dict(
            deletion=deletion,
            deleted=self.deleted_words(history) if deletion else "",
            evidence=[
                dict(
                    at=f.at,
                    finding=self._word("outcome", f.outcome),
                    status=f.status,
                    final_url=f.final_url,
                    marker=f.marker,
                )
                for f in (deletion.evidence if deletion else ())
            ],
            edited=self.edited_words(history) if history.revisions else "",
            revisions=revisions,
            cleared=[
                dict(reason=self._word("reason", c.reason), since=c.since, at=c.at)
                for c in history.cleared
            ],
        )

    def _word(self, kind: str, name: str) -> str:
        """The theme's word for an outcome or a reason (the record's own word if none)."""
        return str(getattr(self.t, f"{kind}_{name}", name))

    def _read_revision(self, rel: str) -> str | None:
        """A revision file's text; None unless it is a plain file inside ``_revisions/``
        (the record is committed data: a link in it must not publish what it points at)."""
        try:
            root = os.path.realpath(self.vault.root / REVISIONS)
            path = os.path.realpath(self.vault.root / rel)
            if not path.startswith(root + os.sep):
                return None
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as fh:
                data = fh.read(MAX_REVISION)
        except (OSError, ValueError):  # ValueError: a NUL in the recorded name
            return None
        return data.decode("utf-8", errors="replace")

    # the sources page -------------------------------------------------------------
    def counts(self, posts: list[SitePost], base: str) -> dict[str, Any]:
        """A source's cells on the sources page: removed and edited posts, and the
        address of its changes page when it has one."""
        found = [self.of[p.name] for p in posts if p.name in self.of]
        removed = sum(h.deletion is not None for h in found)
        edited = sum(bool(h.revisions) for h in found)
        return dict(removed=removed, edited=edited, changes=base + "changes/" if found else "")

    # the changes pages ------------------------------------------------------------
    def pages(self, plan: PlanLike, posts: list[SitePost], per_site: dict[str, list[SitePost]]):
        """The site's changes list and feed, and each source's that has changes."""
        changed = self._changed(posts)
        out = self._list(plan, changed, "changes/", plan.t.changes)
        for name in sorted(per_site):
            mine = self._changed(per_site[name])
            if mine:
                base = f"sources/{plan.sources[name]}/changes/"
                out += self._list(plan, mine, base, f"{plan.t.changes} · {name}")
        return out

    def _changed(self, posts: list[SitePost]) -> list[SitePost]:
        """Posts with evidence, the latest news first (then newest post first)."""
        found = [p for p in posts if p.name in self.of]
        return sorted(found, key=lambda p: self.of[p.name].latest, reverse=True)

    def _list(self, plan: PlanLike, posts: list[SitePost], base: str, heading: str):
        removed = sum(self.of[p.name].deletion is not None for p in posts)
        edited = sum(bool(self.of[p.name].revisions) for p in posts)
        intro = (
            self.t.changes_intro.format(removed=removed, edited=edited)
            if posts
            else self.t.changes_none
        )
        pages = listpages.list_pages(plan, posts, base, heading, intro, base + "feed.xml")
        pages.append(self._feed(plan, posts, base, f"{heading} · {plan.config.title}"))
        return pages

    def _feed(self, plan: PlanLike, posts: list[SitePost], base: str, title: str) -> Page:
        """An Atom feed of the events (each revision, each standing deletion), newest first."""
        events = sorted(
            (e for p in posts for e in self._events(p)), key=lambda e: e[0], reverse=True
        )[: plan.config.feed_entries]
        out = base + "feed.xml"
        shown = [(stamp(at), kind, ref, p.ident) for at, kind, ref, p in events]

        def render() -> list[bytes]:
            entries = [self._entry(plan, *e) for e in events]
            return plan.atom(out, base, title, entries, events[0][0] if events else None)

        return plan._page(out, (title, tuple(shown)), render)

    def _events(self, post: SitePost) -> list[tuple[datetime, str, str, SitePost]]:
        history = self.of[post.name]
        found = [(r.at, "edited", str(n), post) for n, r in enumerate(history.revisions, 1)]
        if history.deletion is not None:
            found.append((history.deletion.at, "deleted", stamp(history.deletion.since), post))
        return found

    def _entry(self, plan: PlanLike, at: datetime, kind: str, ref: str, post: SitePost) -> bytes:
        history = self.of[post.name]
        t = self.t
        title = post.title or t.untitled
        page = plan.base_url + post.href if plan.base_url else ""
        ident = page or "urn:newsvault:" + post.href
        if kind == "deleted":
            deletion = history.deletion
            assert deletion is not None  # a "deleted" event comes from it
            words = self.deleted_words(history)
            anchor, ident = "#deletion", f"{ident}#deleted-{ref}"
            detail = "".join(
                f"<li>{escape(stamp(f.at))}: {escape(f.outcome)}"
                f"{' · HTTP ' + str(f.status) if f.status else ''}"
                f"{' · ' + escape(f.final_url) if f.final_url else ''}"
                f"{' · ' + escape(f.marker) if f.marker else ''}</li>"
                for f in deletion.evidence
            )
            body = f"<p>{escape(words)}</p><ul>{detail}</ul>"
        else:
            rev = history.revisions[int(ref) - 1]
            words = t.revision_n.format(n=ref)
            anchor, ident = f"#revision-{ref}", f"{ident}#revision-{rev.fingerprint[:16]}"
            facts = [f"{t.fetched}: {stamp(rev.at)}"]
            if rev.status:
                facts.append(f"HTTP {rev.status}")
            if rev.final_url:
                facts.append(rev.final_url)
            body = f"<p>{escape(t.edited)}: {escape(words)}</p><p>{escape(' · '.join(facts))}</p>"
        link = page + anchor if page else ""
        if link:
            body += f'<p><a href="{escape(link)}">{escape(title)}</a></p>'
        label = t.feed_deleted if kind == "deleted" else t.feed_edited
        return syn.entry_xml(
            syn.FeedEntry(
                title=label.format(title=title),
                url=link,
                id=ident,
                date=at,
                author=post.author or post.site,
                categories=(post.site,),
                html=XML_ILLEGAL.sub("", body),
            )
        )


__all__ += ["PlanLike", "RevisionView"]
