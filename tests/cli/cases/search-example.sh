# The README's example: the bundled sample logs, then the classic search.
"$MXTRACE" index --db "$DB" -y 2011 "$EXAMPLES"/logs/smtp/maillog "$EXAMPLES"/logs/mx1/mail.log.1 "$EXAMPLES"/logs/mx1/mail.log \
  "$EXAMPLES"/logs/mx2/mail.log "$EXAMPLES"/logs/hub/maillog
"$MXTRACE" search --db "$DB" -f bob@foo.com -d '2011-12-15 00:00:00' -D '2011-12-17 00:00:00' -h smtp -r 10
echo "exit $?"
echo "== the same message on mx1, found by its Message-ID"
"$MXTRACE" search --db "$DB" -i 4EEA0352.6020508@foo.com --utc
echo "== deferred then sent (Sendmail), in local time of another zone"
TZ=America/New_York "$MXTRACE" search --db "$DB" -q pBE8FUjJ016161 | grep -E '^(date|to):' | sed -n '1,3p;$p'
echo "== expired on mx1, across the two files"
"$MXTRACE" search --db "$DB" --status expired --format json
echo "== bounces"
"$MXTRACE" search --db "$DB" --status bounced | grep -E '^(transaction|host):'
