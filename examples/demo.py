"""`make demo`: build a demo vault from the bundled example archive, offline.

Usage: python examples/demo.py [DIR]   (default: demo/ in the repository)

1. `newsvault init demo/` — a fresh vault (commented newsvault.toml, subs.json, _posts/).
2. `newsvault import examples/archive` — adopt the example posts (byte for byte).
3. Archive one new article the way `fetch` does (skipping it when it is already there).
4. `newsvault check demo/` — what is wrong with each post, and the summary.
"""

from __future__ import annotations

import shutil
import sys
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO / "src"))  # also works without `pip install -e .`

from newsvault.archive.checker import check_archive  # noqa: E402
from newsvault.archive.importer import import_archive  # noqa: E402
from newsvault.archive.index import Index  # noqa: E402
from newsvault.archive.store import save_post  # noqa: E402
from newsvault.archive.vaultinit import init_vault  # noqa: E402
from newsvault.models import Article  # noqa: E402
from newsvault.vault import Vault  # noqa: E402

NOW = datetime(2021, 1, 28, 0, 0, tzinfo=timezone.utc)
NEW = Article(
    title="newsvault demo: a title with \"quotes\", a back\\slash and [brackets]",
    date=NOW, author="newsvault demo", link="https://example.org/demo/1?utm_source=rss",
    site="(demo) site", content="<p>An article archived by the demo.</p>",
    ms=int(NOW.timestamp() * 1000), tags=("(demo) site",), categories=("(demo) site",),
)


def main(argv: list[str]) -> int:
    root = Path(argv[0]).resolve() if argv else REPO / "demo"
    if root.exists():
        if not (root / ".newsvault").is_dir():
            print(f"{root} exists and is not a demo vault; not touching it")
            return 1
        shutil.rmtree(root)
    vault = Vault(root)
    report = init_vault(root)
    print(f"init    {root}: created {', '.join(report.created)}")
    imported = import_archive(vault, HERE / "archive")
    print(f"import  examples/archive: {len(imported.copied)} copied, "
          f"{len(imported.skipped)} skipped, {len(imported.broken)} broken")
    with Index.open(vault) as index:
        for attempt in (1, 2):
            if index.knows(NEW.link, NEW.guid):
                print(f"archive attempt {attempt}: already archived, skipped")
                continue
            saved = save_post(vault.posts_dir, NEW)
            index.add(saved.path, NEW)
            print(f"archive attempt {attempt}: wrote _posts/{saved.path.name}")
        print(f"index   {index.count()} posts in .newsvault/index.sqlite")
    checked = check_archive(root)
    for item in checked.reports:
        kind = "BROKEN " if item.broken else "warning"
        print(f"check   {kind} {item.path.name}: " + "; ".join(p.message for p in item.problems))
    print(f"check   {checked.posts} posts: {checked.ok} ok, {checked.warnings} with warnings, "
          f"{checked.broken} broken")
    return 1 if checked.broken else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
