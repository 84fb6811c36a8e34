# kill -9 at 13 points (MXTRACE_CRASH_AT: see src/testhooks.hpp) spread over an index run of a real log (commits every 5000 lines): after
# each, a plain rerun must give exactly what an uninterrupted run gives: the transactions and each one's raw lines (search --raw,
# which holds every line's path, line number, fingerprint and bytes), so a line read again is never kept twice. Needs ../shared/corpus.
LOG="$CORPUS/postfix-logsums/mail.log.gz"
if [ ! -f "$LOG" ]; then echo "SKIP: $LOG not found"; exit 77; fi
export MXTRACE_COMMIT_LINES=5000
dump() { "$MXTRACE" search --db "$1" -r 1000000 --format json --raw | sed -E 's/^\{"id":[0-9]+,/{/' | sort; }
"$MXTRACE" index --db ref "$LOG" 2>&1 | grep -E '^ +(attributed|reject records):' | tee summary.txt
dump ref > ref.json
wc -l < ref.json
# every attributed line is kept, and each reject record keeps its one line
echo "raw lines kept: $(grep -o '"line":[0-9]*,"fingerprint"' ref.json | wc -l) = $(awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) { n += $i; break } } END { print n }' summary.txt) (attributed lines + reject records)"
"$MXTRACE" index --db ref2 --quiet "$LOG"
"$MXTRACE" index --db ref2 --quiet --full "$LOG"
dump ref2 | cmp -s ref.json - && echo "a second run with --full (every line read again): same as one run"
for point in line:2500 line:9000 line:16000 line:23500 line:31000 line:38000 line:45500 line:52000 \
             line:60000 line:69000 after-sqlite:3 after-xapian:7 after-sqlite:14; do
  rm -rf run
  rc=$( (MXTRACE_CRASH_AT=$point "$MXTRACE" index --db run --quiet "$LOG"; echo $?) 2>/dev/null)
  "$MXTRACE" index --db run --quiet "$LOG"
  rc2=$?
  dump run > run.json
  if cmp -s ref.json run.json; then same=same; else same=DIFFERENT; fi
  echo "killed at $point (exit $rc), rerun exit $rc2: $same as the uninterrupted run"
done
echo "== killed twice in a row, then completed"
rm -rf run
(MXTRACE_CRASH_AT=line:20000 "$MXTRACE" index --db run --quiet "$LOG"; echo "exit $?") 2>/dev/null
(MXTRACE_CRASH_AT=after-sqlite:2 "$MXTRACE" index --db run --quiet "$LOG"; echo "exit $?") 2>/dev/null
"$MXTRACE" index --db run --quiet "$LOG"; echo "exit $?"
dump run | cmp -s ref.json - && echo "same as the uninterrupted run"
