# Line identity (ARCHITECTURE.md "Line identity"): the same mail line read through two inputs is
# applied once (Debian's mail.log + syslog; a classic + an RFC 3339 copy of one log); identical
# lines inside one input stay distinct events; rsyslog's "message repeated N times: [ ... ]" is
# applied N times; a run killed while reading the second input still ends exact.
LOG="$FIXTURES/edge.log"
dump() { "$MXTRACE" search --db "$1" -r 100000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort; }
counts() { "$MXTRACE" index --db "$@" 2>&1 | grep -E '^(lines read| +(attributed|no queue ID|other programs|unparsed|read twice|repeats expanded)):'; }
echo "== one input"
counts one -y 2011 "$LOG"
dump one > one.json
echo "transactions: $(wc -l < one.json)"
echo "== mail.log + syslog (the same mail lines, and a cron line after every third)"
mkdir -p d && cp "$LOG" d/mail.log
awk '{print} NR % 3 == 0 {print substr($0, 1, 15) " mx2 CRON[9" NR "]: (root) CMD (run-parts /etc/cron.hourly)"}' "$LOG" > d/syslog
counts two -y 2011 d/mail.log d/syslog
dump two | cmp -s one.json - && echo "same transactions and attempts as one input"
echo "== syslog first, then mail.log, in two runs"
counts three -y 2011 d/syslog
counts three -y 2011 d/mail.log
dump three | cmp -s one.json - && echo "same transactions and attempts as one input"
echo "== a classic copy and an RFC 3339 copy (microseconds, UTC offset +02:00)"
awk 'BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", m, " "); for (i = 1; i <= 12; i++) mon[m[i]] = i }
     { split($3, t, ":"); h = t[1] + 2; day = $2 + 0; if (h >= 24) { h -= 24; day++ }
       rest = substr($0, 17); printf "2011-%02d-%02dT%02d:%s:%s.%06d+02:00 %s\n", mon[$1], day, h, t[2], t[3], NR * 7919 % 1000000, rest }' "$LOG" > d/rfc3339.log
head -1 d/rfc3339.log
counts four -y 2011 "$LOG" d/rfc3339.log
dump four | cmp -s one.json - && echo "same transactions and attempts as one input"
echo "== a partial overlap: lines 1-12 in one input, lines 8 to the end in another"
head -12 "$LOG" > d/first.log
tail -n +8 "$LOG" > d/second.log
counts five0 -y 2011 d/first.log d/second.log
dump five0 | cmp -s one.json - && echo "same transactions and attempts as one input"
echo "== identical lines inside one input stay distinct; the other input's copy adds nothing"
cat > d/rejects.log <<'L'
Dec 14 10:00:00 mx2 postfix/smtpd[300]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@example.org>: Relay access denied; from=<a@example.com> to=<spam@example.org> proto=ESMTP helo=<x>
Dec 14 10:00:00 mx2 postfix/smtpd[300]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@example.org>: Relay access denied; from=<a@example.com> to=<spam@example.org> proto=ESMTP helo=<x>
L
counts five -y 2011 d/rejects.log
head -1 d/rejects.log > d/rejects-copy.log
echo "-- a copy holding the line once: the larger count (2) stays"
counts five -y 2011 d/rejects-copy.log
{ echo "Dec 14 09:59:59 mx2 CRON[1]: (root) CMD (true)"; cat d/rejects.log
  echo "Dec 14 10:00:01 mx2 postfix/smtpd[300]: disconnect from unknown[203.0.113.9]"; cat d/rejects.log; } > d/rejects-copy2.log
