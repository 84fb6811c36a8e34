# One writer at a time: a second index fails at once (exit 3) or waits with --wait; search works
# during an index run and sees the last committed state.
L1="$EXAMPLES/logs/mx1/mail.log.1" L0="$EXAMPLES/logs/mx1/mail.log"
export MXTRACE_COMMIT_LINES=50
mkfifo feed
"$MXTRACE" index --db "$DB" --tz UTC -y 2011 --quiet feed &
writer=$!
exec 3> feed
head -n 200 "$L1" >&3
# Commits come every 50 lines; 280A6BF3B3 is on lines 55-60, so wait until a commit holds it
# (the first commit alone may be all a fast search sees).
for i in $(seq 1 200); do
  n=$("$MXTRACE" search --db "$DB" -r 100000 --format json 2>/dev/null | wc -l)
  "$MXTRACE" search --db "$DB" -q 280A6BF3B3 2>/dev/null | grep -q '^transaction:' && break
  sleep 0.1
done
echo "== search during the run: sees committed transactions, no error"
[ "$n" -gt 0 ] && echo "found some"
"$MXTRACE" search --db "$DB" -q 280A6BF3B3 | grep -E '^(transaction|from):'
echo "== a second index fails at once"
start=$(date +%s)
"$MXTRACE" index --db "$DB" --tz UTC -y 2011 "$L0"; echo "exit $?"
[ $(( $(date +%s) - start )) -lt 5 ] && echo "(at once)"
echo "== with --wait it waits for the first to finish"
"$MXTRACE" index --db "$DB" --tz UTC -y 2011 --quiet --wait "$L0" 3>&- &
waiter=$!
sleep 1
kill -0 $waiter 2>/dev/null && echo "still waiting while the first runs"
sed -n '201,$p' "$L1" >&3
exec 3>&-
wait $writer; echo "first exit $?"
wait $waiter; echo "waiting one exit $?"
"$MXTRACE" index --db ref --tz UTC -y 2011 --quiet "$L1" "$L0"
a=$("$MXTRACE" search --db "$DB" -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
b=$("$MXTRACE" search --db ref -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
[ "$a" = "$b" ] && echo "both runs together give the one-run index"
echo "== two first runs at once on a new index (different retention): one creates it, the other waits or is refused; never damaged"
bad=0
for k in 1 2 3 4 5 6 7 8 9 10; do
  rm -rf new
  ( "$MXTRACE" index --db new --tz UTC -y 2011 --retention 0 --quiet "$L0" 2>/dev/null; echo $? > rc1 ) &
  ( "$MXTRACE" index --db new --tz UTC -y 2011 --retention 7 --quiet "$L0" 2>/dev/null; echo $? > rc2 ) &
  wait
  "$MXTRACE" check --db new > /dev/null 2>&1 || bad=$((bad + 1))
done
echo "damaged after two first runs: $bad of 10"
