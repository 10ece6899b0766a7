# Course Service. The two commands a newcomer needs: `make run` and `make test`.
# Every target installs what it needs first, each environment exactly as its hashed lock pins it:
# uv (the installer) into .tools/uv from tools/uv.lock, then with uv the application's dependencies
# into .venv/ (requirements-dev.lock), the SAM CLI, checkov and openapi-python-client each into their
# own environment under .tools/ (tools/sam.lock, tools/checkov.lock, tools/openapi-python-client.lock:
# they pin their own boto3, pydantic, ..., so they must not share the application's), and dynalite
# into node_modules/ (package-lock.json).
# Packages come from whatever index uv and npm are configured to use: the locks record none.

SHELL := /bin/bash
PYTHON ?= python3
# What pyproject.toml's requires-python admits (tests/infrastructure/test_setup.py checks they agree).
SUPPORTED_PYTHON := 3.11 3.12 3.13

TOOLS := .tools
UV := $(TOOLS)/uv/bin/uv
SAM := $(TOOLS)/sam/bin/sam
CHECKOV := $(TOOLS)/checkov/bin/checkov
OPENAPI_CLIENT := $(TOOLS)/openapi-python-client/bin/openapi-python-client
# The environments, each done when its stamp is newer than its lock.
SAM_INSTALLED := $(TOOLS)/sam/.installed
CHECKOV_INSTALLED := $(TOOLS)/checkov/.installed
OPENAPI_CLIENT_INSTALLED := $(TOOLS)/openapi-python-client/.installed
VENV := .venv
PY := $(VENV)/bin/python
MAIN_LOCK := requirements.lock
DEV_LOCK := requirements-dev.lock
export SAM_CLI_TELEMETRY := 0
# uv uses the interpreter it is given, never one it would download.
export UV_PYTHON_DOWNLOADS := never
STEP := tools/step

# `sam build` runs pip with the runtime's Python (python3.13): a pyenv install, else one on PATH
# that really runs (a pyenv shim for a version not selected does not).
PYTHON_RUNTIME ?= $(shell ls -1d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 2>/dev/null | sort -V | tail -n 1 | grep . \
	|| (python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null))
SAM_ENV = PATH="$(dir $(PYTHON_RUNTIME)):$$PATH" AWS_DEFAULT_REGION=$${AWS_DEFAULT_REGION:-us-east-1}

.PHONY: architecture check-python run test test-sam-local sam-build sam-invoke sam-api lint fmt hooks dynamodb load smoke install build validate deploy deploy-only doctor lock requirements openapi clean bench

# `make run PORT=3001 HOST=0.0.0.0 DATA_DIR=.data/another`. Set with `=`, not `?=`: only the command
# line changes them, never a PORT or HOST that happens to be in the environment.
PORT = 3000
HOST = 127.0.0.1
DATA_DIR = .data/dynalite
run: install ## Serve the API on http://127.0.0.1:3000 (PORT=, HOST=; dynalite on loopback, data in .data/dynalite or DATA_DIR=)
	$(PY) -m localdev --host $(HOST) --port $(PORT) --data-dir $(DATA_DIR)

test: install $(SAM_INSTALLED) $(CHECKOV_INSTALLED) $(OPENAPI_CLIENT_INSTALLED) lint ## The gates (lint, types), then every test: unit (moto), events, HTTP (dynalite), fuzzing, a generated client, template checks
	SAM_CLI="$(abspath $(SAM))" CHECKOV="$(abspath $(CHECKOV))" OPENAPI_PYTHON_CLIENT="$(abspath $(OPENAPI_CLIENT))" \
	PYTHON_RUNTIME="$(PYTHON_RUNTIME)" $(PY) -m pytest $(COVERAGE)

# Branch coverage of the product code (the layer and the functions), measured over the whole run:
# the report names the lines and branches not taken, and under the floor (pyproject.toml) it fails.
COVERAGE := --cov --cov-report=term-missing:skip-covered

lint: install ## ruff (lint, format check), mypy (--strict on the layer and the functions), the layer's import contracts; pyproject.toml has the rules
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy layers/course_common/course_service functions localdev samlocal ops testing bench tests tools/finish_build.py tools/architecture.py
	PYTHONPATH=layers/course_common $(VENV)/bin/lint-imports --no-cache

hooks: install ## Run make lint before each git commit (pre-commit, .pre-commit-config.yaml)
	$(VENV)/bin/pre-commit install

fmt: install ## Fix what ruff can: import order, then formatting
	$(VENV)/bin/ruff check --select I --fix .
	$(VENV)/bin/ruff format .

