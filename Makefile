# Two commands on a fresh machine: `make run` and `make test`. Each builds the venv it needs.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test test-slow eval bench check clean

$(STAMP): pyproject.toml
	@echo "Installing dependencies into $(VENV), about 2 minutes the first time..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m bot

# The knowledge check, the test suite, then the quality evaluation (exits 1 below its thresholds).
test: $(STAMP)
	$(PY) -m bot kb check
	$(PY) -m pytest -q
	$(PY) -m bot eval

test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

check: $(STAMP)
	$(PY) -m bot kb check

eval: $(STAMP)
	$(PY) -m bot eval

bench: $(STAMP)
	$(PY) -m bot bench

clean:
	rm -rf $(VENV) .pytest_cache
