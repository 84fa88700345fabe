# make run   - set up (venv, ledger, model) and run the assistant until Ctrl-C
# make test  - set up, install the Debian packages the tests need, and run every test
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
export RASA_TELEMETRY_ENABLED := false
export BOT_VAR_DIR ?= $(CURDIR)/var
MODEL := models/product.tar.gz
# Everything that changes what the model learns; a change retrains, nothing else does.
TRAIN_INPUTS := config.yml domain.yml $(shell find data -type f -name '*.yml' 2>/dev/null)

.PHONY: run test setup ledger model sysdeps clean help

help:
	@sed -n '1,2p' Makefile

run: setup ledger model
	$(BIN)/bot run

test: sysdeps setup ledger model
	$(BIN)/pytest -q

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/make-venv
	scripts/make-venv
	touch $@

sysdeps:
	scripts/sysdeps

# The embedded SQLite ledger: created and seeded once, upgraded to the newest migration always.
ledger: setup
	@if [ ! -s "$(BOT_VAR_DIR)/ledger.db" ] && [ -z "$$LEDGER_URL" ]; then \
	  $(BIN)/bot ledger init && $(BIN)/bot ledger seed; \
	else $(BIN)/bot ledger init; fi

model: $(MODEL)

$(MODEL): $(TRAIN_INPUTS) | setup
	$(BIN)/rasa train --fixed-model-name product --out models --quiet
	@touch $@

clean:
	rm -rf $(VENV) var models/*.tar.gz .pytest_cache
