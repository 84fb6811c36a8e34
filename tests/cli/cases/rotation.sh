# logrotate: rename (mail.log -> mail.log.1 -> mail.log.2.gz), a new empty mail.log,
# copytruncate, inputs given newest first. Nothing is read twice, nothing is missed.
M1="$EXAMPLES/logs/mx1/mail.log.1" M0="$EXAMPLES/logs/mx1/mail.log"
ix() { "$MXTRACE" index --db "$DB" --tz UTC -y 2011 "$@" 2>&1 | grep -E 'lines read|already|transactions added|warning' ; }
dump() { "$MXTRACE" search --db "$1" -r 1000000 --format json | sed -E 's/^\{"id":[0-9]+,/{/' | sort; }
"$MXTRACE" index --db ref --tz UTC -y 2011 --quiet "$M1" "$M0"
mkdir logs && cd logs
echo "== mail.log holds 300 lines"
head -n 300 "$M1" > mail.log
ix mail.log
echo "== 99 more lines, then rotation by rename; the new mail.log gets 50 lines"
sed -n '301,$p' "$M1" >> mail.log
mv mail.log mail.log.1
head -n 50 "$M0" > mail.log
ix mail.log mail.log.1
echo "== rotation with compression; a new empty mail.log"
mv mail.log.1 mail.log.2 && gzip -n mail.log.2
mv mail.log mail.log.1
: > mail.log
ix mail.log mail.log.1 mail.log.2.gz
echo "== 50 lines into mail.log, then copytruncate (mail.log copied to mail.log.1, then emptied)"
sed -n '51,100p' "$M0" >> mail.log
ix mail.log mail.log.1 mail.log.2.gz
mv mail.log.2.gz mail.log.3.gz
mv mail.log.1 mail.log.2 && gzip -n mail.log.2
cp mail.log mail.log.1 && : > mail.log
sed -n '101,$p' "$M0" >> mail.log
ix mail.log mail.log.1 mail.log.2.gz mail.log.3.gz
cd ..
dump "$DB" > a; dump ref > b
cmp a b && echo "same transactions as one run over both original files"
"$MXTRACE" info --db "$DB" | grep -E '^inputs:'
# the raw lines: each original line is kept once, however many rotated copies held it (line numbers and fingerprints
# differ where the copytruncate'd mail.log restarted, so the texts are compared)
rawtexts() { "$MXTRACE" search --db "$1" -r 1000000 --format json --raw | grep -oE '"fingerprint":"[^"]*","text":"([^"\\]|\\.)*"' | sed 's/^"fingerprint":"[^"]*",//' | sort; }
rawtexts "$DB" > ra; rawtexts ref > rb
echo "raw lines: $(wc -l < ra) after the rotations, $(wc -l < rb) from one run; duplicates: $(uniq -d ra | wc -l)"
cmp ra rb && echo "the same raw lines"
