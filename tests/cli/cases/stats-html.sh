# mxtrace stats --html over the bundled sample chain (Postfix, Sendmail, Exim): the file is made
# 0600, is the same bytes on standard output and from run to run, holds no external src/href and
# no script; then headless Chromium renders it to a PNG (not blank: the traffic chart's bars are
# there in their colours) and to a PDF whose text (pdftotext) holds every total that
# `stats --format json` gives. The PNG, the PDF and the HTML are kept in the build directory
# (tests/artifacts/, $MXTRACE_ARTIFACTS) and their paths printed by run_case.sh.
CH=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$CH" ]; then
  echo "SKIP: chromium not found (scripts/deps installs it: apt-get install chromium poppler-utils)"
  exit 77
fi
if ! command -v pdftotext >/dev/null; then
  echo "pdftotext not found: install poppler-utils (scripts/deps does)"
  exit 1
fi
L="$EXAMPLES/logs"
"$MXTRACE" index --db "$DB" --tz UTC --retention 0 --quiet "$L"/smtp/maillog "$L"/mx1/mail.log.1 "$L"/mx1/mail.log \
  "$L"/mx2/mail.log "$L"/hub/maillog --host-for '*/logs/out/mainlog=out' "$L"/out/mainlog
echo "== --format/--table give way; a write error"
"$MXTRACE" stats --db "$DB" --html - --format csv --table nosuch > both.html
echo "--html replaces --format and --table: exit $?"
head -1 both.html
"$MXTRACE" stats --db "$DB" --html "$WORK/no/such/dir/r.html"
echo "exit $?"
echo "== the report: 0600, deterministic, the same on standard output"
umask 022
"$MXTRACE" stats --db "$DB" --utc --html report.html
echo "exit $?"
stat -c '%a %n' report.html
: > old.html
chmod 644 old.html
"$MXTRACE" stats --db "$DB" --utc --html old.html
stat -c '%a %n (existed 644)' old.html
cmp report.html old.html && echo "second run: same bytes"
"$MXTRACE" stats --db "$DB" --utc --html - > stdout.html
cmp report.html stdout.html && echo "--html -: same bytes on standard output"
echo "== self-contained: tags with src/href/on*= attributes, script, url(), @import"
grep -Eic '<[^>]*[[:space:]](src|href|xlink:href|action|on[a-z]+)[[:space:]]*=' report.html
grep -Eic '<script|url\(|@import|<link|<iframe|<object|<embed' report.html
echo "== log text escaped (the fixture's reply with an ESC byte)"
"$MXTRACE" index --db "$WORK/db2" -y 2011 --retention 0 --quiet "$FIXTURES/stats.log"
"$MXTRACE" stats --db "$WORK/db2" --utc --html fixture.html
echo "ESC bytes in the page: $(grep -c $'\x1b' fixture.html)"
grep -o '<td class="t">[^<]*\\x1b[^<]*</td>' fixture.html | head -2
echo "== hostile log text (a sender and a bounce reply written as markup) stays text"
"$MXTRACE" index --db "$WORK/db3" -y 2011 --retention 0 --quiet "$FIXTURES/stats-hostile.log"
"$MXTRACE" stats --db "$WORK/db3" --utc --html hostile.html
echo "tags <script or <img: $(grep -Eic '<script|<img' hostile.html)"
echo "tags with src/href/on*=: $(grep -Eic '<[^>]*[[:space:]](src|href|on[a-z]+)[[:space:]]*=' hostile.html)"
grep -o '<td class="t">[^<]*\(script\|img\)[^<]*</td>' hostile.html
echo "== structure: headings and charts"
grep -o '<h[123]>[^<]*' report.html | sed 's/<h\([123]\)>/h\1 /'
grep -o 'aria-label="[^"]*"' report.html
echo "== one day is drawn per hour (-h mx2)"
"$MXTRACE" stats --db "$DB" --utc -h mx2 --html mx2.html
grep -o '<h2>Traffic[^<]*\|Hosts: [^<]*' mx2.html
echo "== nothing matches: an empty report, exit 1"
"$MXTRACE" stats --db "$DB" -h nosuchhost --html none.html
echo "exit $?"
grep -o '<h1>[^<]*\|Hosts: [^<]*' none.html
echo "== rendered by headless Chromium"
"$MXTRACE" stats --db "$DB" --format json > stats.json
mkdir -p home
run_chromium() {
  HOME="$WORK/home" timeout 120 "$CH" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$WORK/chromium-profile" --no-first-run --hide-scrollbars "$@" >>chromium.log 2>&1
}
run_chromium --screenshot="$WORK/report.png" --window-size=1200,1600 "file://$WORK/report.html"
echo "png: chromium exit $?"
run_chromium --no-pdf-header-footer --print-to-pdf-no-header --print-to-pdf="$WORK/report.pdf" "file://$WORK/report.html"
echo "pdf: chromium exit $?"
if [ ! -s report.png ] || [ ! -s report.pdf ]; then
  echo "chromium wrote no PNG or no PDF; its output:"
  cat chromium.log
  exit 1
