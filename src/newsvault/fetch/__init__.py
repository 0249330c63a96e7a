"""The fetch stage: subscriptions' feeds → entries (it knows neither the content stage
nor the archive; ``newsvault.pipeline`` composes the three).

    http.py      HttpClient: limits, retries, conditional GET, proxies, file:// (the Fetcher)
    outcomes.py  every HTTP status / transport error → ok, not modified, retry or fail
    body.py      size-capped, self-decompressed bodies (gzip bombs stop at the cap)
    feeds.py     parse_feed: decode, vet entities, lxml (xmlfeed.py) / JSON (jsonfeed.py),
                 repair, feedparser as the last resort (loose.py)
    dates.py     feed dates → aware UTC datetimes
    state.py     the stage's tables in the index: HTTP validators, per-feed results
    report.py    FeedResult / FetchReport (and the exit code)

Shared with other stages, below them all: ``newsvault/charset.py`` (bytes → text) and
``newsvault/urls.py`` (WHATWG URLs). Entry → Article is ``archive/articles.py``; cleaning
big batches in worker processes is ``content/pool.py``. The run itself, ``fetch_vault``,
is in ``newsvault.pipeline``.
"""
