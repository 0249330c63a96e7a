"""The fetch stage: subscriptions' feeds → entries → new articles.

    http.py      HttpClient: limits, retries, conditional GET, proxies, file:// (the Fetcher)
    outcomes.py  every HTTP status / transport error → ok, not modified, retry or fail
    body.py      size-capped, self-decompressed bodies (gzip bombs stop at the cap)
    charset.py   bytes → text (BOM, valid UTF-8, HTTP charset, XML prolog, detection)
    feeds.py     parse_feed: decode, vet entities, lxml (xmlfeed.py) / JSON (jsonfeed.py),
                 repair, feedparser as the last resort (loose.py)
    dates.py     feed dates → aware UTC datetimes
    urls.py      absolute WHATWG URLs (ada)
    entries.py   Entry → Article (the DATE, MS, AUTHOR, TITLE, TAGS rules)
    cleaner.py   content cleaning of big batches in worker processes
    state.py     the stage's tables in the index: HTTP validators, per-feed results
    report.py    FeedResult / FetchReport (and the exit code)

The run itself, ``fetch_vault``, is in ``newsvault.pipeline``.
"""
