# SeriesLens — `make demo` sets up, builds (release) and runs the seed experiment; `make test` runs
# every test. Both install OpenBLAS/LAPACKE with apt when pkg-config cannot find them.
#
# Target flags decide kernel speed (baseline x86-64 turns SIMD FMAs into libm calls), so they are
# passed here, not as unsafeFlags in Package.swift. Override for a portable build, e.g.
#   make build ARCH_FLAGS="-Xcc -mavx2 -Xcc -mfma -Xswiftc -target-cpu -Xswiftc x86-64-v3"
SWIFT ?= swift
ARCH_FLAGS ?= -Xcc -march=native
RELEASE_FLAGS ?= -c release $(ARCH_FLAGS)
DEMO_ARGS ?=
SERIESLENS = .build/release/serieslens

.PHONY: all deps build demo test clean

all: build

deps:
	@if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists openblas lapacke; then \
		echo "Installing OpenBLAS and LAPACKE (apt)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pkg-config libopenblas-dev liblapacke-dev binutils; \
	fi

build: deps
	$(SWIFT) build $(RELEASE_FLAGS) --product serieslens

demo: build
	$(SERIESLENS) train --out runs/demo $(DEMO_ARGS)

# Tests run optimised (with -enable-testing for @testable imports): the end-to-end training and
# CLI tests take seconds in release and minutes in debug.
TEST_FLAGS ?= -c release -Xswiftc -enable-testing $(ARCH_FLAGS)

test: deps
	$(SWIFT) build --build-tests $(TEST_FLAGS)
	$(SWIFT) test --skip-build $(TEST_FLAGS)

clean:
	rm -rf .build runs
