# The README's commands. Everything runs from the pinned virtualenv .venv.
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: venv sandbox sandbox-down lint unit test bench bench-deploy bench-throughput

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --requirement requirements.txt
	touch $@

## make sandbox: ten nodes public00-public09 in containers, deployed with site.yml
sandbox: venv
	tools/sandbox.sh up

sandbox-down:
	tools/sandbox.sh down

lint: venv
	ansible-lint
	python tools/role-docs.py --check

unit: venv
	pytest -q -n 2 tests/unit tests/playbooks

## make collection: build the collection, install it offline, use it from outside the checkout
collection: venv
	tools/collection-check.sh

## make test: lint, unit tests, then the Molecule scenarios on real containers (idempotence steps included), in two
## lanes side by side: default, and failover then kraft (tools/molecule-lanes.sh)
test: lint unit collection
	tools/molecule-lanes.sh default failover,kraft
	@cat .cache/security/figures.md .cache/failover/figures.md .cache/lifecycle/figures.md \
	  .cache/kraft/figures.md 2>/dev/null || true
test: promtool

## make kraft: a new KRaft cluster on Kafka 4 (molecule/kraft, docs/kraft.md), alone
.PHONY: kraft
kraft: venv
	molecule test --scenario-name kraft
	@cat .cache/kraft/figures.md

## make migration: a ZooKeeper cluster on 3.9 migrated to KRaft under load, rolled back, migrated again and finalized
## (molecule/migration, docs/kraft-migration.md, "Proof"). Not in `make test`: beside the other scenarios it takes CI
## past its hour.
.PHONY: migration
migration: venv
	molecule test --scenario-name migration
	@cat .cache/migration/figures.md

## make promtool: the alert rules are valid and each one passes its unit test (tests/prometheus)
.PHONY: promtool
promtool:
	tools/promtool.sh check rules roles/prometheus/files/kafka-alerts.yml
	tools/promtool.sh test rules tests/prometheus/*.yml

## make bench: KAFKA_BOOTSTRAP_SERVERS=h1:9092,... [KAFKA_TOPICS_SH=/opt/kafka/bin/kafka-topics.sh]
bench: venv
	python tests/benchmark/bench_topics.py

## make bench-deploy: the sandbox deployed from nothing, then two no-op runs (docs/performance.md)
bench-deploy: venv
	python tests/benchmark/bench_deploy.py

## make bench-throughput: Kafka's perf tools on the running sandbox, stock settings vs the role's
bench-throughput: venv
	python tests/benchmark/bench_throughput.py
