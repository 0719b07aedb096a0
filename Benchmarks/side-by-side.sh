#!/usr/bin/env bash
# Seconds per epoch of the seed configuration, SeriesLens and PyTorch measured in one run on this
# machine (never part of `make test`). Interleaves the two so machine noise hits both alike.
#   Benchmarks/side-by-side.sh [epochs-per-run] [rounds]
# Needs a release build (make build) and a Python with torch: PYTHON=path/to/python (default: a
# venv in .torch-venv, created with `python3 -m venv .torch-venv && .torch-venv/bin/pip install torch numpy`).
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=${1:-2}
rounds=${2:-2}
python=${PYTHON:-.torch-venv/bin/python}
serieslens=.build/release/serieslens
[ -x "$serieslens" ] || { echo "error: $serieslens missing: run 'make build' first" >&2; exit 1; }
"$python" -c "import torch" 2>/dev/null || { echo "error: $python cannot import torch (see the comment at the top of $0)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
echo "# OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; seed configuration: 3500 train + 750 validation series, B=32, T=500, 2 threads"
for round in $(seq "$rounds"); do
    "$serieslens" train --epochs "$epochs" --patience 0 --threads 2 --out "$out/run$round" \
        | awk '/^epoch/ { printf "serieslens round %s epoch %s: %s s\n", r, $2, $9 }' r="$round"
    "$python" Benchmarks/pytorch_seed.py --epochs "$epochs" --threads 2 \
        | awk '{ printf "pytorch    round %s epoch %s %s s\n", r, $3, $4 }' r="$round"
done
