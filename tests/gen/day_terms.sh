#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# gen-day-terms: searches that use the hour and day terms (newest hours first, stopping once the r
# newest are known: Store::search), and those that use the day terms only (MXTRACE_NO_HOUR_TERMS=1,
# as an index from before hour terms), give exactly what the plain value filters give (MXTRACE_NO_DAY_TERMS=1)
# over the generator's logs (10 days, 4 hosts, deferrals that span days), for a table of selections,
# windows and result counts; and check --full finds every document as its record implies.
# Usage: day_terms.sh MXTRACE_GEN MXTRACE
set -u
gen=$1 mxtrace=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/mxtrace-days-XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
"$gen" --seed 7 --messages 4000 --start 2024-03-01 --days 10 --rotate-days 3 --quiet --out "$work/g" || fail "mxtrace-gen failed"
files=()
for h in mx1 mx2 mbox smtp; do
  for f in mail.log.3.gz mail.log.2.gz mail.log.1 mail.log; do [ -s "$work/g/$h/$f" ] && files+=("$work/g/$h/$f"); done
done
"$mxtrace" index --db "$work/db" -y 2024 --tz UTC --retention 0 --quiet "${files[@]}" || fail "mxtrace index failed"
"$mxtrace" check --db "$work/db" --full >"$work/check.out" 2>&1 || { cat "$work/check.out"; fail "check --full"; }
"$mxtrace" info --db "$work/db" | grep -qx 'time terms:     days and hours' || fail "a new index has no hour terms"
sender=$("$mxtrace" search --db "$work/db" -r 50 --format csv --fields sender 2>/dev/null | tail -n +2 | tr -d '\r' | grep @ | sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
rcpt_dom=$("$mxtrace" search --db "$work/db" -r 50 --format csv --fields recipient 2>/dev/null | tail -n +2 | tr -d '\r' | grep -o '@[^;]*' | head -1)
# (an empty one would make every row below a search for nothing, equal both ways)
[ -n "$sender" ] && [ -n "$rcpt_dom" ] || fail "no sender ($sender) or recipient domain ($rcpt_dom) to search for"
sender_n=$("$mxtrace" search --db "$work/db" -r 100000 -f "$sender" 2>/dev/null | grep -c '^transaction: ')
[ "$sender_n" -ge 5 ] || fail "sender $sender has $sender_n transactions: too few to test the walk"

n=0
while IFS= read -r line; do
  [ -z "$line" ] && continue
  eval "set -- $line"
  # the day walk even where the plain query would be chosen (few matches): both ways are tested
  a=$(MXTRACE_FORCE_DAY_TERMS=1 "$mxtrace" search --db "$work/db" --utc --format json "$@" 2>"$work/a.err"); ra=$?
  b=$(MXTRACE_NO_DAY_TERMS=1 "$mxtrace" search --db "$work/db" --utc --format json "$@" 2>"$work/b.err"); rb=$?
  c=$(MXTRACE_FORCE_DAY_TERMS=1 MXTRACE_NO_HOUR_TERMS=1 "$mxtrace" search --db "$work/db" --utc --format json "$@" 2>"$work/c.err"); rc=$?
  [ "$ra" = "$rb" ] || fail "exit $ra with day and hour terms, $rb without: search $line"
  [ "$rc" = "$rb" ] || fail "exit $rc with day terms only, $rb without: search $line"
  [ "$a" = "$b" ] || { diff <(echo "$b") <(echo "$a") | head -5; fail "different results (hours): search $line"; }
  [ "$c" = "$b" ] || { diff <(echo "$b") <(echo "$c") | head -5; fail "different results (days): search $line"; }
  # (both count exactly up to r + 1000 matches, then estimate: the unit test "store: searches
  # through the hour and day terms ..." checks the exact counts)
  cmp -s <(sed -E 's/about [0-9]+ matching/about N matching/' "$work/a.err") \
         <(sed -E 's/about [0-9]+ matching/about N matching/' "$work/c.err") ||
    { cat "$work/a.err" "$work/c.err"; fail "different messages, hours and days: search $line"; }
  # the same messages, but for Xapian's estimate of how many match ("about N": neither way counts
  # them all when it returns fewer)
  cmp -s <(sed -E 's/about [0-9]+ matching/about N matching/' "$work/a.err") \
         <(sed -E 's/about [0-9]+ matching/about N matching/' "$work/b.err") ||
    { cat "$work/a.err" "$work/b.err"; fail "different messages: search $line"; }
  n=$((n + 1))
done <<TABLE
-r 10
-r 1
-r 200
-r 100000
-r 10 -f '$sender'
-r 3 -f '$sender' -d '2024-03-04' -D '2024-03-06'
-r 10 -f '$sender' --host mx1 -d '2024-03-03 12:00Z' -D '2024-03-05 06:30Z'
-r 10 -t '$rcpt_dom'
-r 5 --status deferred
-r 50 --status deferred -d '2024-03-08'
-r 20 --status bounced -D '2024-03-03'
-r 10 -d '2024-03-09 23:00Z'
-r 10 -D '2024-03-01 00:30Z'
-r 10 -d '2024-03-05' -D '2024-03-05'
-r 10 -d '2024-03-05 13:00Z' -D '2024-03-05 15:30Z'
-r 200 -d '2024-03-04 22:00Z' -D '2024-03-06 02:00Z'
-r 50 --status deferred -d '2024-03-06 07:59:59Z' -D '2024-03-07 08:00:01Z'
-r 3 -t '$rcpt_dom' -d '2024-03-02 23:30Z'
-r 1000 -d '2024-03-05' -D '2024-03-05'
-r 10 -d '2030-01-01'
-r 10 -D '2020-01-01'
-r 7 --host smtp
-r 10 --text 'timed out'
-r 10 'status:deferred AND host:mx2'
-r 10 'from:$sender date:2024-03-04..2024-03-06'
-r 3 'from:$sender host:mx1 date:2024-03-03T12:00Z..2024-03-05T06:30Z'
-r 10 'from:$sender date:2024-03-02..2024-03-07 date:2024-03-05..2024-03-09'
-r 10 -d '2024-03-03' 'from:$sender date:2024-03-05..'
-r 10 'status:deferred date:2024-03-08'
-r 10 'date:2024-03-04 OR host:mx1'
-r 10 'host:mx2 NOT date:2024-03-04'
-r 10 '(from:$sender date:2024-03-04..2024-03-05) OR status:bounced'
TABLE
echo "ok: $n searches equal through hour and day terms, day terms only, and value filters (sender $sender: $sender_n transactions)"

# A query string's date: ANDed at its top is taken out and applied as -d / -D are (the day walk
# then starts from it); in parentheses it stays inside the query. Both give the same results.
m=0
while IFS= read -r line; do
  [ -z "$line" ] && continue
  eval "set -- $line"
  q=$1
  shift
  a=$("$mxtrace" search --db "$work/db" --utc --format json "$@" "$q" 2>"$work/a.err"); ra=$?
  b=$("$mxtrace" search --db "$work/db" --utc --format json "$@" "($q)" 2>"$work/b.err"); rb=$?
  [ "$ra" = "$rb" ] || fail "exit $ra taken out, $rb in parentheses: search $line"
  [ "$a" = "$b" ] || { diff <(echo "$b") <(echo "$a") | head -5; fail "different results: search $line"; }
  "$mxtrace" search --db "$work/db" --utc --explain "$@" "$q" 2>&1 >/dev/null | grep -q '^query: .*FILTER VALUE_GE' ||
    fail "date: was not taken out of the query: search $line"
  m=$((m + 1))
done <<TABLE2
'from:$sender date:2024-03-04..2024-03-06' -r 3
'status:deferred date:2024-03-08' -r 50
'host:mx1 date:2024-03-02..2024-03-09 date:..2024-03-03' -r 20
'date:2024-03-05' -r 1000
'host:mx1 date:2024-03-02..2024-03-09 date:2024-03-05..' -r 100000
'host:mx2 date:..2024-03-08 date:2024-03-03..2024-03-04' -r 100000
'from:$sender date:2024-03-04..' -d 2024-03-02 -D 2024-03-07 -r 100000
'from:$sender date:..2024-03-05' -d 2024-03-04 -r 100000
TABLE2
echo "ok: $m searches with date: taken out equal to date: left in"
