# nothing found: 1; bad time: 2; unknown option: 2; no index: 4
"$MXTRACE" search --db "$DB" -f bob@foo.com; echo "exit $?"
"$MXTRACE" index --db "$DB" -y 2011 --quiet "$FIXTURES/edge.log"
"$MXTRACE" search --db "$DB" -f nobody@nowhere.example; echo "exit $?"
"$MXTRACE" search --db "$DB" -d 'last tuesday'; echo "exit $?"
"$MXTRACE" search --db "$DB" --status lost; echo "exit $?"
"$MXTRACE" search --db "$DB" --bogus; echo "exit $?"
"$MXTRACE" search --db "$DB" -r 0; echo "exit $?"
echo "== attack1: a huge relative time, --text with a '*', a query of only white space"
"$MXTRACE" search --db "$DB" -d 999999999w; echo "exit $?"
"$MXTRACE" search --db "$DB" -D 20000000w; echo "exit $?"  # issue 11 case 4: before, a signed overflow matched everything
"$MXTRACE" search --db "$DB" -d 20000000w; echo "exit $?"
"$MXTRACE" search --db "$DB" -d 520000w | grep -c "^transaction:"; echo "exit ${PIPESTATUS[0]}"  # 10000 years works
"$MXTRACE" search --db "$DB" --text 'conn*'; echo "exit $?"
"$MXTRACE" search --db "$DB" $'\n' $'\r'; echo "exit $?"
"$MXTRACE" index --db "$DB"; echo "exit $?"
"$MXTRACE" serach -f x; echo "exit $?"
printf '[index]\nretension = 5\n' > bad.conf
"$MXTRACE" --config bad.conf info --db "$DB"; echo "exit $?"
