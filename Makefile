# The README's two commands. Each makes its own virtual environment in .venv.
PYTHON ?= python3
VENV := .venv
PIP := $(VENV)/bin/pip

.PHONY: venv run test lint clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

# Materialise the whole graph over the sample inbox and print where the outputs are.
run: venv
	$(VENV)/bin/lab-pipelines run

# The whole test suite (what .ci/run calls).
test: venv
	$(VENV)/bin/ruff check lab_pipelines lab_pipelines_tests
	$(VENV)/bin/pytest -q

clean:
	rm -rf $(VENV) .lab_data