# `sam local` by hand (docs/LOCAL.md, "sam local"), each printing the commands it runs: sam build for this
# machine's architecture, with python3.13 on PATH (sam build runs its pip); then sam local invoke or
# start-api on Docker, or without Docker on the project's own engine (needs root; made on first use).
ARCHITECTURE := $(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x86_64)
FUNCTION =
EVENT =
SAM_DATA_DIR ?= .data/sam-local
NO_RUNTIME := No python3.13 for sam build: install Python 3.13 (pyenv install 3.13) or set PYTHON_RUNTIME=/path/to/python3.13 (make doctor)
sam-build: $(SAM_INSTALLED) ## sam build for this machine's architecture into .aws-sam/build (for sam-invoke, sam-api)
	$(if $(PYTHON_RUNTIME),,$(error $(NO_RUNTIME)))
	$(SAM_ENV) $(SAM) build --parameter-overrides Architecture=$(ARCHITECTURE)

sam-invoke: install $(SAM_INSTALLED) ## sam local invoke: make sam-invoke FUNCTION=GetCourseFunction EVENT=events/get_course.json
	$(if $(and $(FUNCTION),$(EVENT)),,$(error usage: make sam-invoke FUNCTION=GetCourseFunction EVENT=events/get_course.json))
	$(PY) -m samlocal --data-dir $(SAM_DATA_DIR) invoke $(FUNCTION) $(EVENT)

sam-api: install $(SAM_INSTALLED) ## sam local start-api on http://127.0.0.1:$(PORT) until Ctrl-C: make sam-api PORT=3001
	$(PY) -m samlocal --data-dir $(SAM_DATA_DIR) start-api --port $(PORT)

# Needs root: it runs its own container engine in private namespaces (docs/LOCAL.md, "sam local").
test-sam-local: install $(SAM_INSTALLED) ## sam local invoke on every event, and start-api, against dynalite
	SAM_CLI="$(abspath $(SAM))" PYTHON_RUNTIME="$(PYTHON_RUNTIME)" $(PY) -m tests.sam_local

# For sam local: `make dynamodb DYNAMODB_HOST=<address containers reach>` (docs/LOCAL.md, "sam local").
DYNAMODB_HOST ?= 127.0.0.1
dynamodb: install ## dynalite with the courses table on DYNAMODB_HOST:8000, in memory, until Ctrl-C
	$(PY) -m localdev.dynamodb --host $(DYNAMODB_HOST) --port 8000

# `make load DURATION=120 CLIENTS=32`: its own dynalite and local server on 127.0.0.1, stops by itself.
# `make load FAULTS=0.05`: 5% of DynamoDB's replies held past the read timeout (testing/fault_proxy.py).
DURATION ?= 120
CLIENTS ?= 16
FAULTS ?= 0
load: install ## Load test of the local server: rps, p50/p99, no 5xx, nothing lost (tests/ runs a short one)
	$(PY) -m testing.load --duration $(DURATION) --clients $(CLIENTS) --late-replies $(FAULTS)

# `make smoke API=<url>`: health, create, read, conditional update and the 4xx answers of a running API,
# signed with SigV4 when AWS credentials are configured (deploy.yml runs it after each deploy).
smoke: $(VENV)/.installed ## Contract check of a running API: make smoke API=<base URL, e.g. the ApiUrl output>
	@test -n "$(API)" || { echo "usage: make smoke API=<base URL, e.g. the stack's ApiUrl output>" >&2; exit 2; }
	$(PY) -m ops.smoke "$(API)"

install: check-python $(VENV)/.installed node_modules/.installed

# Then finished by tools/finish_build.py, the step make bench runs too (docs/PERFORMANCE.md): the
# layer loses what no function loads (botocore's data for other services: 25 MB -> 9 MB zipped), and
# everything is compiled for python3.13 next to the code: Lambda's code is read-only, so without .pyc
# every cold start compiles every module; unchecked-hash survives zipping (mtimes do not).
build: $(SAM_INSTALLED) ## sam build (arm64, python3.13) into .aws-sam/, then the layer slimmed and all compiled to bytecode
	$(SAM_ENV) $(SAM) build
	$(PYTHON_RUNTIME) tools/finish_build.py .aws-sam/build

bench: install $(SAM_INSTALLED) ## Cold start, warm latency, memory, size against a botocore-only floor: bench/results.json
	PYTHON_RUNTIME="$(PYTHON_RUNTIME)" SAM_CLI="$(abspath $(SAM))" $(PY) -m bench

