# The two commands a new user needs: `make run` and `make test` (see README.md).
# Everything they need is installed on first use into .venv (project) and .venvs/ (SAM CLI,
# local AWS emulator: each pins its own botocore, so each has its own environment).

PYTHON ?= python3
VENV := .venv
VENV_PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
DURATION ?= 0

.DEFAULT_GOAL := help
.PHONY: help venv test lint unit integration e2e run build validate bench clean

help:
	@echo "make run [DURATION=90]  start the connector locally on sandboxes and sync a demo shop"
	@echo "make test               lint, template checks and every test tier"
	@echo "make build / validate   sam build / sam validate --lint of template.yaml"
	@echo "make bench              benchmarks (results in bench/results/)"

$(VENV_STAMP): pyproject.toml layers/shared/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV_PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(VENV_STAMP)

venv: $(VENV_STAMP)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/cfn-lint template.yaml

test: lint local-aws-venvs
	$(VENV_PY) -m pytest

unit: venv
	$(VENV_PY) -m pytest tests/unit

integration: venv
	$(VENV_PY) -m pytest tests/integration

e2e: venv local-aws-venvs
	$(VENV_PY) -m pytest tests/e2e

run: venv local-aws-venvs
	$(VENV_PY) -m local.run --duration $(DURATION)

build: venv local-aws-venvs
	$(VENV_PY) -m local.aws.emulator sam build --template template.yaml

validate: venv local-aws-venvs
	$(VENV_PY) -m local.aws.emulator sam validate --lint --template template.yaml --region us-east-1

bench: venv
	$(VENV_PY) -m bench.run

clean:
	rm -rf $(VENV) .venvs .aws-sam .local-stack .pytest_cache .ruff_cache

include local/aws/Makefile.inc
