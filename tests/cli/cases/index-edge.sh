# every kind of line in one file: accounting summary and the unparsed listing
"$MXTRACE" index --db "$DB" -y 2011 --unparsed unparsed.txt "$FIXTURES/edge.log"
echo "exit $?"
cat unparsed.txt
