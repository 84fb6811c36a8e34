# mxtrace compact: the index after it holds exactly what it held before (canonical dump: records,
# attempts, hops, raw lines, every Xapian document's terms and values, checkpoints), searches
# give the same output, later runs write into it as into any index, and a kill at any write or
# crash point of a compaction leaves either the old or the new index, never a broken one.
L="$EXAMPLES/logs"
FILES=("$L"/smtp/maillog "$L"/mx1/mail.log.1 "$L"/mx2/mail.log "$L"/hub/maillog --host-for '*/logs/out/mainlog=out' "$L"/out/mainlog)
dump() { "$MXTRACE" check --db "$1" --dump; }
sizes() { sed -E 's/[0-9]+\.[0-9] MiB/N MiB/g; s/\([+-][0-9]+%\)/(P%)/g; s/[0-9]+ of [0-9]+ pages/F of T pages/'; }
searches() {
  for q in "-f @example.net" "-t @example.org -r 3" "--status deferred" "--text refused" "-h mx1 -c"; do
    echo "search $q"; "$MXTRACE" search --db "$1" $q 2>&1
  done
}
"$MXTRACE" index --db ref --tz UTC --quiet --retention 0 "${FILES[@]}" || echo "index failed"
dump ref > ref.dump; searches ref > ref.search
echo "ref: $(grep -c '^txn ' ref.dump) transactions"

echo "== compact"
cp -a ref c
"$MXTRACE" compact --db c | sed "s|$PWD/||" | sizes; echo "exit ${PIPESTATUS[0]}"
ls c
dump c | cmp -s ref.dump - && echo "dump equal to before"
searches c | cmp -s ref.search - && echo "searches equal to before"
"$MXTRACE" check --db c --full | tail -1

echo "== a later run writes into the compacted index as into the old"
"$MXTRACE" index --db ref --tz UTC --quiet --retention 0 "$L"/mx1/mail.log; echo "exit $?"
"$MXTRACE" index --db c --tz UTC --quiet --retention 0 "$L"/mx1/mail.log; echo "exit $?"
dump ref > ref2.dump; searches ref > ref2.search
dump c | cmp -s ref2.dump - && echo "dump equal to the never-compacted index's"
searches c | cmp -s ref2.search - && echo "searches equal"

echo "== after a prune, SQLite is rewritten; --vacuum forces it"
"$MXTRACE" prune --db c --retention 1 | tail -n +2 | head -1
"$MXTRACE" compact --db c | sed "s|$PWD/||" | sizes
"$MXTRACE" compact --db c --vacuum | sed "s|$PWD/||" | sizes
"$MXTRACE" check --db c --full | tail -1

echo "== errors"
"$MXTRACE" compact --db nowhere; echo "exit $?"
"$MXTRACE" compact --db c --bogus; echo "exit $?"

echo "== killed at every write of a compaction"
cp -a ref k0
dump k0 > k0.dump; searches k0 > k0.search
rm -f w.log; cp -a k0 probe
MXTRACE_WRITE_LOG=$PWD/w.log "$MXTRACE" compact --db probe >/dev/null || echo "clean compaction failed"
writes=$(grep -c '^[0-9]' w.log)
[ "$writes" -gt 5 ] && echo "a compaction makes more than 5 counted writes"
bad=0 killed=0 n=0
# at most 40 points, spread evenly over the writes
for p in $(awk -v n="$writes" 'BEGIN { k = n < 40 ? n : 40; for (i = 0; i < k; i++) print 1 + int(i * (n - 1) / (k > 1 ? k - 1 : 1)) }' | sort -un); do
  rm -rf k; cp -a k0 k
  rc=$( (MXTRACE_CRASH_AT_WRITE=$p "$MXTRACE" compact --db k >/dev/null; echo $?) 2>/dev/null)
  [ "$rc" = 137 ] && killed=$((killed + 1))
  n=$((n + 1))
  if ! dump k 2>/dev/null | cmp -s k0.dump - || ! searches k | cmp -s k0.search -; then
    bad=$((bad + 1)); echo "killed at write $p: the index is not the same"
  fi
  "$MXTRACE" compact --db k >/dev/null 2>&1 || { bad=$((bad + 1)); echo "killed at write $p: compact again fails"; }
  [ -e k/xapian.compact ] || [ -e k/xapian.old ] && { bad=$((bad + 1)); echo "killed at write $p: a leftover stays"; }
done
for point in compact-built compact-swapped; do
  rm -rf k; cp -a k0 k
  rc=$( (MXTRACE_CRASH_AT=$point "$MXTRACE" compact --db k >/dev/null; echo $?) 2>/dev/null)
  [ "$rc" = 137 ] && killed=$((killed + 1))
  n=$((n + 1))
  ls k | tr '\n' ' ' | sed "s/^/killed at $point, left: /"; echo
  dump k 2>/dev/null | cmp -s k0.dump - && searches k | cmp -s k0.search - && echo "  search and dump the same"
  "$MXTRACE" index --db k --tz UTC --quiet --retention 0 "$L"/mx1/mail.log; echo "  the next writer: exit $?; left: $(ls k | tr '\n' ' ')"
done
echo "kills: $n, killed $killed, not the same index afterwards: $bad"
