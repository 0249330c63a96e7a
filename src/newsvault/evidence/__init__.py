"""Evidence: what happens to an article after it is archived (issue 14).

Stages, each its own module:

- ``normalize``: the text a page says, minus what does not count as an edit;
- ``verdicts``: one revisit's outcome, and when failures make a deletion verdict (pure);
- ``schedule``: when each article is revisited (pure);
- ``records``: the committed record, ``_evidence/YYYY-MM.jsonl`` and ``_revisions/``;
- ``tracks``: the index's ``revisits`` table, a fold of the committed records;
- ``revisit``: the revisit run itself (conditional GET through the fetch stage's client).
- ``history``: what the committed record says about each post, for the site.

See docs/evidence.md.
"""
