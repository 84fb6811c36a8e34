# mxtrace prune runs SQLite's quick_check before it changes anything: in a damaged index it stops
# with exit 6, names the commands that repair (with the index's directory), and changes nothing,
# with --dry-run and --set-retention too. A clean index prunes as before.
L="$EXAMPLES/logs"
set -e
"$MXTRACE" index --db clean --tz UTC --retention 0 --quiet "$L"/smtp/maillog "$L"/mx1/mail.log.1 "$L"/mx1/mail.log "$L"/mx2/mail.log
sums() { (cd "$1" && find . -type f ! -name flintlock | sort | xargs md5sum); }
# flip bit 4 of the byte at OFFSET in FILE (as in corruption.sh)
flip() { local b; b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' '); printf "\\$(printf %03o $((b ^ 16)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }
rm -rf db; cp -a clean db
set +e
# page 7 is the root (and only) page of the index txn_last (schema order): a bit of the high byte
# of its cell count (page header byte 3) makes it unreadable; a search of everything, which does
# not use it, still runs and says nothing
flip db/mxtrace.sqlite $(( 6 * 4096 + 3 ))
"$MXTRACE" search --db db -r 1000000 > /dev/null; echo "search of the damaged index: exit $?"
sums db > before
for args in "--retention 1" "--retention 1 --dry-run" "--set-retention 1"; do
  echo "== prune $args"
  "$MXTRACE" prune --db db $args; echo "exit $?"
done
sums db > after
if cmp -s before after; then echo "the index files are unchanged"; else echo "CHANGED:"; diff before after; fi
"$MXTRACE" info --db db | grep -i retention
echo "== many problems, in a directory whose name needs quoting"
cp -a clean "my db"
# page 14 is the page of the index hop_next: a bit of its cell count's low byte, 16 cells too many
flip "my db"/mxtrace.sqlite $(( 13 * 4096 + 4 ))
"$MXTRACE" prune --db "my db" --retention 1; echo "exit $?"
echo "== the commands of the hint find and repair the damage"
"$MXTRACE" check --db db > /dev/null 2>&1; echo "check: exit $?"
"$MXTRACE" repair --db db > /dev/null 2>&1; echo "repair: exit $?"
"$MXTRACE" prune --db db --retention 1; echo "prune after repair: exit $?"
echo "== prune of the clean index"
"$MXTRACE" prune --db clean --retention 1; echo "exit $?"
