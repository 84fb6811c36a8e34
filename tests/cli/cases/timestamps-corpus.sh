# The true instant of every line of real logs: DST in both directions and New Year
# (pmg-log-tracker), several offsets in one file, mixed styles (crowdsec), and the UTC offsets
# that Sendmail queue IDs reveal. Needs ../shared/corpus.
first() { "$MXTRACE" search --db "$1" -q "$2" --format json | grep -oE '"first_time":"[^"]*"'; }
times() { "$MXTRACE" search --db "$1" -q "$2" --format json | grep -oE '"time":"[^"]*"' | tr '\n' ' '; echo; }
yearline() { "$MXTRACE" info --db "$1" | grep -E '^    (year|timestamps):' | sed -E 's/last read [^,]*,//'; }
P="$CORPUS/pmg-log-tracker"
if [ ! -d "$P" ]; then echo "SKIP: $P not found"; exit 77; fi
if true; then
  echo "== pmg timechange (Europe/Vienna, 2021): DST starts, DST ends (02:58 -> 02:00), New Year"
  "$MXTRACE" index --db pmg --tz Europe/Vienna -y 2021 --retention 0 --quiet "$P/test_input_timechange"
  first pmg 3AA60B752      # Mar 28 01:53:05 CET
  first pmg B76CCB76D      # Mar 28 03:07:48 CEST
  times pmg 8D0041A173     # Oct 31 02:53:39, first pass (CEST); the reply quotes epoch 1635638019
  times pmg C9D5E1A1E6     # Oct 31 02:05:07, second pass (CET); the reply quotes epoch 1635642307
  first pmg 42EA826EA2     # Dec 31 23:59:59 CET, lines of Jan 01 interleaved
  echo "== pmg rfc3339_mixed: three offsets in one file"
  "$MXTRACE" index --db mixed --retention 0 --quiet "$P/test_input_time_rfc3339_mixed"
  "$MXTRACE" search --db mixed -r 10 --format json | grep -oE '"queue_id":"[^"]*","first_time":"[^"]*"'
  echo "== crowdsec: classic and RFC 3339 lines mixed; the year comes from the data"
  "$MXTRACE" index --db cs --retention 0 --quiet "$CORPUS/crowdsec-hub/postfix-logs/postfix-logs.log"
  yearline cs
  echo "== real Sendmail logs: the queue IDs reveal each host's UTC offset"
  "$MXTRACE" index --db jp --retention 0 --quiet - < "$CORPUS/fluent-plugin-sendmail/data" 2>&1 | sed 's/^/  /'
  "$MXTRACE" index --db jp2 --tz Asia/Tokyo --retention 0 --quiet - < "$CORPUS/fluent-plugin-sendmail/data"
  yearline jp2
  sed -E 's/^- [0-9]+ [0-9.]+ [^ ]+ //; s/ src@/ /' "$CORPUS"/loghub-thunderbird/*.log |
    "$MXTRACE" index --db tb --tz America/Denver --retention 0 --quiet -
  yearline tb
fi
