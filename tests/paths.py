"""Where the repository and the test data are, computed once for every test helper.

``tests/data`` holds a chosen subset of the real fixture corpus with the corpus's own
layout (``feeds/…``, ``posts/real-sample/``, ``posts/seed/``); see tests/data/README.md.
The full corpus (599 posts, 362 feeds) is optional: ``NEWSVAULT_CORPUS`` names its folder,
and the tests marked ``corpus`` run over it (they are skipped when it is not set).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "data"
REAL_SAMPLE = FIXTURES / "posts" / "real-sample"
CORPUS = (
    Path(os.environ["NEWSVAULT_CORPUS"]).resolve() if os.environ.get("NEWSVAULT_CORPUS") else None
)
