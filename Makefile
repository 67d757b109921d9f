# Every target bootstraps .venv itself, so any of them works as the first command on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,scale]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/rolefit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.shared_stores

# Answer quality on our own set and the real-question dev set (../shared/eval) -> docs/eval.md
eval: $(STAMP)
	$(BIN)/python -m bench.evaluation

clean:
	rm -rf $(VENV) build *.egg-info
