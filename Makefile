# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint eval bench-dedup bench-scale install clean-out

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

# Engines at scale: trafilatura alone vs cleaner --jobs 1/2 and --engine dask on 2,000 pages
# built from the benchmark (read in place), and peak memory at 20,000; out/bench-scale.json.
bench-scale: $(STAMP)
	$(BIN)/python -m cleaner.benchmarks.scale

clean-out:
	rm -rf out/
