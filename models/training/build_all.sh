#!/usr/bin/env bash
# Builds every pedestrian model in turn (the app's all-data model first, then the five leave-one-out folds), each
# with the recipe the leave-one-recording-out proxy chose for it (README, "Recipe chosen by the proxy"); extra
# arguments go to every build. A model whose manifest.json exists is skipped; an interrupted one resumes from its
# checkpoints.
set -euo pipefail
cd "$(dirname "$0")"
PY=${PY:-/usr/bin/python3}
recipe() {
  case "$1" in
    all|hotel|univ|zara1) echo "--speed-scale 2" ;;
    *) echo "--size-batches 1" ;;
  esac
}
for fold in all eth hotel univ zara1 zara2; do
  out=../eth_ucy-$fold
  if [ -f "$out/manifest.json" ]; then echo "skip $out (built)"; continue; fi
  # shellcheck disable=SC2046  # the recipe is a list of flags
  "$PY" -m lamslide_train.build --fold "$fold" --out "$out" $(recipe "$fold") "$@"
done