echo "-- another input holding it four times (twice at 10:00:00, twice again later): two more"
counts five -y 2011 d/rejects-copy2.log
echo "== rsyslog: message repeated N times"
cat > d/repeat.log <<'L'
Dec 14 10:00:00 mx2 postfix/smtpd[300]: NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@example.org>: Relay access denied; from=<a@example.com> to=<spam@example.org> proto=ESMTP helo=<x>
Dec 14 10:00:30 mx2 postfix/smtpd[300]: message repeated 3 times: [ NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@example.org>: Relay access denied; from=<a@example.com> to=<spam@example.org> proto=ESMTP helo=<x>]
Dec 14 10:00:31 mx2 dovecot[301]: message repeated 2 times: [ imap-login: Disconnected]
L
counts six -y 2011 d/repeat.log 2>&1
echo "-- the same lines in another input (syslog, a cron line first): nothing added"
{ echo "Dec 14 09:59:59 mx2 CRON[1]: (root) CMD (true)"; cat d/repeat.log; } > d/repeat-syslog
counts six -y 2011 d/repeat-syslog 2>&1
echo "== message repeated: N over the limit (1000), out of range or malformed: listed as unparsed, not applied"
R='NOQUEUE: reject: RCPT from unknown[203.0.113.9]: 554 5.7.1 <spam@example.org>: Relay access denied; from=<a@example.com> to=<spam@example.org> proto=ESMTP helo=<x>'
cat > d/repeat-bad.log <<L
Dec 14 11:00:00 mx2 postfix/smtpd[300]: message repeated 1000 times: [ $R]
Dec 14 11:00:01 mx2 postfix/smtpd[300]: message repeated 1001 times: [ $R]
Dec 14 11:00:02 mx2 postfix/smtpd[300]: message repeated 1000000 times: [ $R]
Dec 14 11:00:03 mx2 postfix/smtpd[300]: message repeated 99999999999999999999999 times: [ $R]
Dec 14 11:00:04 mx2 postfix/smtpd[300]: message repeated 0 times: [ $R]
Dec 14 11:00:05 mx2 postfix/smtpd[300]: message repeated -3 times: [ $R]
Dec 14 11:00:06 mx2 postfix/smtpd[300]: message repeated +2 times: [ $R]
Dec 14 11:00:07 mx2 postfix/smtpd[300]: message repeated 1e9 times: [ $R]
Dec 14 11:00:08 mx2 postfix/smtpd[300]: message repeated 2 times: [ $R
Dec 14 11:00:09 mx2 postfix/smtpd[300]: message repeated 2 times: []
Dec 14 11:00:10 mx2 postfix/smtpd[300]: message repeated 2 times: [ ]
Dec 14 11:00:11 mx2 postfix/smtpd[300]: message repeated 2 times: [ message repeated 3 times: [ $R]]
Dec 14 11:00:12 mx2 dovecot[301]: message repeated 5000 times: [ imap-login: Disconnected]
L
"$MXTRACE" index --db seven -y 2011 --unparsed d/repeat-bad.unparsed d/repeat-bad.log 2>&1 |
  grep -E '^(lines read| +(attributed|no queue ID|other programs|unparsed|of them mail|repeats expanded)):'
sed -E 's/(\[ NOQUEUE: reject: RCPT from )[^]]*/\1.../' d/repeat-bad.unparsed
echo "reject records: $("$MXTRACE" search --db seven -r 100000 --status rejected --format csv --fields queue_id | tail -n +2 | wc -l)"
echo "== the same file read again (its fingerprint and line number): nothing added"
counts two -y 2011 d/mail.log d/syslog
echo "== killed while reading the second input, then run again"
export MXTRACE_COMMIT_LINES=7
for point in line:10 line:27 line:40 after-sqlite:3 after-xapian:5; do
  rm -rf run
  (MXTRACE_CRASH_AT=$point "$MXTRACE" index --db run --quiet -y 2011 d/mail.log d/syslog; echo "exit $?") 2>/dev/null
  "$MXTRACE" index --db run --quiet -y 2011 d/mail.log d/syslog
  if dump run | cmp -s one.json -; then echo "killed at $point: same as one input"; else echo "killed at $point: DIFFERENT"; fi
done
echo "== identical rejects in one second: one record per line, the same from one run, two runs, or two inputs"
R='Mar 14 10:01:01 mx1 postfix/smtpd[100]: NOQUEUE: reject: RCPT from unknown[203.0.113.8]: 550 5.1.1 <n@foo.com>: User unknown; from=<y@evil.com> to=<n@foo.com> proto=ESMTP helo=<evil>'
printf '%s\n%s\n' "$R" "$R" > r.log; touch -d 2026-04-01 r.log
"$MXTRACE" index --db rk1 --retention 0 --quiet r.log
printf '%s\n%s\n' "$R" "$R" >> r.log; touch -d 2026-04-01 r.log
"$MXTRACE" index --db rk1 --quiet r.log
echo "two runs over a growing file: $("$MXTRACE" search --db rk1 --format csv --fields queue_id | tail -n +2 | sort | tr -d '\r' | tr '\n' ' ')"
"$MXTRACE" index --db rk2 --retention 0 --quiet r.log
echo "one run over it: $("$MXTRACE" search --db rk2 --format csv --fields queue_id | tail -n +2 | sort | tr -d '\r' | tr '\n' ' ')"
printf '%s\n%s\n' "$R" "$R" > r2.log; printf '%s\n%s\n%s\n' "$R" "$R" "$R" > r3.log; touch -d 2026-04-01 r2.log r3.log
"$MXTRACE" index --db rk3 --retention 0 --quiet r2.log r3.log
"$MXTRACE" index --db rk4 --retention 0 --quiet r3.log r2.log
echo "inputs with 2 and 3 copies, either order: $("$MXTRACE" search --db rk3 --format csv --fields queue_id | tail -n +2 | wc -l) and $("$MXTRACE" search --db rk4 --format csv --fields queue_id | tail -n +2 | wc -l) records"
