#!/usr/bin/env bash
# Regenerates the expected output of CLI golden tests (all, or those named). Review the diff!
# Usage: tests/cli/regen.sh [BUILD_DIR] [NAME...]
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
shift || true
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$root"/tests/cli/cases/*.sh; do names+=("$(basename "$f" .sh)"); done
fi
for n in "${names[@]}"; do
  bash "$root/tests/cli/run_case.sh" "$build/src/mxtrace" "$root" "$n" --regen
done
