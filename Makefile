# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint eval bench-dedup install clean-out

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cleaner clean seeds/ -o out/

test: $(STAMP)
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check cleaner tests

# Scores on ../shared/bench/scrapinghub (read in place); per-page scores in out/eval.json.
eval: $(STAMP)
	$(BIN)/cleaner eval --worst 5

# Dedup speed, memory and quality on a generated 100,000-doc corpus; figures in out/bench-dedup.json.
bench-dedup: $(STAMP)
	$(BIN)/python -m cleaner.benchmarks.dedup

clean-out:
	rm -rf out/
