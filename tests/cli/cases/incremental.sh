# Checkpoints: a growing file is read on from where the last run stopped; a message deferred in
# one run and delivered in a later one is one transaction; a partial last line waits; overlapping
# pieces and a transaction split over two files (read in either order) give the one-shot result.
S="$EXAMPLES/logs/smtp/maillog"
ix() { "$MXTRACE" index --tz UTC -y 2011 "$@" 2>&1 | grep -E 'lines read|already|left for|transactions added|pieces' ; }
dump() { "$MXTRACE" search --db "$1" -r 1000000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort; }
"$MXTRACE" index --db ref --tz UTC -y 2011 --quiet "$S" "$EXAMPLES"/logs/mx1/mail.log.1 "$EXAMPLES"/logs/mx1/mail.log
echo "== grown file: 100 lines, then 130 more and half a line, then the rest"
head -n 100 "$S" > maillog
ix --db "$DB" maillog
sed -n '101,230p' "$S" >> maillog
sed -n '231p' "$S" | head -c 40 >> maillog
ix --db "$DB" maillog
sed -n '231p' "$S" | tail -c +41 >> maillog
sed -n '232,$p' "$S" >> maillog
ix --db "$DB" maillog
echo "== the deferred-then-sent message, deferred in the first run, delivered in the second"
"$MXTRACE" search --db "$DB" -q pBE8FUjJ016161 --format json | grep -o '"status":"[a-z]*"' | uniq -c
echo "== mx1's expired message starts in mail.log.1 and ends in mail.log: newer file first, older one later"
ix --db "$DB" "$EXAMPLES"/logs/mx1/mail.log
"$MXTRACE" search --db "$DB" -q 3F03C2CAB5F | grep -cE '^transaction'
ix --db "$DB" "$EXAMPLES"/logs/mx1/mail.log.1
"$MXTRACE" search --db "$DB" -q 3F03C2CAB5F | grep -E '^(transaction|from|msgid|date):'
dump "$DB" > a; dump ref > b
cmp a b && echo "same transactions as one run over all files"
echo "== overlapping pieces: lines 1-150 and 80-239 as two files"
head -n 150 "$S" > p1; sed -n '80,$p' "$S" > p2
ix --db ov p1; ix --db ov p2
"$MXTRACE" index --db one --tz UTC -y 2011 --quiet "$S"
dump ov > a; dump one > b
cmp a b && echo "same transactions as one run over the whole file"
echo "== a commit after every line: Sendmail DSN lines after completion stay with their message"
MXTRACE_COMMIT_LINES=1 "$MXTRACE" index --db c1 --tz UTC --quiet "$S" "$EXAMPLES"/logs/mx1/mail.log.1 "$EXAMPLES"/logs/mx1/mail.log
dump c1 > a; dump ref > b
cmp a b && echo "same transactions as with the usual commits"
echo "== a file of 10 bytes, then another whose content starts the same: each keeps its own checkpoint"
mkdir -p sa sb
head -c 10 "$EXAMPLES/logs/mx1/mail.log.1" > sa/mail.log
cp "$EXAMPLES/logs/mx1/mail.log.1" sb/mail.log
"$MXTRACE" index --db tiny --tz UTC --quiet sa/mail.log sb/mail.log
{ head -n 1 "$EXAMPLES/logs/mx1/mail.log.1"; cat "$EXAMPLES/logs/mx1/mail.log"; } > sa/mail.log
"$MXTRACE" index --db tiny --tz UTC sa/mail.log sb/mail.log 2>&1 | grep -E 'lines read|already'