fi
python3 - <<'PY'
import struct, zlib
# PNG decoding with the standard library only: IHDR, IDAT chunks, scanline filters (RFC 2083)
data = open("report.png", "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat = 8, b""
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
assert depth == 8 and ctype in (2, 6), f"unexpected PNG depth {depth} colour type {ctype}"
bpp = 3 if ctype == 2 else 4
raw, stride = zlib.decompress(idat), w * bpp
rows, prev, i = [], bytearray(stride), 0
for y in range(h):
    f, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
    i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b, c = prev[x], prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    rows.append(bytes(line))
    prev = line
px = lambda x, y: tuple(rows[y][x * bpp:x * bpp + 3])
print(f"png: {w}x{h}")
# the plot area, found in the picture itself: the traffic chart's bars are the first runs of the
# delivered colour (#009E73) 30 px wide or more (the cards above have only a thin border of it)
def near(p, q): return all(abs(p[k] - q[k]) <= 6 for k in range(3))
colours = {"delivered": (0x00, 0x9E, 0x73), "deferred": (0xE6, 0x9F, 0x00), "rejected": (0xCC, 0x79, 0xA7)}
def runs(y, c, least):
    out, start = [], None
    for x in range(w + 1):
        if x < w and near(px(x, y), c):
            start = x if start is None else start
        elif start is not None:
            if x - start >= least: out.append((start, x))
            start = None
    return out
top = next((y for y in range(h) if runs(y, colours["delivered"], 30)), None)
assert top is not None, "no bar of the delivered colour: blank or unstyled render"
# the band of the bars: from 150 px above the first green run down to the last row with one
rows_with = [y for y in range(top, min(h, top + 320)) if runs(y, colours["delivered"], 30)]
y0, y1 = max(0, top - 150), rows_with[-1]
# stop before the next chart: a gap of 20 rows without green ends the band
for a, b in zip(rows_with, rows_with[1:]):
    if b - a > 20:
        y1 = a
        break
spans = [r for y in (top, y1) for r in runs(y, colours["delivered"], 30)]
x0, x1 = min(r[0] for r in spans), max(r[1] for r in spans)
seen = {px(x, y) for y in range(y0, y1 + 1) for x in range(x0, x1)}
print("plot area: more than one colour:", "yes" if len(seen) > 1 else "NO")
for name, c in colours.items():
    hit = any(runs(y, c, 20) for y in range(y0, y1 + 1, 2))
    print(f"plot area: a bar of the {name} colour:", "yes" if hit else "NO")
PY
python3 - <<'PY'
import json, re, subprocess
text = subprocess.run(["pdftotext", "-layout", "report.pdf", "-"], capture_output=True, text=True, check=True).stdout
st = json.load(open("stats.json"))
missing = []
for row in st["tables"]["summary"]:
    vals = [str(row[k]) for k in ("messages", "recipients") if row[k] is not None]
    pat = r"^\s*" + re.escape(row["item"]) + "".join(r"\s+" + v for v in vals) + r"(\s|$)"
    if not re.search(pat, text, re.M):
        missing.append(f"{row['item']} {' '.join(vals)}")
print(f"pdf: {len(st['tables']['summary'])} totals of stats --format json, found in the PDF's text:",
      "all" if not missing else "NOT " + "; ".join(missing))
for word in ("Traffic per day", "Outcome mix", "Delivery delay", "Top lists", "Reject reasons"):
    print(f"pdf: heading {word!r}:", "yes" if word in text else "NO")
PY
ART=${MXTRACE_ARTIFACTS:-$WORK/artifacts}
mkdir -p "$ART"
cp report.png "$ART/stats-report.png" && cp report.pdf "$ART/stats-report.pdf" && cp report.html "$ART/stats-report.html" \
  && printf '%s\n' "$ART/stats-report.png" "$ART/stats-report.pdf" "$ART/stats-report.html" > "$WORK/artifacts.txt"
echo "artifacts kept: stats-report.png stats-report.pdf stats-report.html"
