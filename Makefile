# newsvault — developer entry points. Each target sets up its own virtual environment.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
# Pagefind only for `make bench`: it measures the search index against it, side by side.
PAGEFIND_VERSION := 1.6.0
PAGEFIND := .tools/node_modules/pagefind/package.json

.PHONY: demo test bench clean test-reliability

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

$(PAGEFIND):
	npm install --prefix .tools --no-save --no-audit --no-fund pagefind@$(PAGEFIND_VERSION)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest -q

# SIGKILL `newsvault run` at 25 random moments while it fetches; every article exactly once.
test-reliability: $(STAMP)
	$(PY) tests/reliability/crash_run.py --rounds 25 -v

bench: $(STAMP) $(PAGEFIND)
	$(PY) -m bench

clean:
	rm -rf $(VENV) demo test-output .tools
