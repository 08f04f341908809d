# Two commands set everything up on a fresh machine: `make run` and `make test`.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CHROMIUM := /usr/bin/chromium

.PHONY: run test lint eval bench-dedup bench-scale bench-pagecost bench-stream install clean-out

install: $(STAMP)

# setup.py builds dedup's C kernel (cleaner/dedup/_fastsign.c) into the package: a
# change to either reinstalls, so the kernel in use is the one in the tree.
$(STAMP): pyproject.toml setup.py cleaner/dedup/_fastsign.c
	test -x $(BIN)/python || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cleaner clean seeds/ -o out/

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -q

# The report's browser tests drive Debian's Chromium with Playwright (never a
# downloaded browser): installed from Debian's packages when it is missing.
$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; }

lint: $(STAMP)
	$(BIN)/ruff check cleaner tests

# Scores every set of ../shared/bench (scrapinghub, readability, wceb; read in place), HTML and
# text, beside trafilatura and the whole-page baselines; per-page scores in out/eval.json.
# Under 15 minutes on 2 cores (one worker process per core; the wall time is printed).
# Rebuilds the content model files (cleaner/model/html.json, text.json) from the sets
# of ../shared/bench, read in place, byte for byte; prints the cross-set check first.
train: $(STAMP)
	$(BIN)/python -m cleaner.model.train

eval: $(STAMP)
	$(BIN)/cleaner eval --worst 5

# Dedup speed, memory and quality on a generated 100,000-doc corpus (out/bench-dedup.json),
# then `cleaner dedup --jobs 1/2` end to end beside datasketch's per-shingle loop and
# update_batch and beside the cleaner of DEDUP_BASELINE (the release before the compiled
# kernel, exported with git archive: nothing in .git is written), on 20,000 docs, as ratios
# measured in one run (out/bench-dedup-e2e.json). About 15 minutes on 2 cores.
DEDUP_BASELINE ?= 915ebe0
bench-dedup: $(STAMP)
	$(BIN)/python -m cleaner.benchmarks.dedup
	rm -rf out/dedup-baseline && mkdir -p out/dedup-baseline
	git archive $(DEDUP_BASELINE) cleaner | tar -x -C out/dedup-baseline
	git rev-parse --short $(DEDUP_BASELINE) > out/dedup-baseline/BASELINE_REV
	$(BIN)/python -m cleaner.benchmarks.dedup_e2e --baseline out/dedup-baseline

# Engines at scale: trafilatura alone vs cleaner --jobs 1/2 and --engine dask on 2,000 pages
# built from the benchmark (read in place), and peak memory at 20,000; out/bench-scale.json.
bench-scale: $(STAMP)
	$(BIN)/python -m cleaner.benchmarks.scale

# What one page costs a worker (time, peak memory) for each shape of hostile input at
# 1-50 MB, and the benchmark pages as the reference; out/pagecost.json. Tens of minutes.
bench-pagecost: $(STAMP)
	$(BIN)/python -m cleaner.benchmarks.pagecost

# How soon `cleaner clean big.jsonl -o - | head -1` prints its first record, on 5,000
# records, beside trafilatura's CLI on one page in the same run.
bench-stream: $(STAMP)
	$(BIN)/python -m cleaner.benchmarks.stream

clean-out:
	rm -rf out/
