"""The docs: the generated references are current and complete, every page is linked
from docs/README.md, and nothing points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from conftest import REPO
from newsvault import docsgen
from newsvault.cli import cli
from newsvault.config import describe

DOCS = REPO / "docs"


@pytest.mark.parametrize("name", sorted(docsgen.PAGES))
def test_generated_reference_is_current(name: str) -> None:
    """Fails after a command, an option or a setting changed until `make docs` is run."""
    assert (DOCS / name).read_text(encoding="utf-8") == docsgen.PAGES[name](), (
        f"docs/{name} is stale: run `make docs` and commit it"
    )


def test_every_command_and_option_is_documented() -> None:
    text = (DOCS / "commands.md").read_text(encoding="utf-8")
    root = click.Context(cli, info_name="newsvault")
    for name in cli.list_commands(root):
        command = cli.get_command(root, name)
        assert command is not None and command.help, f"`newsvault {name}` has no docstring"
        assert f"\n## newsvault {name}\n" in text
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help, f"`newsvault {name}` {param.opts[0]} has no help"
                assert f"`{param.get_help_record(root)[0]}`".replace("|", "\\|") in text  # type: ignore[index]


def test_every_setting_is_documented() -> None:
    text = (DOCS / "configuration.md").read_text(encoding="utf-8")
    sections = re.split(r"^## \[(.+)\]$", text, flags=re.M)
    body = dict(zip(sections[1::2], sections[2::2], strict=True))
    for info in describe():
        assert f"- **`{info.name}`** ({info.type}," in body[info.section], (info.section, info.name)


def test_every_docs_page_is_in_the_index_and_every_link_resolves() -> None:
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in DOCS.glob("*.md"):
        if page.name != "README.md":
            assert f"]({page.name})" in index, f"docs/README.md does not link {page.name}"
    for page in [REPO / "README.md", REPO / "CONTRIBUTING.md", *DOCS.glob("*.md")]:
        text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.M | re.S)
        prose = re.sub(r"`[^`\n]*`", "", text)  # what looks like a link in code is not one
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", prose):
            if "://" not in target:
                assert (page.parent / target).exists(), (
                    f"{page.name} links {target}, which is missing"
                )


def test_nothing_refers_to_documents_outside_the_repository() -> None:
    outside = re.compile(
        r"\.\./shared|/work/shared|(?<![\w/-])(POST_FORMAT|DESIGN|STYLE|ARCHITECTURE-REVIEW)\.md"
    )
    found = []
    for folder in ("src", "docs", "tests"):
        for path in (REPO / folder).rglob("*"):
            if (
                path.suffix in (".py", ".md", ".txt", ".yml", ".html", ".js")
                and "data" not in path.parts
                and path != Path(__file__)
            ):
                for n, line in enumerate(
                    path.read_text(encoding="utf-8", errors="replace").splitlines(), 1
                ):
                    if outside.search(line):
                        found.append(f"{path.relative_to(REPO)}:{n}: {line.strip()}")
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    found += [f"README.md: {m}" for m in outside.findall(readme)]
    assert not found, "\n".join(found)


def test_check_mode_reports_a_stale_file(tmp_path: Path) -> None:
    assert docsgen.main([str(tmp_path)]) == 0
    assert docsgen.main(["--check", str(tmp_path)]) == 0
    (tmp_path / "commands.md").write_text("old\n", encoding="utf-8")
    assert docsgen.main(["--check", str(tmp_path)]) == 1
