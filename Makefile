# The README's two commands. Each makes its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
PIP := $(VENV)/bin/pip

DAGSTER_HOME ?= $(CURDIR)/.lab_data/dagster_home
export DAGSTER_HOME

.PHONY: venv run dev dev-postgres test bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test,postgres]'
	touch $@

venv: $(VENV)/.installed

# Materialise the whole graph over the sample inbox and print where the outputs are.
run: venv
	$(VENV)/bin/lab-pipelines run

# The web UI and the daemon (sensors, schedules, run queue) on http://127.0.0.1:3000.
dev: venv
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp deployment/local/dagster.yaml $(DAGSTER_HOME)/
	$(VENV)/bin/dagster dev -h 127.0.0.1 -p 3000

# The same with PostgreSQL storage for heavy local use (README, "Local storage").
dev-postgres: export DAGSTER_HOME = $(CURDIR)/.lab_data/dagster_home_pg
dev-postgres: venv
	$(PIP) install -q -e '.[postgres]'
	@test -n "$$DAGSTER_PG_URL" || { echo "set DAGSTER_PG_URL (README, Local storage)"; exit 1; }
	mkdir -p $(DAGSTER_HOME)
	test -f $(DAGSTER_HOME)/dagster.yaml || cp deployment/local/dagster-postgres.yaml $(DAGSTER_HOME)/dagster.yaml
	$(VENV)/bin/dagster dev -h 127.0.0.1 -p 3000

# The whole test suite (what .ci/run calls). Most of it waits on daemons, servers and browsers,
# so two workers fit two cores: 948 s against 1708 s in one process (500 tests, this machine).
# --dist loadfile keeps a file's tests, and its module fixtures, on one worker.
TEST_WORKERS ?= 2
test: venv
	$(VENV)/bin/ruff check lab_pipelines lab_pipelines_tests bench
	$(VENV)/bin/pytest -q -n $(TEST_WORKERS) --dist loadfile

# Benchmarks (figures, not tests); results are recorded in bench/RESULTS.md.
bench: venv
	$(VENV)/bin/python bench/run_benchmarks.py --baseline bench/baseline-before.json
	$(VENV)/bin/python bench/sensor_tick.py --files 10000

clean:
	rm -rf $(VENV) .lab_data
