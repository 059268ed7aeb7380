#!/usr/bin/env bash
# Throughput on a CUDA GPU (H100/H200) in under 5 minutes: JSON files and logs in $OUT/.
#
# Run from the repository root: `bash benchmarks/gpu.sh`. The GPU image has torch,
# transformers, sentencepiece and tokenizers but not CTranslate2 or sacremoses: put their
# wheels in .whl/ beforehand and carry that folder along, e.g.
#   pip download ctranslate2 sacremoses --no-deps --only-binary=:all: \
#       --python-version 3.12 --platform manylinux2014_x86_64 -d .whl
# Steps run most important first, each under what is left of the time budget, and each
# writes its JSON as soon as it is done, so a run cut short still returns the finished ones:
#   1. Marian greedy: naive loop, Translator (transformers; CTranslate2 int8_float16) on
#      2,048 fresh sentences after a warm-up on 512 others, each with its ceiling row
#   2. T5-base greedy: the same (CTranslate2 auto: int8_bfloat16, T5 overflows float16)
#   3. Marian beam 4
#   4. the batch job on 2,000 documents of 6 sentences, CTranslate2, checks on (in check
#      workers, the GPU default)
#   5. the same with the checks in the translating process (--check-workers 0)
set -uo pipefail
OUT="${OUT:-benchmarks/results}"
PY="${PYTHON:-python3}"
BUDGET="${BUDGET:-285}"  # seconds for all steps, setup included
START=$(date +%s)
mkdir -p "$OUT"
run() { echo "+ $*" >&2; "$@"; }
left() { echo $(( BUDGET - ($(date +%s) - START) )); }

if compgen -G ".whl/*.whl" >/dev/null; then
    run "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .whl/*.whl || exit 1
    export PYTHONPATH=/tmp/site
fi
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1

# CTranslate2 4.x wheels are built for CUDA 12 and load libcublas.so.12 at run time. Where
# only CUDA 13's cuBLAS exists (the device image), link it under the CUDA 12 name: enough to
# measure here; users install CUDA 12 as CTranslate2 documents.
cublas12=$(find / -xdev -name 'libcublas.so.12*' 2>/dev/null | head -n 1)
if [ -n "$cublas12" ]; then
    echo "cuBLAS 12 found: $cublas12"
    export LD_LIBRARY_PATH="$(dirname "$cublas12")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
    cublas13=$(find / -xdev -name 'libcublas.so.13*' 2>/dev/null | head -n 1)
    if [ -n "$cublas13" ]; then
        shim=/tmp/cublas12
        mkdir -p "$shim"
        ln -sf "$cublas13" "$shim/libcublas.so.12"
        lt13=$(find "$(dirname "$cublas13")" -name 'libcublasLt.so.13*' | head -n 1)
        [ -n "$lt13" ] && ln -sf "$lt13" "$shim/libcublasLt.so.12"
        echo "linked $cublas13 as $shim/libcublas.so.12"
        export LD_LIBRARY_PATH="$shim:$(dirname "$cublas13")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    else
        echo "no cuBLAS 12 or 13 here: the CTranslate2 rows will record the error"
    fi
fi

run nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
run "$PY" -c "import torch, transformers, ctranslate2; print('torch', torch.__version__, \
'transformers', transformers.__version__, 'ctranslate2', ctranslate2.__version__, \
'CT2 GPUs', ctranslate2.get_cuda_device_count(), 'compute types', \
sorted(ctranslate2.get_supported_compute_types('cuda')))"

bench() {  # NAME ARGS...: one step, stopped when the budget runs out
    local name=$1; shift
    local seconds; seconds=$(left)
    if [ "$seconds" -lt 20 ]; then echo "skipped $name: time budget spent" >&2; return; fi
    run timeout "$seconds" "$PY" benchmarks/throughput.py --device cuda \
        --work /tmp/vi2en-bench --timeout "$seconds" --json "$OUT/$name.json" "$@" \
        2>&1 | tee "$OUT/$name.log"
}

bench marian-greedy --models marian --beams 1 \
    --engines naive-transformers,transformers,ctranslate2 --compute-types int8_float16 \
    --sentences 2048 --warmup 512 --naive-sentences 32 --no-article
bench t5-greedy --models t5 --beams 1 --engines transformers,ctranslate2 \
    --sentences 2048 --warmup 512 --no-article
bench marian-beam4 --models marian --beams 4 --engines transformers,ctranslate2 \
    --compute-types int8_float16 --sentences 2048 --warmup 512 --no-article
bench marian-batch --batch --models marian --beams 1 --engines ctranslate2 \
    --compute-types int8_float16 --batch-docs 2000 --doc-sentences 6 --warmup 512
bench marian-batch-inline-checks --batch --models marian --beams 1 --engines ctranslate2 \
    --compute-types int8_float16 --batch-docs 2000 --doc-sentences 6 --warmup 512 \
    --check-workers 0
echo "done in $(( $(date +%s) - START )) s"
