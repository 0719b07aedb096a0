#!/usr/bin/env bash
# For every built-in model: a checkpoint written by SeriesLens loads into the PyTorch reference
# module (load_state_dict, strict) and predicts the same probabilities; a state_dict saved from the
# PyTorch module loads into SeriesLens and predicts the same. Needs a release build and a Python
# with torch and safetensors: PYTHON=path/to/python (default .torch-venv/bin/python).
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.torch-venv/bin/python}
serieslens=.build/release/serieslens
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
T=40
status=0
"$serieslens" generate --samples 24 --length $T --kind mixed --channels sine,cosine --seed 3 --out "$work/data2.npy" > /dev/null
"$serieslens" generate --samples 24 --length $T --kind mixed --seed 3 --out "$work/data1.npy" > /dev/null
compare() {  # serieslens CSV vs torch .npy
    "$python" - "$1" "$2" "$3" <<'PY'
import sys, numpy as np
ours = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, usecols=1, dtype=np.float64)
theirs = np.load(sys.argv[2]).astype(np.float64)
err = np.max(np.abs(ours - theirs))
print(f"{sys.argv[3]}: max |P_serieslens - P_pytorch| = {err:.2e}")
sys.exit(0 if err < 1e-4 else 1)
PY
}
for model in bilstm-attention bilstm-multihead posenc-attention ffn cnn; do
    for C in 1 2; do
        data="$work/data$C.npy"
        run="$work/$model-$C"
        "$serieslens" train --model "$model" --epochs 1 --samples 64 --length $T --channels "$([ $C = 1 ] && echo sine || echo sine,cosine)" --out "$run" > /dev/null
        "$serieslens" predict --checkpoint "$run/model.safetensors" --data "$data" --out "$run/ours.csv" > /dev/null
        "$python" scripts/pytorch_roundtrip.py export "$model" $C $T "$run/model.safetensors" "$data" "$run/theirs.npy"
        compare "$run/ours.csv" "$run/theirs.npy" "SeriesLens → PyTorch  $model C=$C" || status=1
        "$python" scripts/pytorch_roundtrip.py import "$model" $C $T "$run/from-torch.safetensors" "$data" "$run/torch.npy"
        "$serieslens" predict --checkpoint "$run/from-torch.safetensors" --data "$data" --out "$run/ours-from-torch.csv" > /dev/null
        compare "$run/ours-from-torch.csv" "$run/torch.npy" "PyTorch → SeriesLens  $model C=$C" || status=1
    done
done
exit $status
