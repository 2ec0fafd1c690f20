# The two set-up commands of the README. Each starts from a fresh clone: it creates the
# virtual environment in .venv and installs storybot into it when needed.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

EMBED_VENV ?= .venv-embed
EMBED_BIN := $(EMBED_VENV)/bin
# The version test-embed installs; CPU build: see README "Dense embeddings" for the index
# to use where the default index would give the CUDA build.
TORCH ?= torch==2.13.0

.PHONY: demo test test-slow test-embed clean constraints

# constraints.txt pins every dependency to the versions the suite last passed with, so a
# fresh clone installs exactly those (pyproject.toml keeps the ranges users install from).
$(BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/storybot demo

# The default run leaves out the checks marked slow (real corpora, fault injection,
# benchmarks' quick modes, signals to real processes); .ci/run runs them next. It runs in
# TEST_JOBS processes (pytest-xdist): one per core, at most 4, since each holds its own
# PostgreSQL test database and connections; TEST_JOBS=0 runs it in this one process.
TEST_JOBS ?= $(shell $(PYTHON) -c "import os; print(min(4, os.cpu_count() or 1))")

test: $(BIN)/.installed
	$(BIN)/pytest -m 'not slow' -n $(TEST_JOBS)

# One process: the slow checks restart PostgreSQL, hold its connections and time outages,
# which would disturb checks running beside them.
test-slow: $(BIN)/.installed
	$(BIN)/pytest -m slow

# The optional dense-embedding extra in its own venv (PyTorch stays out of .venv), then
# the tests that load the real model.
$(EMBED_BIN)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(EMBED_VENV)
	$(EMBED_BIN)/python -m pip install --quiet --upgrade pip
	$(EMBED_BIN)/python -m pip install --quiet -c constraints.txt '$(TORCH)'
	$(EMBED_BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,embed]'
	touch $@

test-embed: $(EMBED_BIN)/.installed
	$(EMBED_BIN)/pytest -m embed

# Refresh constraints.txt: the newest versions pyproject.toml's ranges allow for the dev
# and embed extras, installed into a scratch venv without the old pins (torch as TORCH
# says, and left out of the file: TORCH pins it), then frozen under the file's own header.
# Run .ci/run afterwards and commit the file only if it passes.
LOCK_VENV := .venv-constraints
constraints:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/python -m pip install --quiet '$(TORCH)'
	$(LOCK_VENV)/bin/python -m pip install --quiet -e '.[dev,embed]'
	{ grep '^#' constraints.txt; $(LOCK_VENV)/bin/python -m pip freeze --exclude-editable | grep -v '^torch=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf $(LOCK_VENV)
	@echo "constraints.txt refreshed; run .ci/run before committing it"

clean:
	rm -rf $(VENV) .venv-3.* $(EMBED_VENV) $(LOCK_VENV) *.egg-info .pytest_cache
