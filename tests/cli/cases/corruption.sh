# mxtrace check finds each kind of damage (exit 6) and mxtrace repair gives an index whose search
# output equals the clean one wherever SQLite was intact: bit flips in mxtrace.sqlite, truncation,
# zeroed pages, removed files, flipped bits in Xapian's postlist table. The bundled sample is the data.
L="$EXAMPLES/logs"
"$MXTRACE" index --db clean --tz UTC --quiet "$L"/smtp/maillog "$L"/mx1/mail.log.1 "$L"/mx1/mail.log "$L"/mx2/mail.log \
  "$L"/hub/maillog --host-for '*/logs/out/mainlog=out' "$L"/out/mainlog
search() { "$MXTRACE" search --db "$1" -r 1000000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort; }
search clean > clean.json
"$MXTRACE" search --db clean -r 1000000 -f @foo.com --format csv --fields host,queue_id,sender,recipient | sort > clean-foo.csv
echo "clean index: $(wc -l < clean.json) transactions"
"$MXTRACE" check --db clean > /dev/null; echo "check on the clean index: exit $?"
"$MXTRACE" check --db clean --full | tail -1
# flip bit 4 of the byte at OFFSET in FILE
flip() { local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '); printf "\\$(printf %03o $((b ^ 16)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
# run one case: $1 = name; the function damage (defined before) damages ./db
run_case() {
  echo "== $1"
  rm -rf db; cp -a clean db
  damage
  "$MXTRACE" check --db db > check.out 2> check.err; rc=$?
  "$MXTRACE" check --db db --full > full.out 2> full.err; rcf=$?
  echo "check: exit $rc ($(sed -n 's/^damage found: //p' check.out)); check --full: exit $rcf ($(sed -n 's/^damage found: //p' full.out))"
  [ $rc = 6 ] || [ $rcf = 6 ] || { echo "NOT FOUND"; cat check.out full.out; }
  grep -m1 '^mxtrace: hint' full.err check.err | sed 's/^[^:]*://'
  "$MXTRACE" repair --db db > repair.out 2> repair.err; rc=$?
  echo "repair: exit $rc; $(grep '^repaired:' repair.out | sed -E 's/[0-9]+ transaction records, [0-9]+ Xapian documents/N records/')"
  grep -c '^kept:' repair.out | sed 's/$/ old files or directories kept/'
  grep '^lost:' repair.out | sed -E 's/[0-9]+/N/g' | sort -u
  grep -c '^doubtful: record' repair.out | sed 's/$/ records named doubtful (they disagree with their old Xapian document)/'
  grep '^doubtful: record' repair.out | head -3
  [ $rc = 0 ] || { cat repair.err; return; }
  search db > db.json
  same=$(comm -12 clean.json db.json | wc -l)
  echo "search: $(wc -l < db.json) of $(wc -l < clean.json) transactions; $same identical to the clean index, $(comm -13 clean.json db.json | wc -l) not in it"
  if [ "$(comm -13 clean.json db.json | wc -l)" != 0 ]; then
    # what differs: rows (one per attempt) of the repaired index not in the clean one (+), and the
    # clean rows of the same queue IDs (-); the records SQLite held damaged, copied as they were
    fields=host,queue_id,first_time,sender,client_ip,message_id,recipient,status
    "$MXTRACE" search --db clean -r 1000000 --format csv --fields $fields | sort > clean.csv
    "$MXTRACE" search --db db -r 1000000 --format csv --fields $fields | sort > db.csv
    comm -13 clean.csv db.csv > plus.csv
    cut -d, -f1,2 plus.csv | sort -u > keys
    grep -F -f keys clean.csv | comm -23 - db.csv | sed 's/^/  - /'
    sed 's/^/  + /' plus.csv
  fi
  "$MXTRACE" search --db db -r 1000000 -f @foo.com --format csv --fields host,queue_id,sender,recipient | sort > db-foo.csv
  echo "search -f @foo.com: $(comm -13 clean-foo.csv db-foo.csv | wc -l) rows not in the clean index's answer, $(comm -23 clean-foo.csv db-foo.csv | wc -l) missing"
  "$MXTRACE" check --db db --full > /dev/null; echo "check --full after repair: exit $?"
  ls db | grep -c 'before-repair' | sed 's/$/ entries named *.before-repair-* in the index directory/'
}
sz=$(stat -c %s clean/mxtrace.sqlite)
damage() { for i in $(seq 1 50); do flip db/mxtrace.sqlite $(( (i * 7919 + 4096) % sz )); done; }
run_case "50 flipped bits in mxtrace.sqlite"
damage() { truncate -s $((sz / 2)) db/mxtrace.sqlite; }
run_case "mxtrace.sqlite cut to half its size (the pages of the txn table are all in the lost half)"
damage() { truncate -s $((sz - 3 * 4096)) db/mxtrace.sqlite; }
run_case "the last 3 pages of mxtrace.sqlite cut off"
damage() { dd if=/dev/zero of=db/mxtrace.sqlite bs=4096 seek=3 count=2 conv=notrunc status=none; }
run_case "pages 4 and 5 of mxtrace.sqlite zeroed"
damage() { rm db/xapian/iamglass; }
run_case "xapian/iamglass removed"
damage() { rm db/xapian/postlist.glass; }
run_case "xapian/postlist.glass removed"
damage() { rm -r db/xapian; }
run_case "the xapian directory removed"
psz=$(stat -c %s clean/xapian/postlist.glass)
damage() { for i in $(seq 1 20); do flip db/xapian/postlist.glass $(( (i * 4001 + 600) % psz )); done; }
run_case "20 flipped bits in xapian/postlist.glass"
damage() { rm db/mxtrace.sqlite; }
run_case "mxtrace.sqlite removed"
echo "== a forensic index (retention 0) whose retention row is lost with a damaged page: repair keeps everything"
rm -rf keep; "$MXTRACE" index --db keep --tz UTC --retention 0 --quiet "$L"/mx1/mail.log "$L"/smtp/maillog
python3 -c "import sqlite3; c = sqlite3.connect('keep/mxtrace.sqlite'); c.execute(\"DELETE FROM meta WHERE key = 'retention_days'\"); c.commit()"
python3 -c "f = open('keep/mxtrace.sqlite', 'r+b'); f.seek(4096 * 3 + 100); f.write(b'\xff' * 200)"
"$MXTRACE" repair --db keep | grep -E "^lost: the index's retention"
"$MXTRACE" info --db keep | grep '^retention:'
echo "== the SQLite header destroyed, or a directory in its place: check and repair say to index again, not repair"
for how in header directory; do
  rm -rf gone; cp -a clean gone
  if [ $how = header ]; then printf 'XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX' | dd of=gone/mxtrace.sqlite conv=notrunc status=none
  else rm -f gone/mxtrace.sqlite*; mkdir gone/mxtrace.sqlite; fi
  "$MXTRACE" check --db gone > /dev/null; echo "check exit $?"
  "$MXTRACE" repair --db gone > /dev/null; echo "repair exit $?"
done
echo "== the advice works"
mv gone gone.damaged && "$MXTRACE" index --db gone --tz UTC --quiet "$L"/smtp/maillog; echo "index exit $?"
"$MXTRACE" check --db gone | tail -1
