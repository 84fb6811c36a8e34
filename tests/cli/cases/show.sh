# mxtrace show: a queue ID reused on one host and logged by two hosts (all shown, newest first, and said so),
# host:QID, the raw lines escaped (a Message-ID with an escape sequence and a bell) and --verbatim byte for byte,
# JSON, errors, and the paths of the lines following a rotation
"$MXTRACE" index --db "$DB" -y 2011 --tz UTC --quiet "$FIXTURES/edge.log"
echo "== show ABCDEF0123"
"$MXTRACE" show --db "$DB" --utc ABCDEF0123; echo "exit $?"
echo "== show mx3:ABCDEF0123 --format json"
"$MXTRACE" show --db "$DB" --format json mx3:ABCDEF0123; echo "exit $?"
echo "== --verbatim writes the line's bytes: the same as in the file (ESC and BEL included)"
"$MXTRACE" show --db "$DB" --utc --verbatim mx2:ABCDEF0123 | grep -a 'message-id=<evil' | cut -d: -f3- | sed 's/^ //' > verbatim.out
grep -a 'message-id=<evil' "$FIXTURES/edge.log" > original.out
cmp verbatim.out original.out && echo "identical, $(wc -c < verbatim.out) bytes; control bytes: $(tr -d '[:print:]\n' < verbatim.out | od -An -c)"
echo "== errors"
"$MXTRACE" show --db "$DB" NOSUCHQID; echo "exit $?"
"$MXTRACE" show --db "$DB" mx9:ABCDEF0123; echo "exit $?"
"$MXTRACE" show --db "$DB" :ABCDEF0123; echo "exit $?"
"$MXTRACE" show --db "$DB" --verbatim --format json ABCDEF0123; echo "exit $?"
"$MXTRACE" show --db nodb ABCDEF0123; echo "exit $?"
echo "== rotation: mail.log -> mail.log.1 -> mail.log.2.gz; the lines keep their line numbers and show the path last seen"
mkdir logs && cd logs
cp "$EXAMPLES/logs/mx1/mail.log" mail.log
"$MXTRACE" index --db rot --quiet mail.log
"$MXTRACE" show --db rot 382413987C | grep '^mail'
mv mail.log mail.log.1
"$MXTRACE" index --db rot --quiet mail.log.1
"$MXTRACE" show --db rot 382413987C | grep '^mail'
mv mail.log.1 mail.log.2 && gzip -n mail.log.2
"$MXTRACE" index --db rot --quiet mail.log.2.gz
"$MXTRACE" show --db rot 382413987C | grep '^mail'
"$MXTRACE" index --db rot --quiet --full mail.log.2.gz
echo "after --full: $("$MXTRACE" show --db rot 382413987C | grep -c '^mail') lines"
cd ..
echo "== search --raw"
"$MXTRACE" index --db ex --quiet --tz UTC "$EXAMPLES/logs/smtp/maillog" "$EXAMPLES/logs/mx1/mail.log.1" "$EXAMPLES/logs/mx1/mail.log"
"$MXTRACE" search --db ex --utc -f bob@foo.com -i 4EEB083B.9180226@foo.com --raw
echo "== search --raw --format json"
"$MXTRACE" search --db ex -q 382413987C --raw --format json
echo "== search --verbatim --format json"
"$MXTRACE" search --db ex -q 382413987C --verbatim --format json; echo "exit $?"
