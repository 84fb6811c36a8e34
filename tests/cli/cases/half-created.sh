# Issue 11, case 2: a run killed in its first moments leaves Xapian tables without their
# revision file (iamglass). search says "damaged" (exit 6), not "no index"; the next plain index
# run rebuilds it. With records in SQLite it is damage: never removed, exit 6.
"$MXTRACE" index --db "$DB" --quiet -y 2011 "$FIXTURES/edge.log"
rm -f "$DB/xapian/iamglass" "$DB/mxtrace.sqlite"*
mkdir half && cp -r "$DB/xapian" half/
"$MXTRACE" search --db half -f x 2>&1 | sed "s|$WORK|WORK|g"; echo "exit ${PIPESTATUS[0]}"
"$MXTRACE" index --db half --quiet -y 2011 "$FIXTURES/edge.log"; echo "exit $?"
"$MXTRACE" search --db half -d 520000w | grep -c '^transaction:'
echo "== Xapian without its revision file but SQLite with records: damaged, kept"
"$MXTRACE" index --db d2 --quiet -y 2011 "$FIXTURES/edge.log"
rm -f d2/xapian/iamglass
"$MXTRACE" index --db d2 --quiet -y 2011 "$FIXTURES/edge.log" 2>&1 | sed "s|$WORK|WORK|g"; echo "exit ${PIPESTATUS[0]}"
ls d2/xapian | grep -c glass
