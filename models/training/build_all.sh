#!/usr/bin/env bash
# Builds every pedestrian model in turn (the app's all-data model first, then the five leave-one-out folds).
# A model whose manifest.json exists is skipped; an interrupted one resumes from its checkpoints.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PY:-/usr/bin/python3}
for fold in all eth hotel univ zara1 zara2; do
  out=../eth_ucy-$fold
  if [ -f "$out/manifest.json" ]; then echo "skip $out (built)"; continue; fi
  "$PY" -m lamslide_train.build --fold "$fold" --out "$out" "$@"
done
