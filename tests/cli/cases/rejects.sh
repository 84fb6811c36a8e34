# Pre-queue rejects as records (tests/cli/fixtures/rejects.log, rejects-exim-mainlog): Postfix
# NOQUEUE reject at CONNECT, EHLO, MAIL, RCPT, DATA (submission), END-OF-MESSAGE, VRFY, a
# milter-reject, postscreen's reject (its PREGREET/DNSBL verdicts are counted, not records), Exim
# rejected RCPT/connection/EHLO/MAIL/after DATA. Each line is one record (a burst is not
# collapsed), found by --status rejected, -f, -t, --client, status:rejected; re-reading adds none.
echo "== index"
"$MXTRACE" index --db "$DB" --retention 0 -y 2024 "$FIXTURES/rejects.log" 2>&1; echo "exit $?"
"$MXTRACE" index --db "$DB" --retention 0 --host mx2 "$FIXTURES/rejects-exim-mainlog" 2>&1; echo "exit $?"
echo "== search --status rejected"
"$MXTRACE" search --db "$DB" --status rejected --utc; echo "exit $?"
echo "== csv"
"$MXTRACE" search --db "$DB" --status rejected --format csv --fields host,mta,queue_id,client_name,client_ip,sender,recipient,status,dsn,text
echo "== -f, -t, --client, query language"
"$MXTRACE" search --db "$DB" --status rejected -f x@example.net --format csv --fields host,queue_id,recipient
"$MXTRACE" search --db "$DB" -t bob@bar.com --status rejected --format csv --fields host,queue_id,sender
"$MXTRACE" search --db "$DB" --client 198.51.100.66 --format csv --fields host,mta,client_name,text
"$MXTRACE" search --db "$DB" 'status:rejected AND mta:exim' --format csv --fields host,queue_id,client_ip
echo "== json"
"$MXTRACE" search --db "$DB" --status rejected -c 198.51.100.99 --format json
echo "== show one"
q=$("$MXTRACE" search --db "$DB" --status rejected --client 203.0.113.14 --format csv --fields queue_id | tail -1 | tr -d "\r")
"$MXTRACE" show --db "$DB" "$q" --utc; echo "exit $?"
echo "== raw evidence"
"$MXTRACE" search --db "$DB" --status rejected --client 203.0.113.20 --raw
echo "== reading both again: no new records"
"$MXTRACE" index --db "$DB" --retention 0 --full -y 2024 "$FIXTURES/rejects.log" 2>&1 | grep -E 'reject records'
"$MXTRACE" index --db "$DB" --retention 0 --full --host mx2 "$FIXTURES/rejects-exim-mainlog" 2>&1 | grep -E 'reject records'
"$MXTRACE" search --db "$DB" --status rejected --format csv --fields queue_id | tail -n +2 | wc -l
"$MXTRACE" info --db "$DB" | grep -E "^(transactions|  reject records)"
echo "== HELO and SMTP code fields"
"$MXTRACE" search --db "$DB" 'code:554' --format csv --fields queue_id,client_ip
"$MXTRACE" search --db "$DB" 'helo:pc13 OR helo:localhost' --format csv --fields host,queue_id,client_ip
echo "== retry-after-reject: greylisted, accepted 5 minutes later from the same /24; the same tree from either end"
"$MXTRACE" trace --db "$DB" 4F1A2B3C4D --utc
q=$("$MXTRACE" search --db "$DB" --status rejected -f alice@example.com --format csv --fields queue_id | tail -1 | tr -d "\r")
"$MXTRACE" trace --db "$DB" "$q" --utc > t2.txt
"$MXTRACE" trace --db "$DB" 4F1A2B3C4D --utc | cmp -s - t2.txt && echo "same tree from the reject"
echo "== --reject-window 60s: no link"
"$MXTRACE" trace --db "$DB" 4F1A2B3C4D --utc --reject-window 60s | grep -c rejected-before
"$MXTRACE" trace --db "$DB" 4F1A2B3C4D --reject-window 1y; echo "exit $?"
echo "== Exim's reject log after its main log: each reject once, the header copies counted, a stray line unparsed"
before=$("$MXTRACE" search --db "$DB" -r 1000000 --format csv --fields queue_id -h mx2 | wc -l)
"$MXTRACE" index --db "$DB" --retention 0 --host mx2 --unparsed rl-unparsed.txt "$FIXTURES/rejects-exim-rejectlog" 2>&1; echo "exit $?"
after=$("$MXTRACE" search --db "$DB" -r 1000000 --format csv --fields queue_id -h mx2 | wc -l)
echo "mx2 records before: $before, after: $after"
cat rl-unparsed.txt
echo "== NOQUEUE rejects cut short are unparsed mail lines, not empty reject records"
cat > cut.log <<'L'
2024-03-21T10:00:00+00:00 mx3 postfix/smtpd[700]: NOQUEUE: reject: RCPT from
2024-03-21T10:00:01+00:00 mx3 postfix/smtpd[700]: NOQUEUE: reject:
2024-03-21T10:00:02+00:00 mx3 postfix/smtpd[700]: NOQUEUE: milter-reject: RCPT from a.example.org[192.0.2.7]:
2024-03-21T10:00:03+00:00 mx3 postfix/smtpd[700]: NOQUEUE: reject: RCPT from a[b].example.org[192.0.2.25]: 554 5.7.1 <x@example.net>: Relay access denied; from=<a@example.com> to=<x@example.net> proto=ESMTP helo=<h>
2024-03-21T10:00:04+00:00 mx3 postfix/smtpd[700]: 4F9D3C2B1A: client=a[b].example.org[192.0.2.26]
2024-03-21T10:00:05+00:00 mx3 postfix/smtpd[700]: 4F9D3C2B1B: client=odd[name].example.org
2024-03-21T10:00:06+00:00 mx3 postfix/smtpd[700]: 4F9D3C2B1C: client=v6.example.org[2001:db8::1]:2525
L
"$MXTRACE" index --db "$WORK/cut" --retention 0 --unparsed cut.unparsed cut.log 2>&1 | grep -E '^( +(no queue ID|unparsed|of them mail|reject records)):'
cat cut.unparsed
"$MXTRACE" search --db "$WORK/cut" --format csv --fields queue_id,client_name,client_ip,status,code | sed -E "s/NOQUEUE-[0-9a-f]+/NOQUEUE-HASH/" | sort
