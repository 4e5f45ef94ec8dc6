# Two commands for a newcomer: `make demo` and `make test` (README).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test lint install compile clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

# An editable install leaves the package's own modules uncompiled; where PYTHONDONTWRITEBYTECODE is set every
# command would compile them again at start. Compiled here as `pip install` does for a wheel (quick when
# nothing changed; a module edited later is compiled in memory until the next run of this step).
compile: $(STAMP)
	$(PY) -m compileall -q src

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,web]'
	touch $(STAMP) $@

install: $(STAMP)

demo: compile
	$(BIN)/liuhen demo

lint: $(TEST_STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

test: $(TEST_STAMP) compile
	bash scripts/ensure-system-deps.sh
	bash scripts/ensure-node-deps.sh
	$(MAKE) --no-print-directory lint
	$(BIN)/pytest -q $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
