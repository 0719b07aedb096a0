#!/usr/bin/env bash
# SeriesLens and PyTorch measured in one run on this machine (never part of `make test`): a thin
# wrapper over Benchmarks/side_by_side.py, which interleaves `serieslens bench` and
# Benchmarks/pytorch_bench.py round by round so machine noise hits both alike.
#   Benchmarks/side-by-side.sh [epochs-per-run] [rounds] [side_by_side.py options...]
# Defaults: 2 epochs, 2 rounds, the seed's bilstm-attention only (as this script always measured);
# later options override, e.g. Benchmarks/side-by-side.sh 2 3 --models all --lengths 500,1000,2000,5000 --markdown
# Needs a release build (make build) and a Python with torch: PYTHON=path/to/python (default: a
# venv in .torch-venv, created with `python3 -m venv .torch-venv && .torch-venv/bin/pip install torch numpy`).
set -euo pipefail
cd "$(dirname "$0")/.."
epochs=2
rounds=2
if [[ ${1:-} =~ ^[0-9]+$ ]]; then epochs=$1; shift; fi
if [[ ${1:-} =~ ^[0-9]+$ ]]; then rounds=$1; shift; fi
python_args=()
[ -n "${PYTHON:-}" ] && python_args=(--python "$PYTHON")
exec python3 Benchmarks/side_by_side.py --models bilstm-attention --epochs "$epochs" --rounds "$rounds" "${python_args[@]}" "$@"
