# Two commands do everything on a fresh machine with Python 3.11 and make:
#   make run    the annual job on the embedded default (demo workbooks, DuckDB, no server)
#   make test   the test suite
PYTHON ?= python3
UV_VERSION := 0.13.8
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_COMPILE_BYTECODE := 1
export PYTHONPATH := $(CURDIR)

YEARS ?= 2022-2025
N ?=

.PHONY: run test lint template bench bench-1000 clean serve stop backup

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet --python $(PYTHON)
	@touch $@

run: $(VENV)/.synced
	$(PY) -m flows.annual_report --demo --year $(YEARS)

test: $(VENV)/.synced
	$(PY) -m pytest

lint: $(VENV)/.synced
	$(VENV)/bin/ruff check .

template: $(VENV)/.synced
	$(PY) -m admin.blank_workbook output/mau-bao-cao.xlsx
	@echo "Mẫu báo cáo: output/mau-bao-cao.xlsx"

bench: $(VENV)/.synced
	$(PY) -m bench.run $(if $(N),--units $(N),) $(if $(PROFILE),--profile $(PROFILE),) $(if $(DATA),--data $(DATA),)

bench-1000: $(VENV)/.synced
	$(PY) -m bench.run --units 1000

clean:
	rm -rf data output .prefect bench/results

serve: $(VENV)/.synced
	$(PY) -m flows.serve start

stop: $(VENV)/.synced
	$(PY) -m flows.serve stop

backup: $(VENV)/.synced
	$(PY) -m flows.backup create
