# mxtrace info inputs: the SHA-256 of what was read equals sha256sum of the file (of zcat of a .gz), also when the
# file was read in three runs, and of the bytes before an unfinished last line (which is not read yet)
SRC="$EXAMPLES/logs/mx1/mail.log.1"
sha_of() { "$MXTRACE" info --db "$1" inputs | awk -v p="$2" '$0 == p {on=1; next} on && /sha256:/ {print $2; exit}'; }
check() { # DB PATH EXPECTED_SHA what
  got=$(sha_of "$1" "$2")
  if [ "$got" = "$3" ]; then echo "$4: same SHA-256"; else echo "$4: DIFFERENT: info says '$got', expected $3"; fi
}
echo "== one run"
cp "$SRC" whole.log
"$MXTRACE" index --db one --quiet whole.log
"$MXTRACE" info --db one inputs | sed -E 's/last [0-9T:.Z-]+$/last TIME/'
check one whole.log "$(sha256sum < whole.log | cut -d' ' -f1)" "whole file, one run"
echo "== the same file read in three runs (100 lines, 150 more, the rest)"
head -n 100 "$SRC" > grow.log
"$MXTRACE" index --db three --quiet grow.log
check three grow.log "$(sha256sum < grow.log | cut -d' ' -f1)" "after run 1"
sed -n '101,250p' "$SRC" >> grow.log
"$MXTRACE" index --db three --quiet grow.log
check three grow.log "$(sha256sum < grow.log | cut -d' ' -f1)" "after run 2"
sed -n '251,$p' "$SRC" >> grow.log
"$MXTRACE" index --db three --quiet grow.log
check three grow.log "$(sha256sum < "$SRC" | cut -d' ' -f1)" "after run 3 (the whole file)"
"$MXTRACE" info --db three inputs | grep -E '^  read:' | sed -E 's/last [0-9T:.Z-]+$/last TIME/'
echo "== rotated and compressed: nothing new, the hash stays"
mv grow.log grow.log.1 && gzip -n grow.log.1
"$MXTRACE" index --db three --quiet grow.log.1.gz
check three grow.log.1.gz "$(zcat grow.log.1.gz | sha256sum | cut -d' ' -f1)" "grow.log.1.gz (zcat)"
echo "== a .gz read on its own"
gzip -nc "$EXAMPLES/logs/smtp/maillog" > maillog.gz
"$MXTRACE" index --db gz --quiet maillog.gz
check gz maillog.gz "$(zcat maillog.gz | sha256sum | cut -d' ' -f1)" "maillog.gz (zcat)"
echo "== 100 lines read from a plain file, the rest from its compressed copy (the hash goes on from the saved state)"
head -n 100 "$SRC" > mix.log
"$MXTRACE" index --db mix --quiet mix.log
gzip -nc "$SRC" > mix.log.1.gz
"$MXTRACE" index --db mix --quiet mix.log.1.gz
check mix mix.log.1.gz "$(zcat mix.log.1.gz | sha256sum | cut -d' ' -f1)" "mix.log.1.gz (zcat)"
echo "== an unfinished last line is not read: the hash is of the bytes before it"
head -n 50 "$SRC" > part.log
printf '2011-12-17T00:00:00+00:00 mx1 postfix/qmgr[1]: unfinished' >> part.log
"$MXTRACE" index --db part --quiet part.log
check part part.log "$(head -n 50 "$SRC" | sha256sum | cut -d' ' -f1)" "50 complete lines"
echo "== --full reads again from the start: the same hash"
"$MXTRACE" index --db one --quiet --full whole.log
check one whole.log "$(sha256sum < whole.log | cut -d' ' -f1)" "after --full"
"$MXTRACE" info --db one bogus; echo "exit $?"