validate: $(SAM_INSTALLED)
	$(SAM_ENV) $(SAM) validate --lint

# ENV picks the samconfig.toml environment (dev, prod): stack name and parameters.
ENV ?= dev
deploy: build ## Build, then deploy to ENV (default dev); first time: make deploy ARGS=--guided
	$(MAKE) deploy-only

deploy-only: $(SAM_INSTALLED) ## Deploy what `make build` left in .aws-sam/ to ENV (what CI/CD runs)
	$(SAM) deploy --config-env $(ENV) $(ARGS)

doctor: ## What this machine has and lacks, and whether each environment matches its lock, with the fix for each
	@PYTHON="$(PYTHON)" SUPPORTED_PYTHON="$(SUPPORTED_PYTHON)" $(PYTHON) -m localdev.doctor

openapi: install ## Regenerate openapi.json from the handlers (a test fails when it is stale)
	$(PY) -m localdev.openapi

architecture: install ## Redraw docs/ARCHITECTURE.md from the code's imports (a test fails when it is stale)
	$(PY) tools/architecture.py

# pyproject.toml declares the dependencies; uv resolves them into the locks once for every Python the
# project supports (--universal: markers, not one interpreter's answer), with every file's sha256 for
# each pin and no index line, so installs use the installer's own configuration. Pins already locked
# are kept unless told otherwise: LOCK_ARGS=--upgrade. The dev lock is constrained by the main one, so
# the tests run the versions the layer ships. The tools' locks resolve tools/<tool>.in the same way.
LOCK_ARGS ?=
COMPILE = $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes $(LOCK_ARGS)
TOOL_LOCKS := tools/uv.lock tools/sam.lock tools/checkov.lock tools/openapi-python-client.lock
lock: $(UV) ## Resolve pyproject.toml and tools/*.in into the hashed locks, then the layer's pins
	$(COMPILE) --output-file $(MAIN_LOCK) pyproject.toml
	$(COMPILE) --extra dev --constraint $(MAIN_LOCK) --output-file $(DEV_LOCK) pyproject.toml
	$(foreach lock,$(TOOL_LOCKS),$(COMPILE) --output-file $(lock) $(lock:.lock=.in) &&) true
	$(MAKE) requirements

# The layer's pins: the main lock's, without hashes (sam build's pip fetches the arm64 files).
# tests/infrastructure/test_dependencies.py checks they agree.
requirements:
	grep -E '^[A-Za-z0-9]' $(MAIN_LOCK) | sed 's/ *\\$$//' > layers/course_common/requirements.txt

clean:
	rm -rf .aws-sam $(VENV) $(TOOLS) node_modules

# Stops in its first second, in one line, on a Python the project does not support.
check-python:
	$(eval PYTHON_PROBLEM := $(shell tools/check-python "$(PYTHON)" $(SUPPORTED_PYTHON)))
	$(if $(PYTHON_PROBLEM),$(error $(PYTHON_PROBLEM)))

# The installer, from its own hashed lock: whatever pip the interpreter has installs this one file,
# hash-checked, and nothing else (into an environment without a pip of its own: --python); from
# here on uv installs every environment.
$(UV): tools/uv.lock | check-python
	@rm -rf $(TOOLS)/uv
	@$(STEP) "uv, from tools/uv.lock, into $(TOOLS)/uv" sh -c '$(PYTHON) -m venv --without-pip $(TOOLS)/uv && \
		$(PYTHON) -m pip --python $(TOOLS)/uv/bin/python install --quiet --disable-pip-version-check \
		--no-deps --require-hashes -r tools/uv.lock'

PYTHON_EXECUTABLE = $(shell $(PYTHON) -c 'import sys; print(sys.executable)')
# Each environment of $(PYTHON) holds exactly its lock (tools/sync-env: uv pip sync, hashes required).
$(TOOLS)/%/.installed: tools/%.lock $(UV)
	@$(STEP) "$*, from tools/$*.lock, into $(TOOLS)/$*" tools/sync-env $(UV) $(PYTHON_EXECUTABLE) $(TOOLS)/$* $<
	@touch $@

$(VENV)/.installed: $(DEV_LOCK) $(UV)
	@$(STEP) "the application and its tests, from $(DEV_LOCK), into $(VENV)" tools/sync-env $(UV) $(PYTHON_EXECUTABLE) $(VENV) $(DEV_LOCK)
	@touch $@

node_modules/.installed: package.json package-lock.json
	@$(STEP) "dynalite, from package-lock.json, into node_modules" npm ci --no-audit --no-fund --loglevel=error
	@touch $@
