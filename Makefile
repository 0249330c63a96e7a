# newsvault — developer entry points. Each target sets up its own virtual environment.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test bench clean test-reliability

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) examples/demo.py

test: $(STAMP)
	$(PY) -m pytest -q

# SIGKILL `newsvault run` at 25 random moments while it fetches; every article exactly once.
test-reliability: $(STAMP)
	$(PY) tests/reliability/crash_run.py --rounds 25 -v

bench: $(STAMP)
	$(PY) -m bench

clean:
	rm -rf $(VENV) demo test-output
