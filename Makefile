# Vandine Network Monitor — the two commands are `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
# Debian packages: building (libssh, libcurl + OpenSSL, libcrypt, libyaml, ldns, SQLite, pkg-config), testing (prometheus + promtool, curl, openssl, dnsmasq, python3, fping, ip and nft for the namespace tests, iperf3 for the throughput tests, setpriv and unshare for the unprivileged ICMP test, smokeping_prober for the live comparison), benchmarking (the reference tools side by side).
BUILD_PACKAGES := libssh-dev libcurl4-openssl-dev libssl-dev libcrypt-dev libyaml-dev libldns-dev libsqlite3-dev pkg-config
TEST_PACKAGES := prometheus prometheus-blackbox-exporter curl openssl dnsmasq-base python3 python3-cryptography fping iproute2 nftables util-linux prometheus-smokeping-prober iperf3 prometheus-alertmanager prometheus-node-exporter busybox openssh-server
BENCH_PACKAGES := prometheus-blackbox-exporter prometheus-smokeping-prober fping wrk curl python3 iproute2 nginx-light prometheus iperf3 prometheus-node-exporter openssh-server openssh-client bc
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
RUN_ARGS ?=
# Release: Swift runtime and Foundation linked statically, lld with packed relative relocations
# (DT_RELR): together they cut the exporter's resident memory by ~8 MiB (benchmarks/README.md).
RELEASE_FLAGS := -c release --static-swift-stdlib -Xswiftc -use-ld=lld -Xlinker -z -Xlinker pack-relative-relocs

.PHONY: help run test bench fuzz build release deps test-deps bench-deps clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

run: deps release ## Install what is missing, build, run the exporter (embedded default config unless RUN_ARGS says otherwise)
	./.build/release/vandine-exporter $(RUN_ARGS)

test: test-deps ## Install what is missing, build, run every test against real local servers
	$(SWIFT) build --build-tests
	bash scripts/run-tests.sh

bench: bench-deps release ## Benchmarks side by side with the reference tools (not part of make test)
	@# Every benchmark runs even when one before it fails; exit 2 if targets were missed, 1 if one broke.
	@rc=0; for script in probe_tcp probe_http icmp cloudflared iperf3 node rules; do \
	    echo "VANDINE_BIN=.build/release/vandine-exporter bash benchmarks/$$script.sh"; \
	    VANDINE_BIN=.build/release/vandine-exporter bash benchmarks/$$script.sh || \
	        { s=$$?; if [ $$s = 2 ] && [ $$rc != 1 ]; then rc=2; else rc=1; fi; }; \
	done; exit $$rc

fuzz: deps ## Fuzz the exposition parser and the config loader (FUZZ_SECONDS each, default 600)
	bash scripts/fuzz.sh

build: deps ## Debug build
	$(SWIFT) build

release: deps ## Release build (what `make run` and `make bench` use)
	$(SWIFT) build $(RELEASE_FLAGS)

deps: ## Install the Debian packages the build needs
	@bash scripts/apt-install.sh $(BUILD_PACKAGES)

test-deps: deps
	@bash scripts/apt-install.sh $(TEST_PACKAGES)

bench-deps: deps
	@bash scripts/apt-install.sh $(BENCH_PACKAGES)

clean: ## Remove build outputs
	rm -rf .build fuzz/bin
