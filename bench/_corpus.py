"""Where the benchmarks read real posts and feeds.

The numbers quoted in the docs were measured on the full fixture corpus (599 posts, 362
feeds), which lives outside the repository: ``NEWSVAULT_CORPUS`` names its folder, else it
is looked for beside the checkout. ``NEWSVAULT_CORPUS=tests/data`` runs the benchmarks on
the repository's subset instead (quicker, but not comparable with the quoted numbers).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def corpus() -> Path:
    """The corpus folder (``feeds/``, ``posts/real-sample/``), or a clear exit."""
    named = os.environ.get("NEWSVAULT_CORPUS")
    folder = Path(named).resolve() if named else REPO.parent / "shared" / "fixtures"
    if not (folder / "posts" / "real-sample" / "_posts").is_dir():
        raise SystemExit(
            f"bench: no fixture corpus at {folder}: set NEWSVAULT_CORPUS to the "
            "folder of the full corpus (or to tests/data for a quick run)"
        )
    return folder
