# Commands a developer runs; `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
# Every target that needs Node goes through scripts/toolchain.sh: it fetches the pinned Node when the
# machine's is older than 22.12, checks Java 17+ (--java), and runs `npm ci` when needed (--deps).
TOOLCHAIN := scripts/toolchain.sh
NODE := $(TOOLCHAIN) --deps
NODE_JAVA := $(TOOLCHAIN) --java --deps
NODE_BROWSER := $(TOOLCHAIN) --java --deps --browser
NPX := npx --no-install
# APP=pet: the PetDetector (infra/pet-detector/) instead of the size tracker, in its own cdk.out.pet,
# for synth, embedded-up, deploy-local, deploy and destroy (scripts read APP and CDK_ARGS).
APP ?= tracker
ifeq ($(APP),pet)
APP_CDK_ARGS := -c app=pet --output cdk.out.pet
export CDK_ARGS := $(APP_CDK_ARGS) $(CDK_ARGS)
export APP
endif

.PHONY: help install lint format synth test test-integration demo embedded-up compat bench docs-chart newcomer-check local-up local-down deploy-local deploy destroy

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

install: ## Install the pinned dependencies (npm ci), with the pinned Node if the machine's is too old
	$(TOOLCHAIN) npm ci --no-audit --no-fund

lint: ## Biome (lint + format check) and the TypeScript compiler
	$(NODE) $(NPX) biome check .
	$(NODE) $(NPX) tsc --noEmit -p .
	$(NODE) $(NPX) tsc --noEmit -p tsconfig.emulator.json

format: ## Format the sources in place
	$(NODE) $(NPX) biome check --write .

synth: ## Synthesize the five stacks into cdk.out (APP=pet: the PetDetector's three, into cdk.out.pet)
	$(NODE) $(NPX) cdk synth --quiet $(APP_CDK_ARGS)

test: ## Every test (unit, goldens, emulators, stacks, cdk-nag, embedded integration), then the fault campaign
	$(NODE_BROWSER) scripts/test-all.sh

test-integration: ## Integration suite: embedded target, or TARGET=localstack (needs Docker)
ifeq ($(TARGET),localstack)
	TARGET=localstack $(NODE) $(NPX) vitest run integration/localstack.test.ts integration/pet-detector-localstack.test.ts
else
	$(NODE_JAVA) $(NPX) vitest run integration/embedded-*.test.ts integration/fault-campaign.test.ts integration/crash-restart.test.ts integration/pet-detector.test.ts
endif

demo: ## Synthesize, start the embedded cloud, play the driver, save the chart
	$(NODE_JAVA) $(NPX) tsx scripts/demo.ts

compat: ## Synthesize, deploy, exercise and destroy the compatibility apps (compat/apps): table + compat/results.json
	$(NODE_JAVA) $(NPX) tsx compat/run.ts

bench: ## Benchmarks on the embedded target (~25 min; BENCH_QUICK=1 ~6 min): table + bench/results.json
	$(NODE_JAVA) $(NPX) tsx scripts/bench.ts

docs-chart: ## Redraw docs/demo-chart.png (the README's chart) with `make demo`
	$(MAKE) demo
	mkdir -p docs && cp out/demo-chart.png docs/demo-chart.png

newcomer-check: ## Clone into a temp folder, time `make demo` and `make test` there: bench/newcomer.json
	$(TOOLCHAIN) node scripts/newcomer-check.mjs

embedded-up: ## Keep the embedded cloud running (state in .local/cloud) until Ctrl-C; ASSEMBLY=<cdk.out> runs another app
	$(NODE_JAVA) $(NPX) tsx scripts/embedded-up.ts

local-up: ## Start LocalStack (docker compose), wait until healthy, print the endpoint
	$(NODE) node scripts/localstack.mjs local-up

local-down: ## Stop LocalStack and remove its network
	$(NODE) node scripts/localstack.mjs local-down

deploy-local: ## cdklocal bootstrap (once) + deploy all stacks to the running LocalStack, print the outputs
	$(NODE) node scripts/localstack.mjs deploy-local

deploy: ## Deploy all stacks to AWS with your AWS configuration (STAGE=dev); refuses LocalStack endpoints
	$(NODE) node scripts/localstack.mjs deploy

destroy: ## Destroy the STAGE stacks on AWS; refuses LocalStack endpoints
	$(NODE) node scripts/localstack.mjs destroy
