# DONE-WHEN of issue 10: every Postfix NOQUEUE reject of ../shared/corpus/postfix-logsums/mail.log.gz
# is a record that `search --status rejected` lists. The count is taken from the raw lines
# independently (zcat | grep) and compared; the Exim corpus rejects (crowdsec, fail2ban) too.
if [ ! -d "$CORPUS" ]; then
  echo "SKIP: $CORPUS not found (the shared corpus sits beside the repository)"
  exit 77
fi
L=$CORPUS/postfix-logsums/mail.log.gz
want=$(zcat "$L" | grep -cE 'postfix/[^ ]*\[[0-9]+\]: NOQUEUE: (milter-)?reject: ')
"$MXTRACE" index --db "$DB" --retention 0 "$L" > /dev/null 2>&1; echo "index exit $?"
# every NOQUEUE reject line must be the evidence of a rejected record: compare the sets of lines
zcat "$L" | grep -E 'postfix/[^ ]*\[[0-9]+\]: NOQUEUE: (milter-)?reject: ' | sort > want.txt
"$MXTRACE" search --db "$DB" --status rejected -r 100000 --raw --format json 2>/dev/null |
  grep -oE '"text":"[^"]*NOQUEUE: (milter-)?reject: [^"]*"' | sed 's/^"text":"//; s/"$//' | sort > got.txt
got=$(wc -l < got.txt)
echo "NOQUEUE rejects in the raw lines: $want; in the evidence of rejected records: $got"
[ "$want" -gt 0 ] && cmp -s want.txt got.txt && echo "postfix-logsums: every NOQUEUE reject is a record, line for line"
echo "== one of them"
"$MXTRACE" search --db "$DB" --status rejected --format csv --fields host,client_ip,sender,recipient,dsn 2>/dev/null | head -4
echo "== Exim samples"
for f in crowdsec-hub/exim-logs/exim-logs.log crowdsec-hub/exim-spam/exim-spam.log; do
  want=$(grep -cE ' rejected (RCPT|MAIL|after DATA|connection|EHLO|HELO|DATA|VRFY|ETRN|AUTH|after BDAT|by local_scan)' "$CORPUS/$f")
  "$MXTRACE" index --db "$WORK/x-$$" --retention 0 --host ex "$CORPUS/$f" > /dev/null 2>&1
  got=$("$MXTRACE" search --db "$WORK/x-$$" --status rejected -r 100000 --format csv --fields queue_id 2>/dev/null | tail -n +2 | wc -l)
  echo "$f: reject lines $want, reject records $got"
  rm -rf "$WORK/x-$$"
done
