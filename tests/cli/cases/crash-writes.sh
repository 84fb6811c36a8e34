# Kills that land everywhere: the write hook (src/base/write_hook.cpp) counts every write(),
# pwrite() and f(data)sync() of SQLite and Xapian on the index files and, with
# MXTRACE_CRASH_AT_WRITE=N, kills the process with SIGKILL just before the N-th. A clean run logs
# its writes with the crash points passed (MXTRACE_WRITE_LOG), and the kill points are chosen from
# that log: the first writes (creating the index), writes inside Xapian commits (between the
# SQLite commit and the end of the Xapian commit), other writes (SQLite, WAL), and writes inside a
# prune. After each kill a plain rerun of the same command must give exactly the clean index,
# compared as a canonical dump (mxtrace check --dump: records by key, attempts, hop links, raw
# lines, the Xapian terms and values of each document, the input checkpoints).
# After each kill, before the rerun, `mxtrace stats` through the stats rollups must print what the
# plain scan prints (MXTRACE_STATS_SCAN=1): a crash never leaves a rollup that claims to be fresh
# when it is not. Points are also chosen inside the rollups' refresh at the end of run A.
# Granularity: one system call. The files then hold exactly the writes before the kill (a process
# kill: the page cache keeps what was written; power loss, torn or reordered writes are not modelled).
start=$(date +%s.%N)
L="$EXAMPLES/logs"
export MXTRACE_COMMIT_LINES=150   # many commits in a small log
FILES=("$L"/smtp/maillog "$L"/mx1/mail.log.1 "$L"/mx1/mail.log "$L"/mx2/mail.log "$L"/hub/maillog --host-for '*/logs/out/mainlog=out' "$L"/out/mainlog)
A=(index --tz UTC --quiet --retention 0 "${FILES[@]}")   # phase A: create and fill
B=(prune --retention 2)   # phase B: a prune of the index A made (a one-off window; the index keeps retention 0)
dump() { "$MXTRACE" check --db "$1" --dump; }

MXTRACE_WRITE_LOG=$PWD/a.log "$MXTRACE" "${A[@]}" --db refA || echo "clean run A failed"
dump refA > refA.dump
cp -a refA refB
MXTRACE_WRITE_LOG=$PWD/b.log "$MXTRACE" "${B[@]}" --db refB >/dev/null || echo "clean run B failed"
dump refB > refB.dump
echo "phase A: $(grep -c '^txn ' refA.dump) transactions; phase B keeps $(grep -c '^txn ' refB.dump)"
cmp -s refA.dump refB.dump && echo "PROBLEM: phase B pruned nothing"
"$MXTRACE" "${A[@]}" --db refA2; dump refA2 | cmp -s refA.dump - && echo "a second clean run A gives the same dump"

# the write numbers of each kind, from a log: "N OP PATH" lines and "mark NAME" lines
classify() { awk -v dir="$2" '
  /^mark / { m = $2; inr = (m == "rollup"); if (m == "after-sqlite") inx = 1; if (m == "after-xapian") inx = 0;
             if (m == "prune-sqlite") inp = 1; if (m == "prune-done") inp = 0; next }
  index($3, dir) { k = inp ? "prune" : inr ? "rollup" : (inx && $3 ~ /\/xapian\// ? "xapian-commit" : "other");
                   if ($1 <= 10 && !inp) k = "creation"; print $1, k }' "$1"; }
classify a.log "$PWD/refA/" > a.kinds
classify b.log "$PWD/refB/" > b.kinds
# up to N points of a kind, spread evenly
pick() { awk -v k="$2" '$2 == k { print $1 }' "$1" | awk -v n="$3" '{ a[NR] = $1 } END { if (NR <= n) { for (i = 1; i <= NR; i++) print a[i] } else { for (i = 0; i < n; i++) print a[1 + int(i * (NR - 1) / (n - 1))] } }'; }
points_a="$(pick a.kinds creation 10) $(pick a.kinds xapian-commit 20) $(pick a.kinds other 12) $(pick a.kinds rollup 6)"
points_b="$(pick b.kinds prune 14)"
echo "points: creation $(pick a.kinds creation 10 | wc -l), inside a Xapian commit $(pick a.kinds xapian-commit 20 | wc -l), other writes $(pick a.kinds other 12 | wc -l), inside the stats rollups' refresh $(pick a.kinds rollup 6 | wc -l), inside a prune $(pick b.kinds prune 14 | wc -l)"
n=0 bad=0 killed=0 stale=0
# stats of a killed index: through the rollups as through the plain scan (both may fail alike)
same_stats() {
  local a b
  a=$("$MXTRACE" stats --db "$1" --utc --format json 2>&1; echo "exit $?")
  b=$(MXTRACE_STATS_SCAN=1 "$MXTRACE" stats --db "$1" --utc --format json 2>&1; echo "exit $?")
  [ "$a" = "$b" ] || { stale=$((stale + 1)); echo "$2: killed at write $3: stats through the rollups differ from the scan"; }
}
for p in $points_a; do
  rm -rf run
  rc=$( (MXTRACE_CRASH_AT_WRITE=$p "$MXTRACE" "${A[@]}" --db run; echo $?) 2>/dev/null)
  [ $rc = 137 ] && killed=$((killed + 1))
  same_stats run A $p
  "$MXTRACE" "${A[@]}" --db run 2> rerun.err; rc2=$?
  n=$((n + 1))
  if [ $rc2 != 0 ] || ! dump run 2>&1 | cmp -s refA.dump -; then
    bad=$((bad + 1)); echo "A: killed at write $p ($(awk -v p=$p '$1 == p' a.kinds)), exit $rc: rerun exit $rc2, NOT the clean index"; head -3 rerun.err
  fi
done
for p in $points_b; do
  rm -rf run; cp -a refA run
  rc=$( (MXTRACE_CRASH_AT_WRITE=$p "$MXTRACE" "${B[@]}" --db run >/dev/null; echo $?) 2>/dev/null)
  [ $rc = 137 ] && killed=$((killed + 1))
  same_stats run B $p
  "$MXTRACE" "${B[@]}" --db run >/dev/null 2> rerun.err; rc2=$?
  n=$((n + 1))
  if [ $rc2 != 0 ] || ! dump run 2>&1 | cmp -s refB.dump -; then
    bad=$((bad + 1)); echo "B: killed at write $p (prune), exit $rc: rerun exit $rc2, NOT the clean index"; head -3 rerun.err
  fi
done
echo "$n kill points, $killed runs killed by the hook, $bad reruns that did not give the clean index, $stale killed indexes whose stats through the rollups differ from the scan"
[ $n -ge 50 ] && echo "at least 50 points"
awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "seconds: %.1f\n", e - s }' >&2
