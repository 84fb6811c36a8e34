# gzip and stdin give the same transactions; a truncated gzip and a missing file are reported, the rest indexed
gzip -c "$FIXTURES/edge.log" > edge.log.gz
"$MXTRACE" index --db "$DB" -y 2011 edge.log.gz; echo "exit $?"
"$MXTRACE" search --db "$DB" --format json > a.json
rm -rf "$DB"
"$MXTRACE" index --db "$DB" -y 2011 --quiet - < "$FIXTURES/edge.log"; echo "exit $?"
"$MXTRACE" search --db "$DB" --format json > b.json
cmp a.json b.json && echo "gzip and stdin: same transactions"
echo "== the same content again: nothing new to read"
"$MXTRACE" index --db "$DB" -y 2011 "$FIXTURES/edge.log" 2>&1 | grep -E 'transactions|unchanged|lines read'
echo "== --full reads it all again: same transactions, nothing doubled"
"$MXTRACE" index --db "$DB" -y 2011 --full "$FIXTURES/edge.log" 2>&1 | grep -E 'transactions|lines read' 
"$MXTRACE" search --db "$DB" --format json > c.json
cmp a.json c.json && echo "reindex: same transactions"
echo "== truncated gzip, missing file"
head -c 600 edge.log.gz > cut.gz
"$MXTRACE" index --db "$DB" -y 2011 --quiet cut.gz missing.log "$FIXTURES/edge.log"; echo "exit $?"
echo "== binary garbage"
for i in $(seq 1 40); do printf '\x00\x01\xff\xfe binary \x1b[2J junk %d\x00\n' "$i"; done > garbage.bin
"$MXTRACE" index --db "$DB" -y 2011 garbage.bin 2>&1 | grep -E 'lines read|unparsed|warning'; echo "exit ${PIPESTATUS[0]}"
echo "== permissions"
stat -c '%a %n' "$DB" "$DB/mxtrace.sqlite" | sed "s|$DB|DB|"
