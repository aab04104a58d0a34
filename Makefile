# Two commands (see README):  make lab   |   make test
# Both create the virtual environment in .venv on first use (only python3 and make are needed)
# and reuse it afterwards; it is rebuilt when pyproject.toml or constraints.txt change.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PYTEST_FLAGS ?=
# JupyterLab refuses to run as root unless told to (containers often are root)
ROOT_FLAG := $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)

.PHONY: lab test site env notebooks check-notebooks bench clean help

help:
	@echo "make lab              set up .venv and open the notebooks in JupyterLab; saving keeps them normalised"
	@echo "                      (LAB_FLAGS=\"--no-browser --port=8890\" for a server you open yourself, e.g. on a remote machine)"
	@echo "make test             set up .venv and run every test (unit tests + notebooks under nbval)"
	@echo "make site             set up .venv and build the notebooks as an offline web site (Sphinx) in site/; open site/index.html"
	@echo "make notebooks        re-execute all notebooks in place and normalise them (NB=path for one)"
	@echo "make check-notebooks  fail if a notebook is not normalised"
	@echo "make bench            time emlib against scikit-learn: EM per iteration, default fits end to end, K-means (~20 min; BENCH_ARGS, BENCH_FIT_ARGS, BENCH_KMEANS_ARGS=--help)"
	@echo "make mutation         mutation analysis: each slip in emlib's formulas must fail a notebook check and a unit test (up to 1 h; MUTATION_ARGS=--help)"
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
	$(BIN)/python -m pytest $(PYTEST_FLAGS)

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

.PHONY: mutation
mutation: $(STAMP)
	$(BIN)/python tools/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
