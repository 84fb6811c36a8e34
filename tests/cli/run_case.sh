#!/usr/bin/env bash
# Runs one CLI golden test: tests/cli/cases/NAME.sh is run with bash; its stdout, stderr and
# exit code (stderr lines "seconds: ..." masked) are compared with tests/cli/cases/NAME.expected.
# Usage: run_case.sh MXTRACE_BINARY SOURCE_ROOT NAME [--regen]
set -u
bin=$1 root=$(cd "$2" && pwd) name=$3 regen=${4:-}
case_file=$root/tests/cli/cases/$name.sh
expected=$root/tests/cli/cases/$name.expected
work=$(mktemp -d "${TMPDIR:-/tmp}/mxtrace-cli-XXXXXX")
trap 'rm -rf "$work"' EXIT
export TZ=${TZ:-UTC} LC_ALL=C
export MXTRACE="$bin" FIXTURES="$root/tests/cli/fixtures" EXAMPLES="$root/examples" DB="$work/db" WORK="$work"
export CORPUS="$root/../shared/corpus"
unset MXTRACE_DB XDG_DATA_HOME
cd "$work" || exit 2
bash "$case_file" >"$work/stdout" 2>"$work/stderr"
rc=$?
if [ $rc -eq 77 ]; then
  cat "$work/stdout"
  exit 77  # meson: skipped
fi
# paths that differ between machines are masked: the work directory and the source root
mask() { sed -e "s|$work|WORK|g" -e "s|$root|ROOT|g" -E -e 's/^(seconds: +)[0-9.]+$/\1N/' "$1"; }
{
  mask "$work/stdout"
  echo "--- stderr"
  mask "$work/stderr"
  echo "--- exit $rc"
} >"$work/actual"
# a case may keep files (a rendered report) and list their paths in WORK/artifacts.txt
[ -f "$work/artifacts.txt" ] && sed 's/^/artifact: /' "$work/artifacts.txt"
if [ "$regen" = "--regen" ]; then
  cp "$work/actual" "$expected"
  echo "wrote $expected"
  exit 0
fi
if [ ! -f "$expected" ]; then
  echo "no expected output $expected; run tests/cli/regen.sh $name and review it"
  cat "$work/actual"
  exit 1
fi
if diff -u "$expected" "$work/actual"; then
  exit 0
fi
exit 1
