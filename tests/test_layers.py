"""Every module in the stage it serves (issue 13.5): no import cycle, and no import from
a lower layer to a higher one. The layering is the data below; the test reads every
module's imports with ``ast`` (lazy imports inside functions count too: a cycle through
one is still a cycle, and a stage that imports a later one lazily still depends on it).

To move a module or add one, place it in ``LAYERS``; a stage package is one unit, its
modules may import each other (but not in a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"

# Lowest first. A module may import only its own unit and units of lower layers; the
# units of one layer are peers and never import each other.
LAYERS: list[tuple[str, ...]] = [
    # below every stage: the shared vocabulary…
    (
        "newsvault",
        "newsvault.errors",
        "newsvault.models",
        "newsvault.vault",
        "newsvault.urls",
        "newsvault.charset",
    ),
    # …and tools
    (
        "newsvault.fsutil",
        "newsvault.clock",
        "newsvault.lock",
        "newsvault.stop",
        "newsvault.installed",  # where this newsvault was installed from (init's workflow)
        # a git runner (no publishing in it), also used by init and migrate-layout
        "newsvault.publish.gitcli",
    ),
    # the user's settings
    ("newsvault.config",),
    ("newsvault.subscriptions",),
    # the stages that make posts: peers, composed by pipeline.py alone
    ("newsvault.fetch", "newsvault.content", "newsvault.archive"),
    # what happens to an archived article afterwards: revisits over the stages' tools
    ("newsvault.evidence",),
    # what reads the archive: the run's composition, the site, publishing, a new vault's files
    (
        "newsvault.pipeline",
        "newsvault.site",
        "newsvault.publish",
        "newsvault.scaffold",
        "newsvault.opml",
    ),
    # commands over those
    ("newsvault.init", "newsvault.runner", "newsvault.serve", "newsvault.subscribe"),
    ("newsvault.cli",),
    # what runs the command line: python -m newsvault, the generated reference docs
    ("newsvault.__main__", "newsvault.docsgen"),
]

# Packages whose modules import the package itself, on purpose. The command modules
# register their commands on the click group defined in cli/__init__.py, which imports
# them only by name (importlib) when one of their commands runs: no import cycle.
IMPORT_THEIR_PACKAGE = {"newsvault.cli"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in (SRC / "newsvault").rglob("*.py"):
        parts = path.relative_to(SRC).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The newsvault modules ``path`` imports (``from pkg import sub`` is ``pkg.sub``)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if not node.module.startswith("newsvault"):
                continue
            subs = {f"{node.module}.{a.name}" for a in node.names} & modules.keys()
            out |= subs if len(subs) == len(node.names) else {node.module} | subs
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("newsvault")}
    return out


def _unit(module: str) -> tuple[int, str]:
    """(layer, unit) of a module: the longest unit name that is it or a package above it."""
    best: tuple[int, str] | None = None
    for rank, units in enumerate(LAYERS):
        for unit in units:
            below = (
                module.startswith(unit + ".") and unit != "newsvault"
            )  # the package's own file only
            if (module == unit or below) and (best is None or len(unit) > len(best[1])):
                best = (rank, unit)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(path, modules) - {name} for name, path in modules.items()}


def _upward(graph: dict[str, set[str]]) -> list[str]:
    wrong = []
    for module, targets in sorted(graph.items()):
        rank, unit = _unit(module)
        for target in sorted(targets):
            t_rank, t_unit = _unit(target)
            if t_unit != unit and t_rank >= rank and "newsvault" not in (module, target):
                wrong.append(f"{module} -> {target}")
    return wrong


def _cycles(graph: dict[str, set[str]]) -> list[str]:
    done: set[str] = set()
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        if node in path:
            cycles.append(" -> ".join(path[path.index(node) :] + [node]))
            return
        if node in done:
            return
        for nxt in sorted(graph.get(node, ())):
            if nxt in graph:
                visit(nxt, path + [node])
        done.add(node)

    for node in sorted(graph):
        visit(node, [])
    return cycles


def test_no_import_runs_up_or_sideways() -> None:
    assert _upward(_graph()) == []


def _package_of(module: str, modules: dict[str, Path]) -> str | None:
    return module.rpartition(".")[0] if modules[module].name != "__init__.py" else module


def test_no_module_imports_its_own_package() -> None:
    """``from newsvault.content import X`` inside content/ runs content/__init__.py, which
    imports the modules that import it: a cycle (it needed ``noqa: E402`` and the comment
    "Fetcher must exist first"). Import the module that defines X instead."""
    modules = _modules()
    wrong = []
    for module, targets in sorted(_graph().items()):
        package = _package_of(module, modules)
        for target in targets:
            if (
                package
                and package not in IMPORT_THEIR_PACKAGE
                and modules[module].name != "__init__.py"
                and (package == target or package.startswith(target + "."))
                and target != "newsvault"
            ):
                wrong.append(f"{module} -> {target}")
    assert wrong == []


def test_no_import_cycle() -> None:
    """No cycle, lazy imports included. A package's __init__ importing its own modules is
    how a package exports them (the test above keeps them from importing it back), so
    those edges are left out."""
    modules = _modules()
    graph = {
        m: {t for t in ts if not (modules[m].name == "__init__.py" and t.startswith(m + "."))}
        for m, ts in _graph().items()
    }
    assert _cycles(graph) == []


def test_the_stages_that_make_posts_know_only_what_is_below_them() -> None:
    """fetch/ knows neither archive nor content (and they not it); pipeline.py is the one
    module that composes the three."""
    graph = _graph()
    stages = ("newsvault.fetch", "newsvault.content", "newsvault.archive")
    users: dict[str, set[str]] = {s: set() for s in stages}
    for module, targets in graph.items():
        for stage in stages:
            if module == stage or module.startswith(stage + "."):
                others = {
                    t
                    for t in targets
                    for s in stages
                    if s != stage and (t == s or t.startswith(s + "."))
                }
                assert not others, f"{module} imports {sorted(others)}"
            elif any(t == stage or t.startswith(stage + ".") for t in targets):
                users[stage].add(module.split(".")[1] if "." in module else module)
    composers = users["newsvault.fetch"] & users["newsvault.content"] & users["newsvault.archive"]
    # site/ reads all three but makes no posts: the fetch state (the sources page), the
    # archive, and the content stage's embed and lazy-image passes, which it runs over old
    # posts that never went through the content stage (issue 16 item 4)
    assert composers == {"pipeline", "site"}


def test_the_checks_can_fail() -> None:
    """The defects this layering removed, put back into a copy of the real graph."""
    graph = _graph()
    graph["newsvault.archive.naming"] |= {"newsvault.archive.posts"}  # the lazy import it had
    graph["newsvault.archive.posts"] |= {"newsvault.archive.naming"}  # for expected_filename
    assert _cycles(graph) == [
        "newsvault.archive.posts -> newsvault.archive.naming -> newsvault.archive.posts"
    ]
    graph = _graph()
    graph["newsvault.content.fulltext"] |= {"newsvault.fetch.charset"}
    graph["newsvault.scaffold"] |= {"newsvault.site.search"}
    graph["newsvault.fetch.entries"] = {"newsvault.archive.identity"}
    assert _upward(graph) == [
        "newsvault.content.fulltext -> newsvault.fetch.charset",
        "newsvault.fetch.entries -> newsvault.archive.identity",
        "newsvault.scaffold -> newsvault.site.search",
    ]
