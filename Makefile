# Commands a developer runs; `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
NPX := npx --no-install

.PHONY: help install lint format typecheck synth test test-unit

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-18s %s\n", $$1, $$2}'

install: ## Install the pinned dependencies (npm ci)
	npm ci

lint: ## Biome (lint + format check) and the TypeScript compiler
	$(NPX) biome check .
	$(NPX) tsc --noEmit -p .

format: ## Format the sources in place
	$(NPX) biome check --write .

synth: ## Synthesize the four stacks into cdk.out (no AWS credentials or network needed)
	$(NPX) cdk synth --quiet

test: ## Every test: pure logic, renderer goldens, handlers on real emulators, stacks and cdk-nag
	@mkdir -p out
	$(NPX) vitest run --reporter=default --reporter=json --outputFile.json=out/test-results.json; status=$$?; \
	  node scripts/test-summary.mjs out/test-results.json; exit $$status
