# The two set-up commands of the README. Each starts from a fresh clone: it creates the
# virtual environment in .venv and installs storybot into it when needed.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin

.PHONY: demo test test-fast bench-quick clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/storybot demo

test: $(BIN)/.installed
	$(BIN)/pytest

test-fast: $(BIN)/.installed
	$(BIN)/pytest -m 'not slow'

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
