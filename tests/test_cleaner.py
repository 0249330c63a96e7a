"""The worker-process cleaner gives exactly what inline cleaning gives."""

from __future__ import annotations

import asyncio

from newsvault.config import ContentConfig
from newsvault.content import ContentOptions
from newsvault.fetch.cleaner import POOL_BATCH, Cleaner, clean_batch


def test_pool_and_inline_agree() -> None:
    options = ContentOptions.for_subscription(ContentConfig(images="proxy"))
    items = [(f'<p onclick="x()">Item {i}\n <img src="/img/{i}.jpg"></p><script>bad()</script>',
              f"https://news.example.com/a/{i}") for i in range(POOL_BATCH * 2)]
    inline = clean_batch(items, options)

    async def pooled() -> list:
        with Cleaner(workers=2) as cleaner:
            big = await cleaner.clean(items, options)
            small = await cleaner.clean(items[:3], options)
            assert cleaner._pool is not None  # the big batch went to the workers
            return big + small
    assert asyncio.run(pooled()) == inline + inline[:3]
    assert "script" not in inline[0].html and "onclick" not in inline[0].html
    assert "news.example.com/img/0.jpg" in inline[0].html
