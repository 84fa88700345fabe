# make run   - set up (venv, ledger, model) and run the assistant until Ctrl-C
# make test  - set up, install the Debian packages the tests need, and run every test
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export RASA_TELEMETRY_ENABLED := false
export BOT_VAR_DIR ?= $(CURDIR)/var
MODEL := models/product.tar.gz
# Everything that changes what the model learns; a change retrains, nothing else does.
TRAIN_INPUTS := config.yml $(wildcard domain/*.yml) $(shell find data -type f 2>/dev/null) \
	$(wildcard bot/nlu/*.py) $(wildcard bot/nlu/lexicons/*.yml) bot/ledger/catalogue.py

.PHONY: run test setup ledger model sysdeps clean help

help:
	@sed -n '1,2p' Makefile

run: setup ledger model
	$(BIN)/bot run

test: sysdeps setup ledger model
	scripts/validate-data
	$(BIN)/rasa test core --stories tests/conversations/stories --model $(MODEL) \
	  --fail-on-prediction-errors --out reports/core --quiet
	$(BIN)/pytest -q

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/make-venv
	scripts/make-venv
	touch $@

sysdeps:
	scripts/sysdeps

# The embedded SQLite ledger: upgraded to the newest migration always; seeded when new, and
# re-seeded when the demo catalogue or seed changed (the model's entity lexicon comes from it).
SEED_HASH := $(shell cat bot/ledger/catalogue.py bot/ledger/seed.py 2>/dev/null | sha256sum | cut -c1-16)
ledger: setup
	@$(BIN)/bot ledger init
	@if [ -z "$$LEDGER_URL" ] && [ "$$(cat $(BOT_VAR_DIR)/.seed 2>/dev/null)" != "$(SEED_HASH)" ]; then \
	  $(BIN)/bot ledger seed && echo "$(SEED_HASH)" > $(BOT_VAR_DIR)/.seed; fi

model: $(MODEL)

$(MODEL): $(TRAIN_INPUTS) | setup ledger
	$(BIN)/rasa train --domain domain --fixed-model-name product --out models --quiet
	@touch $@

clean:
	rm -rf $(VENV) var models/*.tar.gz .pytest_cache

# Not part of `make test`: NLU quality on the held-out split (both scripts), the safety list,
# 5-fold cross-validation; and parse latency against a bare Rasa pipeline trained in the same run.
.PHONY: eval-nlu bench-nlu
eval-nlu: setup ledger model
	$(BIN)/python -m bot.nlu.evaluate eval --cv

bench-nlu: setup ledger
	$(BIN)/python -m bot.nlu.evaluate bench

# Not part of `make test`: the conversation replays as load (concurrency 1, 10, 50) against the full
# stack and a bare Rasa baseline trained into .baseline/replay/ in the same run ->
# reports/bench.json, reports/bench.md, reports/bench.png. BENCH_ARGS="--repeat 2" etc.
.PHONY: bench
bench: setup ledger model
	$(BIN)/python -m bot.replay.bench $(BENCH_ARGS)
