#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# gen-ground-truth: the log generator's logs, indexed by mxtrace, give exactly the generator's
# ground truth; no generated line is left unparsed; the same seed gives the same bytes.
# Usage: gen_truth.sh MXTRACE_GEN MXTRACE CHECK_TRUTH_PY
set -u
gen=$1 mxtrace=$2 check=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/mxtrace-gen-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v python3 >/dev/null || { echo "python3 is missing: skipped"; exit 77; }

args=(--seed 42 --messages 3000 --start 2024-03-04 --days 3 --rotate-days 1 --quiet)
"$gen" "${args[@]}" --out "$work/a" || fail "mxtrace-gen failed"
"$gen" "${args[@]}" --out "$work/b" || fail "mxtrace-gen failed (second run)"
diff -r "$work/a" "$work/b" >/dev/null || fail "the same seed gave different bytes"
"$gen" "${args[@]/42/43}" --out "$work/c" || fail "mxtrace-gen failed (seed 43)"
cmp -s "$work/a/truth.jsonl" "$work/c/truth.jsonl" && fail "seeds 42 and 43 gave the same truth"
rm -rf "$work/b" "$work/c"

# rotated files: mail.log (newest), mail.log.1, mail.log.2.gz (oldest); oldest content first
files=()
for h in mx1 mx2 mbox smtp; do
  for f in mail.log.2.gz mail.log.1 mail.log; do
    [ -s "$work/a/$h/$f" ] || fail "$h/$f is missing or empty"
    files+=("$work/a/$h/$f")
  done
  gzip -t "$work/a/$h/mail.log.2.gz" || fail "$h/mail.log.2.gz is not gzip"
  first_new=$(head -c 20 "$work/a/$h/mail.log.1") first_old=$(zcat "$work/a/$h/mail.log.2.gz" | head -c 20)
  [ "$first_new" != "$first_old" ] || fail "$h: mail.log.1 and mail.log.2.gz start alike"
done

"$mxtrace" index --db "$work/db" -y 2024 --tz UTC --unparsed "$work/unparsed" "${files[@]}" 2>"$work/index.err" \
  || { cat "$work/index.err"; fail "mxtrace index failed"; }
if [ -s "$work/unparsed" ]; then
  head -20 "$work/unparsed"
  fail "$(wc -l <"$work/unparsed") generated lines are unparsed"
fi
grep -q "unparsed: *0$" "$work/index.err" || { cat "$work/index.err"; fail "index summary does not say 0 unparsed"; }

"$mxtrace" search --db "$work/db" -r 1000000 --format json >"$work/dump.jsonl" || fail "mxtrace search failed"
python3 "$check" "$work/a/truth.jsonl" "$work/dump.jsonl" || fail "the index differs from the ground truth"
echo "ok"
