# Course Service. The two commands a newcomer needs: `make run` and `make test`.
# Every target installs what it needs first: Poetry and the SAM CLI each in their own tool
# environment under .tools/ (the SAM CLI pins its own boto3 and pydantic, so it must not share the
# application's), the application's dependencies in .venv/ (poetry.lock), dynalite in node_modules/.

SHELL := /bin/bash
PYTHON ?= python3
POETRY_VERSION := 2.5.1
POETRY_EXPORT_VERSION := 1.10.1
SAM_CLI_VERSION := 1.170.0

TOOLS := .tools
POETRY := $(TOOLS)/poetry/bin/poetry
SAM := $(TOOLS)/sam/bin/sam
VENV := .venv
PY := $(VENV)/bin/python
export POETRY_VIRTUALENVS_IN_PROJECT := true
export SAM_CLI_TELEMETRY := 0

# `sam build` runs pip with the runtime's Python (python3.13): a pyenv install, else one on PATH
# that really runs (a pyenv shim for a version not selected does not).
PYTHON_RUNTIME ?= $(shell ls -1d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -n 1 | grep . \
	|| (python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null))
SAM_ENV = PATH="$(dir $(PYTHON_RUNTIME)):$$PATH" AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1}

.PHONY: run test install build validate deploy doctor requirements clean

run: install ## Serve the API on http://127.0.0.1:3000 (dynalite on loopback, data in .data/)
	$(PY) -m localdev

test: install $(SAM) ## Every test: unit (moto), events, HTTP integration (dynalite), template checks
	SAM_CLI="$(abspath $(SAM))" PYTHON_RUNTIME="$(PYTHON_RUNTIME)" $(PY) -m pytest

install: $(VENV)/.installed node_modules/.installed

build: $(SAM) ## sam build (arm64, python3.13) into .aws-sam/
	$(SAM_ENV) $(SAM) build

validate: $(SAM)
	$(SAM_ENV) $(SAM) validate --lint

deploy: build ## First time: make deploy ARGS=--guided
	$(SAM) deploy $(ARGS)

doctor: ## What this machine has and lacks, with the fix for each
	@$(PYTHON) -m localdev.doctor

# The layer's pins, regenerated from poetry.lock (tests/test_template.py checks they agree).
requirements: $(POETRY)
	$(POETRY) export --only main --without-hashes -f requirements.txt | grep -v '^--' | sed '/^$$/d' \
		> layers/course_common/requirements.txt

clean:
	rm -rf .aws-sam $(VENV) $(TOOLS) node_modules

$(POETRY):
	$(PYTHON) -m venv $(TOOLS)/poetry
	$(TOOLS)/poetry/bin/pip install --quiet "poetry==$(POETRY_VERSION)" "poetry-plugin-export==$(POETRY_EXPORT_VERSION)"

$(SAM):
	$(PYTHON) -m venv $(TOOLS)/sam
	$(TOOLS)/sam/bin/pip install --quiet "aws-sam-cli==$(SAM_CLI_VERSION)"

$(VENV)/.installed: pyproject.toml poetry.lock | $(POETRY)
	$(POETRY) sync --no-root
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@
