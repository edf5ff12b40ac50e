# Quick start: `make run` (set up + check the example notes), `make test` (set up + run the tests).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test setup eval eval-mtsamples clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/notecheck check corpora/examples/*.txt --claims corpora/examples/claims.csv || [ $$? -eq 1 ]

test: $(STAMP)
	$(BIN)/python -m pytest

eval: $(STAMP)
	$(BIN)/notecheck eval corpora/test

eval-mtsamples: $(STAMP)
	$(BIN)/notecheck eval ../shared/eval/mtsamples --gold eval/mtsamples_gold.jsonl

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
