#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# gen-trace: on the log generator's four hosts (Postfix mx1, mx2, mbox with content filters and
# Sendmail smtp), every generated message traces to all of its hops and to nothing unrelated.
# Usage: trace_truth.sh MXTRACE_GEN MXTRACE CHECK_TRACE_PY
set -u
gen=$1 mxtrace=$2 check=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/mxtrace-gentrace-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is missing: skipped"; exit 77; }
"$gen" --seed 42 --messages 3000 --start 2024-03-04 --days 3 --rotate-days 1 --quiet --out "$work/a" || fail "mxtrace-gen failed"
files=()
for h in mx1 mx2 mbox smtp; do files+=("$work/a/$h/mail.log.2.gz" "$work/a/$h/mail.log.1" "$work/a/$h/mail.log"); done
"$mxtrace" index --db "$work/db" -y 2024 --tz UTC --retention 0 --quiet "${files[@]}" || fail "mxtrace index failed"
"$mxtrace" trace --db "$work/db" --format json -r 1000000 -d 2000-01-01 >"$work/traces.jsonl" || fail "mxtrace trace failed"
python3 "$check" "$work/a/truth.jsonl" "$work/traces.jsonl" || fail "traces differ from the ground truth"
echo "ok"
