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

.PHONY: demo test test-slow test-embed bench-quick clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/storybot demo

# The default run leaves out the checks marked slow (real corpora, fault injection,
# benchmarks' quick modes, signals to real processes); .ci/run runs them next.
test: $(BIN)/.installed
	$(BIN)/pytest -m 'not slow'

test-slow: $(BIN)/.installed
	$(BIN)/pytest -m slow

# The optional dense-embedding extra in its own venv (PyTorch stays out of .venv), then
# the tests that load the real model.
$(EMBED_BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(EMBED_VENV)
	$(EMBED_BIN)/python -m pip install --quiet --upgrade pip
	$(EMBED_BIN)/python -m pip install --quiet '$(TORCH)'
	$(EMBED_BIN)/python -m pip install --quiet -e '.[dev,embed]'
	touch $@

test-embed: $(EMBED_BIN)/.installed
	$(EMBED_BIN)/pytest -m embed

clean:
	rm -rf $(VENV) $(EMBED_VENV) *.egg-info .pytest_cache
