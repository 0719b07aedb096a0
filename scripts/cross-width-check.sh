#!/bin/bash
# The C kernels run sixteen-lane (AVX-512) tiles where the machine has them and eight-lane (AVX2)
# tiles where it does not, and are written so that both give the same bits (Sources/CKernels/
# ForEachWidth.h). This check builds a second binary for x86-64-v3 (AVX2 + FMA, no AVX-512), trains
# every built-in model for two epochs with both binaries and compares the checkpoints byte for byte.
# On a machine without AVX-512 both binaries run the eight-lane tiles and the check proves nothing
# (it says so). Usage: scripts/cross-width-check.sh [models...]  (default: the five built-ins)
set -euo pipefail
cd "$(dirname "$0")/.."
native=.build/release/serieslens
avx2_build=.build/cross-width-avx2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
echo "building the native binary (-march=native) and an AVX2 one (-march=x86-64-v3, in $avx2_build)..."
swift build -c release -Xcc -march=native --product serieslens > "$scratch/build.log" 2>&1 || { cat "$scratch/build.log" >&2; exit 1; }
swift build -c release -Xcc -march=x86-64-v3 --build-path "$avx2_build" --product serieslens > "$scratch/build.log" 2>&1 \
    || { cat "$scratch/build.log" >&2; exit 1; }
avx2="$avx2_build/release/serieslens"
if ! grep -q avx512f /proc/cpuinfo; then
    echo "note: this CPU has no AVX-512, so both binaries run the eight-lane tiles"
fi
if objdump -d "$avx2" | grep -q zmm; then
    echo "error: the AVX2 binary $avx2 uses zmm registers" >&2
    exit 1
fi
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(bilstm-attention bilstm-multihead posenc-attention cnn ffn)
status=0
for model in "${models[@]}"; do
    for variant in native avx2; do
        binary=$native
        [ "$variant" = avx2 ] && binary=$avx2
        "$binary" train --model "$model" --samples 400 --epochs 2 --threads 2 --out "$scratch/$variant-$model" \
            > "$scratch/$variant-$model.log" 2>&1 || { echo "error: $variant $model failed, see below" >&2; cat "$scratch/$variant-$model.log" >&2; exit 1; }
    done
    if cmp -s "$scratch/native-$model/model.safetensors" "$scratch/avx2-$model/model.safetensors"; then
        echo "$model: the same checkpoint bytes"
    else
        echo "$model: the checkpoints differ between the native and the AVX2 binary" >&2
        status=1
    fi
done
exit $status
