"""The normalization (what does not count as an edit) and the verdict rules, both pure."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from newsvault.evidence.normalize import fingerprint, normalize, select_body, strip_tracking
from newsvault.evidence.verdicts import BUILTIN_MARKERS, Outcome, classify, judge, markers_for

T0 = datetime(2024, 5, 1, tzinfo=timezone.utc)
LINK = "https://news.example/2024/05/01/story.html"
words = st.lists(
    st.text(alphabet="abcdefghij中文字新闻", min_size=1, max_size=8), min_size=1, max_size=12
)
spaces = st.sampled_from([" ", "  ", "\n", "\t", "\xa0", " \u200b", "&nbsp;", "\r\n  "])


def body(parts: list[str], glue: list[str] | None = None) -> str:
    glue = glue or [" "] * len(parts)
    return "<p>" + "".join(w + g for w, g in zip(parts, glue, strict=False)) + "</p>"


@given(words, st.lists(spaces, min_size=12, max_size=12))
def test_whitespace_does_not_count(parts: list[str], glue: list[str]) -> None:
    assert normalize(body(parts)) == normalize("\n  " + body(parts, glue) + "  ")


@given(
    words,
    st.sampled_from(
        ["utm_source=x", "utm_medium=feed&utm_campaign=y", "fbclid=abc", "spm=a.b.c", "gclid=1"]
    ),
)
def test_tracking_parameters_do_not_count(parts: list[str], tracking: str) -> None:
    plain = f'{body(parts)}<a href="https://e.com/x?id=7">more</a>'
    tracked = f'{body(parts)}<a href="https://e.com/x?id=7&{tracking}#top">more</a>'
    assert fingerprint(plain) == fingerprint(tracked)
    assert fingerprint(plain) != fingerprint(plain.replace("id=7", "id=8"))  # a real change


@given(
    words,
    st.sampled_from(
        [
            "2024-05-01 12:30",
            "2024年5月2日",
            "3小时前",
            "5 minutes ago",
            "2024-05-01T08:00:00Z",
            "10:45",
            "05/02/2024",
            "刚刚",
        ]
    ),
)
def test_timestamps_do_not_count(parts: list[str], stamp: str) -> None:
    assert normalize(body(parts) + "<p>发布于 2024-04-30 09:00</p>") == normalize(
        body(parts) + f"<p>发布于 {stamp}</p>"
    )


@given(words, st.text(min_size=1, max_size=30))
def test_ad_slots_and_scripts_do_not_count(parts: list[str], ad_text: str) -> None:
    noisy = (
        f'<div class="ad-slot">{_escape(ad_text)}</div>{body(parts)}'
        f'<ins class="adsbygoogle">{_escape(ad_text)}</ins><script>var x = 1;</script>'
        f'<div id="sponsor-box">{_escape(ad_text)}</div><img src="https://cdn.example/{len(ad_text)}.png">'
    )
    assert normalize(noisy) == normalize(body(parts))


@given(words, words)
def test_different_words_are_a_different_version(first: list[str], second: list[str]) -> None:
    same = normalize(body(first)).split() == normalize(body(second)).split()
    assert (fingerprint(body(first)) == fingerprint(body(second))) == same


@given(words)
def test_normalize_is_stable_on_its_own_output(parts: list[str]) -> None:
    once = normalize(body(parts))
    assert normalize(_escape(once)) == once


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def test_select_body_prefers_the_rule_then_article_then_main() -> None:
    page = "<html><body><nav>menu</nav><main><article><p>story</p></article><p>x</p></main></body></html>"
    assert normalize(select_body(page)) == "story"
    assert normalize(select_body(page, "main")) == "story x"
    assert "menu" in normalize(select_body("<html><body><nav>menu</nav><p>s</p></body></html>"))


def test_strip_tracking_keeps_real_parameters() -> None:
    assert strip_tracking("/a?id=1&utm_source=rss#c", "https://E.com/") == "https://e.com/a?id=1"


# --- verdicts ---------------------------------------------------------------------------


def outcome(**kw: object) -> Outcome:
    return classify(at=T0, link=LINK, **kw)  # type: ignore[arg-type]


def test_each_deletion_kind() -> None:
    assert outcome(status=404).kind == "gone" and outcome(status=410).kind == "gone"
    assert outcome(status=451).kind == "blocked"
    assert outcome(status=200, final_url="https://news.example/").kind == "redirected"
    assert outcome(status=200, final_url="https://news.example/index.html").kind == "redirected"
    moved = outcome(status=200, final_url="https://news.example/2024/05/01/story-2.html")
    assert moved.kind == "ok"  # the article moved: not a deletion
    for marker in BUILTIN_MARKERS:
        found = outcome(status=200, text=f"<p>{marker}</p>")
        assert (found.kind, found.marker) == ("removed", marker)
    own = markers_for("Site", {"Site": ["文章已下架"]})
    assert outcome(status=200, text="文章已下架", markers=own).kind == "removed"
    assert outcome(status=200, text="文章已下架").kind == "ok"  # another site's marker
    assert outcome(status=200, in_feed=False).kind == "dropped"
    assert outcome(status=304, in_feed=None).kind == "ok"


def test_outages_are_never_evidence() -> None:
    for status in (None, 500, 502, 503, 504, 408, 429):
        assert outcome(status=status, error="timeout").kind == "transient"
    for status in (401, 403, 400):
        assert outcome(status=status).kind == "unclear"


def at(hours: float, kind: str) -> Outcome:
    return Outcome(kind, T0 + timedelta(hours=hours))


def test_three_failures_spanning_a_day_make_a_verdict() -> None:
    assert judge([at(0, "gone"), at(12, "gone")]) is None
    assert judge([at(0, "gone"), at(1, "gone"), at(2, "gone")]) is None  # < 24 h
    verdict = judge([at(0, "gone"), at(12, "gone"), at(24, "gone")])
    assert verdict is not None and verdict.reason == "gone"
    assert (verdict.since, verdict.at) == (T0, T0 + timedelta(hours=24))
    mixed = judge(
        [at(0, "gone"), at(5, "transient"), at(12, "unclear"), at(13, "gone"), at(30, "removed")]
    )
    assert mixed is not None and mixed.reason == "removed" and len(mixed.evidence) == 3


def test_a_success_clears_and_outages_never_count() -> None:
    assert judge([at(0, "gone"), at(12, "gone"), at(20, "ok"), at(30, "gone")]) is None
    assert judge([at(h, "transient") for h in range(0, 100, 6)]) is None


@given(
    st.lists(
        st.tuples(
            st.floats(0, 2000),
            st.sampled_from(
                [
                    "ok",
                    "gone",
                    "blocked",
                    "removed",
                    "dropped",
                    "redirected",
                    "transient",
                    "unclear",
                ]
            ),
        ),
        max_size=30,
    )
)
def test_a_verdict_always_rests_on_enough_failures_since_the_last_success(
    seen: list[tuple[float, str]],
) -> None:
    history = [at(h, k) for h, k in sorted(seen)]
    verdict = judge(history)
    if verdict is None:
        return
    assert len(verdict.evidence) >= 3 and all(o.failure for o in verdict.evidence)
    assert verdict.evidence[-1].at - verdict.evidence[0].at >= timedelta(hours=24)
    start = history.index(verdict.evidence[0])
    assert all(o.kind != "ok" for o in history[start:])  # nothing answered since the run began


def test_a_feed_carries_the_text_when_it_has_the_pages_article_not_a_summary() -> None:
    from newsvault.evidence.normalize import feed_carries

    article = "<p>" + "The whole story, told in full, paragraph after paragraph. " * 8 + "</p>"
    page = f"<h1>Title</h1><p>By a reporter, 2024-05-01 10:00</p>{article}<a href='/x?utm_source=a'>x</a>"
    assert feed_carries(article, page)
    assert not feed_carries("<p>The whole story, told in full.</p>", page)  # a summary
    assert not feed_carries("<p>" + "Something else entirely. " * 30 + "</p>", page)
    assert not feed_carries("", page)
