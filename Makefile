# Commands a developer runs; `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPX := npx --no-install

.PHONY: help install lint format synth test test-integration demo embedded-up bench node-check local-up local-down deploy-local deploy destroy

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

install: ## Install the pinned dependencies (npm ci)
	npm ci

node-check:
	@node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)?0:1)' || \
	  { echo "Node.js >= 22.12 is needed, found $$(node --version): see README, 'The two commands'"; exit 1; }

node_modules/.package-lock.json: package-lock.json
	npm ci

lint: ## Biome (lint + format check) and the TypeScript compiler
	$(NPX) biome check .
	$(NPX) tsc --noEmit -p .

format: ## Format the sources in place
	$(NPX) biome check --write .

synth: ## Synthesize the four stacks into cdk.out (no AWS credentials or network needed)
	$(NPX) cdk synth --quiet

test: node-check ## Every test (unit, goldens, emulators, stacks, cdk-nag, embedded integration), then the fault campaign
	@mkdir -p out
	@status=0; \
	$(NPX) vitest run --exclude integration/fault-campaign.test.ts --reporter=default --reporter=json --outputFile.json=out/test-results.json || status=1; \
	echo "== fault campaign (alone on the machine: it is CPU-bound)"; \
	$(NPX) vitest run integration/fault-campaign.test.ts --reporter=default --reporter=json --outputFile.json=out/fault-campaign-results.json || status=1; \
	node scripts/test-summary.mjs out/test-results.json out/fault-campaign-results.json || status=1; \
	exit $$status

test-integration: node-check ## Integration suite: embedded target, or TARGET=localstack (needs Docker)
ifeq ($(TARGET),localstack)
	TARGET=localstack $(NPX) vitest run integration/localstack.test.ts
else
	$(NPX) vitest run integration/embedded.test.ts integration/fault-campaign.test.ts integration/crash-restart.test.ts
endif

demo: node-check node_modules/.package-lock.json ## Synthesize, start the embedded cloud, play the driver, save the chart
	$(NPX) tsx scripts/demo.ts

bench: node-check node_modules/.package-lock.json ## Benchmarks on the embedded target (~25 min; BENCH_QUICK=1 ~6 min): table + bench/results.json
	$(NPX) tsx scripts/bench.ts

embedded-up: node-check node_modules/.package-lock.json ## Keep the embedded cloud running (state in .local/cloud) until Ctrl-C
	$(NPX) tsx scripts/embedded-up.ts

local-up: ## Start LocalStack (docker compose), wait until healthy, print the endpoint
	node scripts/localstack.mjs local-up

local-down: ## Stop LocalStack and remove its network
	node scripts/localstack.mjs local-down

deploy-local: ## cdklocal bootstrap (once) + deploy all stacks to the running LocalStack, print the outputs
	node scripts/localstack.mjs deploy-local

deploy: ## Deploy all stacks to AWS with your AWS configuration (STAGE=dev); refuses LocalStack endpoints
	node scripts/localstack.mjs deploy

destroy: ## Destroy the STAGE stacks on AWS; refuses LocalStack endpoints
	node scripts/localstack.mjs destroy
