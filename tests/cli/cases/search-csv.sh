# --format csv and --fields: RFC 4180 rows (one per attempt, CRLF), quoting of commas, quotes and
# escaped control characters, --fields with CSV and JSON, the field list of the man page, errors.
# CR is shown as <CR> in this file; every record must end in CRLF.
"$MXTRACE" index --db "$DB" -y 2011 --quiet "$EXAMPLES"/logs/smtp/maillog "$EXAMPLES"/logs/mx1/mail.log.1 \
  "$EXAMPLES"/logs/mx1/mail.log "$FIXTURES/csv.log"
cr() { sed 's/\r$/<CR>/'; }
echo "== the fixture: a comma, quotes, a control character, the null sender, no attempts"
"$MXTRACE" search --db "$DB" -h mx9 --format csv | cr
echo "== the man page's example"
"$MXTRACE" search --db "$DB" -q pBFERI8l019936 --format csv --fields host,queue_id,sender,recipient,status,relay | cr
echo "== --fields with csv, in the order given"
"$MXTRACE" search --db "$DB" -h mx9 --format csv --fields 'recipient, status,queue_id,text' | cr
echo "== --fields with transaction fields only: one row per transaction"
"$MXTRACE" search --db "$DB" -f bob@foo.com -h smtp -r 3 --format csv --fields queue_id,message_id,summary_status | cr
echo "== --fields with json"
"$MXTRACE" search --db "$DB" -h mx9 --format json --fields queue_id,recipient,client_ip,status,sender,client_name,summary_status
"$MXTRACE" search --db "$DB" -h mx9 --format json --fields queue_id
echo "== no match: the header only"
"$MXTRACE" search --db "$DB" -h nosuchhost --format csv --fields host,queue_id | cr
echo "exit ${PIPESTATUS[0]}"
echo "== the whole index, checked with python's csv module against the JSON"
"$MXTRACE" search --db "$DB" --format csv >all.csv
"$MXTRACE" search --db "$DB" --format json >all.jsonl
python3 "$FIXTURES/../csv_check.py" all.csv all.jsonl
echo "rows: $(($(wc -l <all.csv) - 1)), records not ending in CRLF: $(grep -vc $'\r$' all.csv)"
echo "== errors"
"$MXTRACE" search --db "$DB" --format csv --fields queue_id,nosuch; echo "exit $?"
"$MXTRACE" search --db "$DB" --format json --fields 'queue_id,,host'; echo "exit $?"
"$MXTRACE" search --db "$DB" --format csv --fields host,host; echo "exit $?"
"$MXTRACE" search --db "$DB" --fields host; echo "exit $?"
echo "== the man page lists exactly the fields the program knows"
known=$("$MXTRACE" search --db "$DB" --format csv --fields nosuch 2>&1 | sed -n 's/^mxtrace: hint: the fields are \([^ ]*\) .*/\1/p' | tr , '\n')
root=$(cd "$EXAMPLES/.." && pwd)
listed=$(awk '/^\.SS Fields/ {on=1; next} on && /^\.S[HS]/ {on=0} on && prev == ".TP" {print} {prev=$0}' "$root/man/mxtrace-search.1" |
  sed -E 's/^\.BR? //; s/"[^"]*"/ /g' | tr ' ' '\n' | grep -E '^[a-z_]+$')
diff <(sort <<<"$known") <(sort <<<"$listed") && echo "man page and program agree on $(wc -l <<<"$known") fields"
