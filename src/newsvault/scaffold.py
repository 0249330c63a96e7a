"""The files ``newsvault init`` adds for running a vault unattended.

``.gitignore``, a README for the vault, an example ``subs.json`` and the GitHub
Actions workflow that runs ``newsvault run`` hourly and deploys Pages. The texts are
files in ``newsvault/init_templates/`` (package data), so they can be read and
edited as what they are. Nothing the user already has is overwritten: an existing
reference archive keeps its ``subs.json``, ``README.md`` and ``_posts/`` as they are;
a ``.gitignore`` only gains the lines it lacks.
"""

from __future__ import annotations

import string
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

from newsvault.errors import NewsvaultError
from newsvault.fsutil import write_atomic
from newsvault.installed import InstallSpec, install_spec
from newsvault.publish.gitcli import git, is_repository

WORKFLOW_PATH = ".github/workflows/newsvault.yml"

#: vault path → template file in ``newsvault/init_templates/``
TEMPLATES = {
    ".gitignore": "gitignore.txt",
    ".gitattributes": "gitattributes.txt",
    "README.md": "README.md",
    "subs.json": "subs.json",
    WORKFLOW_PATH: "workflow.yml",
}


@dataclass(frozen=True)
class ScaffoldReport:
    written: tuple[str, ...]  # vault-relative paths created or extended
    kept: tuple[str, ...]  # existing files left as they were
    git_initialized: bool
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def template_text(name: str) -> str:
    return (resources.files("newsvault") / "init_templates" / name).read_text(encoding="utf-8")


def scaffold_vault(
    root: Path, *, title: str = "newsvault", git_init: bool = True, examples: bool = True
) -> ScaffoldReport:
    """Add the automation files that are missing; optionally ``git init`` the folder.

    ``examples=False`` (adopting an existing archive) writes no example ``subs.json``:
    an archive must not start mirroring sources its owner never chose.
    """
    written: list[str] = []
    kept: list[str] = []
    spec = install_spec()
    for rel, template in TEMPLATES.items():
        if rel == "subs.json" and not examples:
            continue
        text = string.Template(template_text(template)).safe_substitute(
            title=title, package=spec.requirement, origin=spec.origin
        )
        target = root / rel
        if rel in (".gitignore", ".gitattributes") and target.exists():
            if _extend_gitignore(target, text):
                written.append(rel)
            else:
                kept.append(rel)
        elif target.exists():
            kept.append(rel)
        else:
            write_atomic(target, text.encode("utf-8"))
            written.append(rel)
    initialized = git_init and _git_init(root)
    notes = _notes(root)
    if WORKFLOW_PATH in written and not spec.portable:
        notes.append(_not_portable_note(spec))
    return ScaffoldReport(tuple(written), tuple(kept), initialized, tuple(notes))


def _not_portable_note(spec: InstallSpec) -> str:
    return (
        f"{WORKFLOW_PATH} installs newsvault from {spec.origin}, which GitHub's runner "
        'does not have: set NEWSVAULT_PACKAGE in it to a release ("newsvault==…") '
        "or a git URL before pushing"
    )


def _extend_gitignore(path: Path, template: str) -> bool:
    have = path.read_text(encoding="utf-8", errors="replace")
    lines = {line.strip() for line in have.splitlines()}
    missing = [
        line
        for line in template.splitlines()
        if line.strip() and not line.startswith("#") and line.strip() not in lines
    ]
    if not missing:
        return False
    sep = "" if have.endswith("\n") or not have else "\n"
    write_atomic(
        path, (have + sep + "# added by newsvault\n" + "\n".join(missing) + "\n").encode("utf-8")
    )
    return True


def _git_init(root: Path) -> bool:
    """``git init`` a folder that is not in a repository yet (the archive's history)."""
    try:
        if is_repository(root):
            return False
        git(root, "init", "-q")
    except NewsvaultError:  # no git installed: the vault works without it
        return False
    return True


def _notes(root: Path) -> list[str]:
    """Warn about an old workflow that would commit alongside newsvault's."""
    notes = []
    folder = root / ".github" / "workflows"
    for path in sorted(folder.glob("*.y*ml")) if folder.is_dir() else []:
        if path.name == Path(WORKFLOW_PATH).name:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if "perform.js" in text or "git push" in text:
            notes.append(
                f"{path.relative_to(root)} also commits on a schedule; disable it "
                f"once {WORKFLOW_PATH} runs, or both will archive every hour"
            )
    return notes
