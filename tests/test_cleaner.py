"""The worker-process cleaner gives exactly what inline cleaning gives."""

from __future__ import annotations

import asyncio

from newsvault.config import ContentConfig
from newsvault.content import ContentOptions
from newsvault.content.pool import POOL_BATCH, Cleaner, clean_batch


def test_pool_and_inline_agree() -> None:
    options = ContentOptions.for_subscription(ContentConfig(images="proxy"))
    items = [
        (
            f'<p onclick="x()">Item {i}\n <img src="/img/{i}.jpg"></p><script>bad()</script>',
            f"https://news.example.com/a/{i}",
        )
        for i in range(POOL_BATCH * 2)
    ]
    inline = clean_batch(items, options)

    async def pooled() -> list:
        with Cleaner(workers=2) as cleaner:
            big = await cleaner.clean(items, options)
            small = await cleaner.clean(items[:3], options)
            assert cleaner._all  # the big batch went to the workers
            return big + small

    assert asyncio.run(pooled()) == inline + inline[:3]
    assert "script" not in inline[0].html and "onclick" not in inline[0].html
    assert "news.example.com/img/0.jpg" in inline[0].html


def test_a_batch_over_budget_costs_only_its_slow_article() -> None:
    """The worker of a batch that runs out of time is killed; the batch is cleaned again
    article by article, and only the article that still runs out becomes text (12.6)."""
    options = ContentOptions.for_subscription(ContentConfig())
    # 20,000 images to resolve: ~0.8 s on a loaded 2-core machine, far over the budget
    # (a deep or long plain text is no test: the depth guard makes it cheap).
    slow = "".join(f'<p>word word <img src="/i/{i}.jpg"></p>' for i in range(20_000))
    items = [(f"<p>Item {i}</p>", f"https://news.example.com/a/{i}") for i in range(POOL_BATCH)]
    items[5] = (slow, "https://news.example.com/slow")

    async def pooled() -> tuple[list, list]:
        with Cleaner(workers=2, budget=0.1) as cleaner:
            cleaner.budget_per_item = 0.0
            out = await cleaner.clean(items, options)
            return out, list(cleaner._all)

    out, workers = asyncio.run(pooled())
    assert [r.html for i, r in enumerate(out) if i != 5] == [
        f"<p>Item {i}</p>" for i in range(POOL_BATCH) if i != 5
    ]
    assert (
        out[5].html.startswith("<p>word word") and "could not be cleaned within" in out[5].notes[0]
    )
    assert all(not w.process.is_alive() for w in workers)  # leaving kills the workers


def test_leaving_kills_busy_workers_at_once() -> None:
    """A stop must not wait for a batch in flight (the documented stop promise)."""
    options = ContentOptions.for_subscription(ContentConfig())
    heavy = [
        ("<div>" * 300 + "<p>" + "w " * 300_000 + "</p>" + "</div>" * 300, f"https://e.x/{i}")
        for i in range(POOL_BATCH)
    ]
    seen: list = []

    async def cut() -> None:
        with Cleaner(workers=2) as cleaner:
            task = asyncio.ensure_future(cleaner.clean(heavy, options))
            while not cleaner._all:
                await asyncio.sleep(0.01)
            seen.extend(cleaner._all)
            task.cancel()

    asyncio.run(cut())
    assert seen and all(not w.process.is_alive() for w in seen)
