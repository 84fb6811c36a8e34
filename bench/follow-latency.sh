#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# bench/follow-latency.sh: how soon `mxtrace index --follow` makes a new message searchable
# (issue 13; target <= 2 s). Not part of `meson test`; never fails on a time.
#
#   bench/follow-latency.sh [--build DIR] [--samples N]   (defaults: build/, 20)
#
# Starts a follower on a temporary log, then N times: appends one Postfix line with a new queue ID
# (stamped now, RFC 3339), and runs `mxtrace search -q QID` every 20 ms until it finds it. Prints
# the latency of each sample (line written -> search found it; it includes the last search's own
# run time, also printed) and min / median / max. Also prints the follower's CPU time while idle.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build samples=20
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --samples) samples=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--samples N]" >&2; exit 2 ;;
  esac
done
mx=$build/src/mxtrace
[ -x "$mx" ] || { echo "no $mx: build first (meson setup build && ninja -C build)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mxtrace-follow-XXXXXX")
follower=
cleanup() { [ -n "$follower" ] && kill -TERM "$follower" 2>/dev/null && wait "$follower" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
log=$work/mail.log
stamp() { date -u +%Y-%m-%dT%H:%M:%S.%6N+00:00; }
echo "$(stamp) mx1 postfix/master[100]: daemon started -- version 3.7.10" > "$log"
"$mx" index --db "$work/db" --retention 0 --quiet --follow "$log" &
follower=$!
sleep 1
now() { date +%s%N; }
t0=$(now); "$mx" search --db "$work/db" -q NONE >/dev/null 2>&1 || true; t1=$(now)
printf 'one search run: %d ms\n' $(( (t1 - t0) / 1000000 ))
lat=()
for i in $(seq 1 "$samples"); do
  qid=$(printf 'B%09X' $(( RANDOM * 32768 + RANDOM + i )))
  echo "$(stamp) mx1 postfix/qmgr[1187]: $qid: from=<bench$i@example.org>, size=1234, nrcpt=1 (queue active)" >> "$log"
  t0=$(now)
  until "$mx" search --db "$work/db" -q "$qid" --format csv --fields queue_id 2>/dev/null | grep -q "$qid"; do
    sleep 0.02
    if [ $(( ($(now) - t0) / 1000000 )) -gt 30000 ]; then echo "sample $i: not found within 30 s"; exit 1; fi
  done
  ms=$(( ($(now) - t0) / 1000000 ))
  lat+=("$ms")
  printf 'sample %2d: %5d ms\n' "$i" "$ms"
  sleep 0.$(( RANDOM % 9 + 1 ))
done
sorted=$(printf '%s\n' "${lat[@]}" | sort -n)
n=${#lat[@]}
printf 'latency (line written -> found by search): min %d ms, median %d ms, max %d ms over %d samples\n' \
  "$(echo "$sorted" | head -1)" "$(echo "$sorted" | sed -n "$(( (n + 1) / 2 ))p")" "$(echo "$sorted" | tail -1)" "$n"
cpu() { awk '{print $14 + $15}' "/proc/$follower/stat"; }
c0=$(cpu); sleep 10; c1=$(cpu)
echo "follower CPU while idle: $(( (c1 - c0) * 1000 / $(getconf CLK_TCK) )) ms over 10 s"
