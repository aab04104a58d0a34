# Two commands (see README):  make lab   |   make test
# Both create the virtual environment in .venv on first use (only python3 and make are needed)
# and reuse it afterwards; it is rebuilt when pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_FLAGS ?=
# pytest-xdist workers for make test: one per core; --dist loadfile keeps each notebook (and each test
# module's fixtures) on one worker, so a notebook's cells share one kernel, in order.
JOBS ?= auto
# JupyterLab refuses to run as root unless told to (containers often are root)
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

.PHONY: lab test site env notebooks check-notebooks bench clean help notes

help:
	@echo "make lab              set up .venv and open the notebooks in JupyterLab; saving keeps them normalised"
	@echo "                      (LAB_FLAGS=\"--no-browser --port=8890\" for a server you open yourself, e.g. on a remote machine)"
	@echo "make test             set up .venv and run every test (unit tests + notebooks under nbval)"
	@echo "make site             set up .venv and build the notebooks as an offline web site (Sphinx) in site/; open site/index.html"
	@echo "make notebooks        re-execute all notebooks in place and normalise them (NB=path for one)"
	@echo "make check-notebooks  fail if a notebook is not normalised"
	@echo "make bench            time emlib against scikit-learn: EM per iteration, default fits end to end, K-means (~20 min; BENCH_ARGS, BENCH_FIT_ARGS, BENCH_KMEANS_ARGS=--help)"
	@echo "make mutation         mutation analysis: each slip in emlib's formulas must fail a notebook check and a unit test (up to 1 h; MUTATION_ARGS=--help)"
	@echo "make notes            check the source notes' printed chains (notes/*.md) line by line; broken steps are candidate errata"
	@echo "make clean            remove .venv and caches"

env: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || { echo "Python >= 3.10 is required"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || { echo "python3 -m venv failed: install your system's venv package (e.g. python3-venv)"; exit 1; }
	@echo "Installing emlib and the exact versions in constraints.txt into $(VENV) (the first time takes a minute or two)..."
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on -c constraints.txt -e '.[dev]'
	@touch $(STAMP)
	@echo "$(VENV) is ready."

lab: $(STAMP)
	cd notebooks && ../$(BIN)/jupyter lab --config=../jupyter_server_config.py $(ROOT_FLAG) $(LAB_FLAGS) 00_how_to_read.ipynb

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --dist loadfile $(PYTEST_FLAGS)

site: $(STAMP)
	$(BIN)/python tools/build_site.py

notebooks: $(STAMP)
	$(BIN)/python tools/notebooks.py refresh $(NB)

check-notebooks: $(STAMP)
	$(BIN)/python tools/notebooks.py check

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_gmm.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/bench_default_fit.py $(BENCH_FIT_ARGS)
	$(BIN)/python benchmarks/bench_kmeans.py $(BENCH_KMEANS_ARGS)

# The notes' printed chains through the reader's checker (notes/README.md). A broken step is a candidate
# erratum and an unreadable line is the reader's limit: neither stops the target. A file the checker cannot
# read at all (a wrong declaration, an unclosed block: reported on stderr) or a crash fails it.
NOTES_FILES := $(sort $(wildcard notes/[0-9][0-9][0-9]_*.md))
notes: $(STAMP)
	@fail=0; err=$$(mktemp); for f in $(NOTES_FILES); do \
	  $(BIN)/python -m emlib.derivation check "$$f" 2>"$$err"; rc=$$?; cat "$$err" >&2; \
	  if [ -s "$$err" ] || [ $$rc -gt 3 ]; then echo "make notes: $$f could not be read (exit $$rc)" >&2; fail=1; fi; \
	done; rm -f "$$err"; exit $$fail

.PHONY: mutation
mutation: $(STAMP)
	$(BIN)/python tools/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
