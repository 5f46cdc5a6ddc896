# nlpbench: the two commands a new user runs are `make demo` and `make test`.
# Every target installs what it needs (the venv, Debian packages) and is
# idempotent: a second run with nothing changed only checks stamps.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= demo/config.yaml
SNAKEMAKE := $(BIN)/snakemake
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: help venv demo test lint dag docs-dag sysdeps clean

help:
	@echo "make demo      run the whole workflow on the bundled demo config (CPU, minutes)"
	@echo "make test      run the test suite (installs what it needs)"
	@echo "make lint      snakemake --lint"
	@echo "make dag       results/dag.svg and results/rulegraph.svg (CONFIG=$(CONFIG))"
	@echo "make docs-dag  refresh docs/rulegraph.svg after changing rules"

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

venv: $(STAMP)

# Debian packages: graphviz draws the DAG. Installed only when missing.
sysdeps:
	@command -v dot >/dev/null || bash tools/apt-install.sh graphviz

demo: $(STAMP)
	$(SNAKEMAKE) --profile profiles/local --configfile demo/config.yaml

test: $(STAMP) sysdeps
	$(BIN)/pytest

lint: $(STAMP)
	$(SNAKEMAKE) --lint --configfile $(CONFIG)

dag: $(STAMP) sysdeps
	mkdir -p results
	$(SNAKEMAKE) --configfile $(CONFIG) --dag | dot -Tsvg > results/dag.svg
	$(SNAKEMAKE) --configfile $(CONFIG) --rulegraph | dot -Tsvg > results/rulegraph.svg
	@echo "wrote results/dag.svg and results/rulegraph.svg"

docs-dag: $(STAMP) sysdeps
	$(SNAKEMAKE) --configfile demo/config.yaml --rulegraph | dot -Tsvg > docs/rulegraph.svg
	@echo "wrote docs/rulegraph.svg"

clean:
	rm -rf results .snakemake
