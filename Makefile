# newsvault — developer entry points. `make test` sets up everything it can first:
# system packages (scripts/setup-system.sh: installs them as root on Debian, else says
# what is missing), the Python packages into .venv (pinned by requirements/constraints.txt)
# (Pagefind, which `make bench` compares the search index with, goes into .tools.)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
CONSTRAINTS := requirements/constraints.txt
PAGEFIND_VERSION := 1.6.0
PAGEFIND := .tools/node_modules/pagefind/package.json

.PHONY: setup setup-system tools demo docs test lint lock bench clean test-reliability

setup: setup-system $(STAMP)

setup-system:
	@PYTHON=$(PYTHON) bash scripts/setup-system.sh

$(STAMP): pyproject.toml $(CONSTRAINTS)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -c $(CONSTRAINTS) pip
	$(PY) -m pip install -q -c $(CONSTRAINTS) -e '.[test,lint]'
	touch $(STAMP)

# Pagefind's extended binary, pinned, from npm into .tools/: only for `make bench`.
tools: $(PAGEFIND)
$(PAGEFIND):
	@if command -v npm >/dev/null; then \
	    npm install --prefix .tools --no-save --no-audit --no-fund pagefind@$(PAGEFIND_VERSION); \
	else echo "make: npm not found: Pagefind not installed, the bench will not compare with it"; fi

demo: $(STAMP)
	$(PY) examples/demo.py

# The command and configuration references (docs/commands.md, docs/configuration.md) are
# written from the code: run this after adding or changing a command, an option or a setting.
docs: $(STAMP)
	$(PY) -m newsvault.docsgen docs

test: setup
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Refresh the pinned versions on purpose: a clean venv, the newest releases that satisfy
# pyproject.toml, frozen. Review the diff, run `make test`, commit it.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install -q --upgrade pip
	.venv-lock/bin/python -m pip install -q '.[test,lint]'
	{ echo "# Pinned versions of everything \`make\` and CI install (refresh: make lock)."; \
	  echo "# Made by pip freeze in a clean venv with Python $$(.venv-lock/bin/python -c 'import platform; print(platform.python_version())')."; \
	  .venv-lock/bin/python -m pip --version | awk '{print "pip==" $$2}'; \
	  .venv-lock/bin/python -m pip freeze --exclude newsvault; } > $(CONSTRAINTS)
	rm -rf .venv-lock build

# SIGKILL `newsvault run` at 25 random moments while it fetches; every article exactly once.
test-reliability: $(STAMP)
	$(PY) tests/reliability/crash_run.py --rounds 25 -v

bench: $(STAMP) tools
	$(PY) -m bench

clean:
	rm -rf $(VENV) demo test-output .tools
