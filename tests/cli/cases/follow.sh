# mxtrace index --follow (issue 13): a follower reads a log as it grows, and a search running
# beside it finds each new message; a rename rotation (with a late write to the renamed file)
# and a copytruncate lose nothing and double nothing; SIGTERM commits and exits 0; a plain run
# afterwards reads nothing again; the result equals an index built in one plain run.
# Waits poll every 0.2 s up to 30 s, so a loaded machine makes it slow, not wrong.
L="$EXAMPLES/logs/mx1/mail.log.1"
part() { sed -n "$1p" "$L"; }
# the last queue ID of a part of the log: the message the follower must make searchable
last_qid() { part "$1" | grep -oE 'postfix/[a-z]+\[[0-9]+\]: [0-9A-F]{8,}:' | tail -1 | sed -E 's/.*: ([0-9A-F]+):/\1/'; }
wait_for() { # QID WHAT
  for _ in $(seq 150); do
    if "$MXTRACE" search --db "$DB" -q "$1" --format csv --fields queue_id 2>/dev/null | tr -d '\r' | grep -qx "$1"; then
      echo "found the message of $2"
      return
    fi
    sleep 0.2
  done
  echo "NOT FOUND within 30 s: $1 ($2)"
}
part 1,100 > mail.log
"$MXTRACE" index --db "$DB" --tz UTC -y 2011 --follow mail.log > follow.out 2> follow.err &
follower=$!
wait_for "$(last_qid 1,100)" "the first pass"
echo "== appends"
part 101,140 >> mail.log
sleep 0.3
part 141,180 >> mail.log
wait_for "$(last_qid 101,180)" "lines appended"
echo "== another writer is told who holds the index"
"$MXTRACE" index --db "$DB" --tz UTC -y 2011 mail.log 2>&1 | sed -E 's/pid [0-9]+/pid N/; s/kill [0-9]+/kill N/'
echo "exit ${PIPESTATUS[0]}"
"$MXTRACE" prune --db "$DB" --set-retention 0 2>&1 | sed -E 's/pid [0-9]+/pid N/; s/kill [0-9]+/kill N/' | head -1
echo "== rotation by rename: a late line into the renamed file, then the new file"
mv mail.log mail.log.1
part 181,200 >> mail.log.1
part 201,260 > mail.log
wait_for "$(last_qid 181,200)" "the late write to the renamed file"
wait_for "$(last_qid 201,260)" "the new file"
echo "== copytruncate"
cp mail.log mail.log.2
: > mail.log
sleep 0.5
part 261,399 >> mail.log
wait_for "$(last_qid 261,399)" "the truncated file"
echo "== SIGTERM: commit and exit 0"
kill -TERM $follower
wait $follower
echo "follower exit $?"
grep -E '^lines read:' follow.err
grep -v -E '^( |lines read|transactions|seconds|pieces joined)' follow.err
[ -e "$DB/mxtrace.follow" ] && echo "mxtrace.follow left behind"
echo "== a plain run afterwards reads nothing again"
"$MXTRACE" index --db "$DB" --tz UTC -y 2011 mail.log.2 mail.log.1 mail.log 2>&1 | grep -E '^(lines read|already read|transactions)'
echo "== the same as one plain run over the whole content"
"$MXTRACE" index --db ref --tz UTC -y 2011 --quiet "$L"
a=$("$MXTRACE" search --db "$DB" -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
b=$("$MXTRACE" search --db ref -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
[ "$a" = "$b" ] && echo "equal" || { echo "DIFFERENT"; diff <("$MXTRACE" search --db "$DB" -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort) <("$MXTRACE" search --db ref -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort) | head -20; }
"$MXTRACE" search --db "$DB" -r 100000 --format csv --fields host,queue_id | tr -d '\r' | sort | uniq -d | sed 's/^/doubled: /'
echo "transactions: $("$MXTRACE" search --db "$DB" -r 100000 --format csv --fields queue_id | tail -n +2 | wc -l)"
echo "== standard input: read as it comes, committed by time while the pipe stays open"
mkfifo feed
"$MXTRACE" index --db pipe --tz UTC -y 2011 --follow - < feed > pipe.out 2> pipe.err &
piper=$!
exec 3> feed
part 1,100 >&3
DB=pipe wait_for "$(last_qid 1,100)" "the first lines on the pipe"
part 101,180 >&3
DB=pipe wait_for "$(last_qid 101,180)" "more lines on the pipe"
kill -TERM $piper
wait $piper
echo "follower exit $? (the pipe still open)"
exec 3>&-
grep -E '^lines read:' pipe.err
"$MXTRACE" index --db pipe-ref --tz UTC -y 2011 --quiet <(part 1,180)
a=$("$MXTRACE" search --db pipe -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
b=$("$MXTRACE" search --db pipe-ref -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
[ "$a" = "$b" ] && echo "equal to one plain run" || echo "DIFFERENT from one plain run"
echo "== a restarted pipe that replays entries (journalctl -f without its cursor file shows the last 10 again)"
(part 171,180; part 181,260) | "$MXTRACE" index --db pipe --tz UTC -y 2011 --follow - 2> replay.err
echo "exit $?"
grep -E '^ *read twice:' replay.err
"$MXTRACE" index --db pipe-ref2 --tz UTC -y 2011 --quiet <(part 1,260)
a=$("$MXTRACE" search --db pipe -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
b=$("$MXTRACE" search --db pipe-ref2 -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
[ "$a" = "$b" ] && echo "equal to one plain run over lines 1-260" || echo "DIFFERENT from one plain run"
echo "== retention runs on its schedule while following (every hour; MXTRACE_RETAIN_EVERY=1, a test hook, makes it every second)"
cp "$EXAMPLES/logs/mx1/mail.log.1" ret.log
MXTRACE_RETAIN_EVERY=1 "$MXTRACE" index --db ret --tz UTC --retention 1 --follow ret.log > ret.out 2> ret.err &
keeper=$!
DB=ret wait_for "$(sed -n '$p' ret.log | grep -oE ': [0-9A-F]{8,}:' | tr -d ': ')" "the first pass of ret.log"
old() { "$MXTRACE" search --db ret -r 100000 --format csv --fields queue_id -D '2011-12-16 12:00Z' 2>/dev/null | tail -n +2 | wc -l; }
[ "$(old)" -gt 0 ] && echo "before: mail of 15 December is kept (within a day of the newest line)"
cat "$EXAMPLES/logs/mx1/mail.log" >> ret.log
for _ in $(seq 150); do [ "$(old)" -eq 0 ] && break; sleep 0.2; done
kill -0 $keeper 2>/dev/null && echo "follower still running"
echo "after the 17 December lines: $(old) transactions that began before 16 December 12:00 are left"
kill -TERM $keeper
wait $keeper
echo "follower exit $?"
echo "== compaction on its schedule while following (daily; MXTRACE_COMPACT_EVERY=2, a test hook, makes it every 2 seconds)"
cp "$EXAMPLES/logs/mx1/mail.log.1" cmp.log
MXTRACE_RETAIN_EVERY=1 MXTRACE_COMPACT_EVERY=2 "$MXTRACE" index --db cmp --tz UTC --retention 0 --follow cmp.log > cmp.out 2> cmp.err &
keeper=$!
DB=cmp wait_for "$(sed -n '$p' cmp.log | grep -oE ': [0-9A-F]{8,}:' | tr -d ': ')" "the first pass of cmp.log"
inode0=$(stat -c %i cmp/xapian)
for _ in $(seq 150); do [ "$(stat -c %i cmp/xapian 2>/dev/null)" != "$inode0" ] && break; sleep 0.1; done
[ "$(stat -c %i cmp/xapian)" != "$inode0" ] && echo "the follower swapped in a compacted Xapian index"
cat "$EXAMPLES/logs/mx1/mail.log" >> cmp.log
DB=cmp wait_for "$(sed -n '$p' cmp.log | grep -oE ': [0-9A-F]{8,}:' | tr -d ': ')" "lines appended after the compaction"
kill -TERM $keeper
wait $keeper
echo "follower exit $?"
"$MXTRACE" index --db cmp-ref --tz UTC --retention 0 --quiet cmp.log
a=$("$MXTRACE" check --db cmp --dump | grep -v '^input ' | md5sum); b=$("$MXTRACE" check --db cmp-ref --dump | grep -v '^input ' | md5sum)
[ "$a" = "$b" ] && echo "the compacted follower's index equals one plain run" || echo "DIFFERENT from one plain run"
"$MXTRACE" check --db cmp | tail -1
echo "copies left beside the index: $(ls cmp | grep -c '^xapian\.')"
echo "== --follow reads standard input alone"
"$MXTRACE" index --db pipe --follow - mail.log < /dev/null; echo "exit $?"
echo "== small files (under the 4 KiB fingerprint): both names followed, a late write, a file that appears later"
mkdir small && cd small || exit 1
part 1,10 > mail.log
"$MXTRACE" index --db db --tz UTC -y 2011 --follow --missing-ok mail.log.1 mail.log later.log > out 2> err &
small=$!
part 11,15 >> mail.log
DB=db wait_for "$(last_qid 1,15)" "the grown small file"
mv mail.log mail.log.1
part 16,20 >> mail.log.1
part 21,30 > mail.log
DB=db wait_for "$(last_qid 16,20)" "the late write"
DB=db wait_for "$(last_qid 21,30)" "the new small file"
part 31,40 > later.log
DB=db wait_for "$(last_qid 31,40)" "the file that appeared later"
kill -INT $small
wait $small
echo "follower exit $? (SIGINT)"
# the follower refreshed the stats rollups when it stopped: stats merges them, and says what the scan says
s1=$(MXTRACE_STATS_ROLLUP_LOG=1 "$MXTRACE" stats --db db --utc 2>rollup.err | md5sum)
s2=$(MXTRACE_STATS_SCAN=1 "$MXTRACE" stats --db db --utc | md5sum)
if [ "$s1" = "$s2" ] && grep -q 'buckets merged, 0 scanned' rollup.err && ! grep -q ' 0 buckets merged' rollup.err; then
  echo "stats through the follower's rollups equal the scan"
else
  echo "stats through the follower's rollups: DIFFERENT from the scan, or not used: $(cat rollup.err)"
fi
grep -E '^lines read:' err
"$MXTRACE" index --db db --tz UTC -y 2011 mail.log.1 mail.log later.log 2>&1 | grep -E '^(lines read|already read)'
"$MXTRACE" index --db ref --tz UTC -y 2011 --quiet <(part 1,40)
a=$("$MXTRACE" search --db db -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
b=$("$MXTRACE" search --db ref -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort | md5sum)
[ "$a" = "$b" ] && echo "equal to one plain run" || echo "DIFFERENT from one plain run"
