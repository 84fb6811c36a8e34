# queue ID reuse on one host, the same queue ID on two hosts, control characters escaped
"$MXTRACE" index --db "$DB" -y 2011 --quiet "$FIXTURES/edge.log"
"$MXTRACE" search --db "$DB" -q ABCDEF0123
echo "== json"
"$MXTRACE" search --db "$DB" -q ABCDEF0123 -h mx2 -r 1 --format json
echo "== deferred"
"$MXTRACE" search --db "$DB" --status deferred
