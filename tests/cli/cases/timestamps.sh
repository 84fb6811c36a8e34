# The true instant of every line, on our own fixtures: year inference (flag, data, mtime, now),
# New Year, Feb 29, queue IDs that contradict -y or --tz. (The corpus part: timestamps-corpus.)
first() { "$MXTRACE" search --db "$1" -q "$2" --format json | grep -oE '"first_time":"[^"]*"'; }
times() { "$MXTRACE" search --db "$1" -q "$2" --format json | grep -oE '"time":"[^"]*"' | tr '\n' ' '; echo; }
yearline() { "$MXTRACE" info --db "$1" | grep -E '^    (year|timestamps):' | sed -E 's/last read [^,]*,//'; }
pf() { # pf "Mmm dd hh:mm:ss" QID: a whole Postfix transaction at that classic time
  printf '%s mx7 postfix/smtpd[1]: %s: client=c.example.net[192.0.2.9]\n' "$1" "$2"
  printf '%s mx7 postfix/qmgr[2]: %s: from=<a@example.net>, size=9, nrcpt=1 (queue active)\n' "$1" "$2"
  printf '%s mx7 postfix/smtp[3]: %s: to=<b@example.org>, relay=mx.example.org[203.0.113.5]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)\n' "$1" "$2"
  printf '%s mx7 postfix/qmgr[2]: %s: removed\n' "$1" "$2"
}
echo "== Feb 29, year from the file's mtime (2012-03-02)"
{ pf "Feb 28 23:00:00" AAAA000001; pf "Feb 29 12:00:00" AAAA000002; pf "Mar  1 01:00:00" AAAA000003; } > leap.log
touch -d '2012-03-02 00:00:00 UTC' leap.log
"$MXTRACE" index --db leap --tz UTC --retention 0 --quiet leap.log
for q in AAAA000001 AAAA000002 AAAA000003; do first leap $q; done
yearline leap
echo "== one file across two New Years (-y 2010)"
{ pf "Dec 30 10:00:00" BBBB000001; pf "Jan  2 10:00:00" BBBB000002; pf "Jun 15 10:00:00" BBBB000003
  pf "Dec 31 23:59:58" BBBB000004; pf "Jan  1 00:00:02" BBBB000005; } > twoyears.log
"$MXTRACE" index --db two --tz UTC -y 2010 --retention 0 --quiet twoyears.log
for q in BBBB000001 BBBB000002 BBBB000003 BBBB000004 BBBB000005; do first two $q; done
echo "== a gzipped rotated file of December whose mtime is in the next year"
{ pf "Dec 20 10:00:00" CCCC000001; pf "Dec 31 23:58:00" CCCC000002; } > dec.log
gzip -n dec.log && touch -d '2012-01-01 00:05:00 UTC' dec.log.gz
"$MXTRACE" index --db gz --tz UTC --retention 0 --quiet dec.log.gz
first gz CCCC000002
yearline gz
echo "== standard input at New Year (now = 2012-01-01 00:10 UTC): the year from the current date"
{ pf "Dec 31 23:59:00" DDDD000001; pf "Jan  1 00:05:00" DDDD000002; } |
  MXTRACE_NOW=2012-01-01T00:10:00Z "$MXTRACE" index --db stdin --tz UTC --retention 0 --quiet -
first stdin DDDD000001; first stdin DDDD000002
yearline stdin
echo "== a line from the future goes a year back (now = 2012-01-01)"
pf "Dec 30 10:00:00" EEEE000001 | MXTRACE_NOW=2012-01-01T00:10:00Z "$MXTRACE" index --db fut --tz UTC -y 2012 --retention 0 --quiet -
first fut EEEE000001
echo "== Sendmail: the queue IDs give the year (2011) although the file's mtime is recent"
"$MXTRACE" index --db sm --tz UTC --retention 0 --quiet "$EXAMPLES/logs/smtp/maillog"
first sm pBFERI8l019936
yearline sm
echo "== -y 2012 contradicts the queue IDs: warned, -y rules"
"$MXTRACE" index --db sm12 --tz UTC -y 2012 --retention 0 --quiet "$EXAMPLES/logs/smtp/maillog"
first sm12 pBFERI8l019936
echo "== --tz Europe/Berlin contradicts the queue IDs (the host logged UTC): warned"
"$MXTRACE" index --db smb --tz Europe/Berlin --retention 0 --quiet "$EXAMPLES/logs/smtp/maillog"
yearline smb
echo "== -y resumes: a grown file keeps its year"
head -n 50 "$EXAMPLES/logs/smtp/maillog" > grow.log
"$MXTRACE" index --db grow --tz UTC --retention 0 --quiet grow.log
sed -n '51,$p' "$EXAMPLES/logs/smtp/maillog" >> grow.log
touch -d '2030-01-01' grow.log
"$MXTRACE" index --db grow --tz UTC --retention 0 --quiet grow.log
first grow pBHEnNlo025982
