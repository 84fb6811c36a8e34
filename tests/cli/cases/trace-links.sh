# Hop links on fixtures: a link by queue ID where the relay name is not the next host's syslog name,
# one by queue ID and time alone, hosts' clocks that disagree (flagged, not clamped), a Message-ID
# re-used by an unrelated message, a hop linked by Message-ID where the reply names no queue ID, a queued-as ID with two candidates, a hop whose logs are missing.
# Then: the hosts indexed in either order, in one run or separate runs, give the same traces.
F="$FIXTURES/trace"
"$MXTRACE" index --db "$DB" --quiet "$F"/gw.log "$F"/inbox.log "$F"/other.log
for k in same@example.com 5E6F708192 708192A3B4 92A3B4C5D6 A4B5C6D7E8 inbox:D6E7F8091A; do
  echo "== trace $k"
  "$MXTRACE" trace --db "$DB" --utc "$k"
done
echo "== JSON of the flagged hop"
"$MXTRACE" trace --db "$DB" --format json 6F708192A3 | grep -o '"delay_seconds":[^,]*,"delay_flagged":[a-z]*'
echo "== log content is escaped in every format"
printf '2011-12-16T16:00:00.000100+00:00 evil postfix/smtpd[1]: 0000112233: client=x\033]0;pwn\007.example[192.0.2.9]\n2011-12-16T16:00:00.100000+00:00 evil postfix/cleanup[2]: 0000112233: message-id=<e\033[2J@x>\n2011-12-16T16:00:01.000000+00:00 evil postfix/smtp[3]: 0000112233: to=<a@b>, relay=r\033[31m.example[192.0.2.8]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok \033[1m queued as 99AABBCCDD)\n' > evil.log
"$MXTRACE" index --db evil --quiet evil.log
for f in text json dot; do "$MXTRACE" trace --db evil --format $f 0000112233 > out.$f; done
grep -c $'\033' out.text out.json out.dot
grep -o 'queued as 99AABBCCDD' out.text | head -1
echo "== order and runs do not matter"
"$MXTRACE" index --db rev --quiet "$F"/other.log "$F"/inbox.log "$F"/gw.log
"$MXTRACE" index --db sep --quiet "$F"/inbox.log
"$MXTRACE" index --db sep --quiet "$F"/other.log
"$MXTRACE" index --db sep --quiet "$F"/gw.log
L="$EXAMPLES/logs"
"$MXTRACE" index --db s1 --tz UTC --quiet "$L"/smtp/maillog "$L"/mx1/mail.log.1 "$L"/mx1/mail.log "$L"/mx2/mail.log "$L"/hub/maillog
"$MXTRACE" index --db s2 --tz UTC --quiet "$L"/hub/maillog
"$MXTRACE" index --db s2 --tz UTC --quiet "$L"/mx2/mail.log "$L"/mx1/mail.log.1
"$MXTRACE" index --db s2 --tz UTC --quiet "$L"/mx1/mail.log
"$MXTRACE" index --db s2 --tz UTC --quiet "$L"/smtp/maillog
all() { "$MXTRACE" trace --db "$1" --format json -r 100000 -d 2000-01-01 | sed 's/"id":[0-9]*,//g' | sort; }
all "$DB" > a; all rev > b; all sep > c; all s1 > d; all s2 > e
wc -l < a; wc -l < d
cmp a b && cmp a c && echo "fixtures: same traces in every order"
cmp d e && echo "sample: same traces in every order"
