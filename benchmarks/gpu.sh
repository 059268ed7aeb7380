#!/usr/bin/env bash
# The throughput benchmark on a CUDA GPU (H100/H200), one model per JSON file in $OUT/.
#
# Run from the repository root. The GPU image has torch, transformers, sentencepiece and
# tokenizers but not CTranslate2 or sacremoses: put their wheels (python 3.12, x86-64) in
# .whl/ and carry it along (README, "Speed"). Needs about 6-8 minutes; each model's JSON is
# written as soon as it is done, so a run cut short still returns the finished ones.
set -uo pipefail
OUT="${OUT:-benchmarks/results}"
PY="${PYTHON:-python3}"
mkdir -p "$OUT"
run() { echo "+ $*" >&2; "$@"; }

if compgen -G ".whl/*.whl" >/dev/null; then
    run "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

# CTranslate2 4.x wheels are built for CUDA 12 and load libcublas.so.12 at run time.
cublas=$(find / -xdev -name 'libcublas.so.12*' 2>/dev/null | head -n 1)
if [ -n "$cublas" ]; then
    echo "cuBLAS 12 found: $cublas"
    export LD_LIBRARY_PATH="$(dirname "$cublas")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
    echo "no libcublas.so.12 here: the CTranslate2 rows will record the error"
fi

run nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
run "$PY" -c "import torch, transformers, ctranslate2; print('torch', torch.__version__, \
'transformers', transformers.__version__, 'ctranslate2', ctranslate2.__version__, \
'CT2 GPUs', ctranslate2.get_cuda_device_count(), 'compute types', \
sorted(ctranslate2.get_supported_compute_types('cuda')))"

for model in marian t5 bart; do
    run "$PY" benchmarks/throughput.py --device cuda --models "$model" --beams 1,4 \
        --compute-types int8_float16,float16 --sentences 256 --naive-sentences 48 \
        --work /tmp/vi2en-bench --timeout 240 --json "$OUT/throughput-cuda-$model.json" \
        2>&1 | tee "$OUT/throughput-cuda-$model.log"
done
