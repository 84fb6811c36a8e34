"$MXTRACE" index --db "$DB" -y 2011 --quiet "$FIXTURES/edge.log"
echo "== domain of recipient, original recipient"
"$MXTRACE" search --db "$DB" -t @BAR.com --format json | cut -c1-80
"$MXTRACE" search --db "$DB" -t postmaster@bar.com | head -1
echo "== client by IP, relay by name, rejected"
"$MXTRACE" search --db "$DB" -c 203.0.113.66 | head -1
"$MXTRACE" search --db "$DB" --relay mx.example.org -h mx3 | head -1
"$MXTRACE" search --db "$DB" --status rejected | grep '^to:'
echo "== free text"
"$MXTRACE" search --db "$DB" --text greylisted | head -1
echo "== time window: one transaction active at 10:00"
"$MXTRACE" search --db "$DB" -d '2011-12-14 09:59' -D '2011-12-14 10:00:30' | grep '^transaction\|^date'
echo "== message-id with brackets"
"$MXTRACE" search --db "$DB" -i '<first@example.net>' | head -1
echo "== explain"
"$MXTRACE" search --db "$DB" -f EVE@example.net --explain >/dev/null
