#!/usr/bin/env bash
# CI step: builds the Debian package once (DEB_BUILD_OPTIONS=nocheck: the suite has run already),
# runs lintian on it, unpacks it with dpkg -x into a temporary directory and checks the installed
# files there: mxtrace --version, man -w mxtrace-search (MANPATH = the unpacked man pages), the
# completions and the systemd units; runs the maintainer scripts (tests/package/postinst.sh: system
# user, /var/lib/mxtrace). Installs its own build dependencies (scripts/deps package).
# Usage: tests/package/deb.sh [OUTDIR]   (the .deb files are left in OUTDIR, default build/deb)
#        tests/package/deb.sh --check-only DIR   (check the mxtrace_*.deb already built in DIR)
set -eu
cd "$(dirname "$0")/../.."
src=$PWD
check_only=0
if [ "${1:-}" = --check-only ]; then check_only=1; shift; fi
out=${1:-$src/build/deb}
start=$(date +%s)
scripts/deps package
if [ $check_only = 0 ]; then
rm -rf "$out"
mkdir -p "$out"
out=$(cd "$out" && pwd)
# build from a copy of the tracked files, so the source tree gets no obj-*/ or debian/mxtrace/
mkdir "$out/src"
git ls-files -co --exclude-standard | grep -v '^build/' | tar -cf - -T - | tar -xf - -C "$out/src"
# without debug information (DEB_CXXFLAGS_STRIP=-g, noddebs): a third less compile time, and the
# binary is stripped either way; a real upload keeps Debian's -g and its -dbgsym package
echo "deb: building the package (release build without -g: some 2 minutes on 2 idle cores)"
(cd "$out/src" && DEB_BUILD_OPTIONS="nocheck noddebs parallel=$(nproc)" DEB_CFLAGS_STRIP=-g DEB_CXXFLAGS_STRIP=-g \
  dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
  tail -40 "$out/build.log"; echo "FAIL: dpkg-buildpackage (log: $out/build.log)"; exit 1; }
fi
out=$(cd "$out" && pwd)
built=$(date +%s)
deb=$(ls "$out"/mxtrace_*.deb)
echo "deb: built $(basename "$deb") in $((built - start)) s; also: $(cd "$out" && ls ./*.deb | grep -v "^./$(basename "$deb")$" | tr '\n' ' ')"

fail=0
root=$out/root
rm -rf "$root"
dpkg -x "$deb" "$root"
"$root/usr/bin/mxtrace" --version || { echo "FAIL: mxtrace --version"; fail=1; }
file "$root/usr/bin/mxtrace" 2>/dev/null | grep -q 'not stripped' && { echo "FAIL: the binary is not stripped"; fail=1; }
page=$(MANPATH="$root/usr/share/man" man -w mxtrace-search) && [[ $page == "$root"/* ]] ||
  { echo "FAIL: man -w mxtrace-search did not find the unpacked page (got: ${page:-nothing})"; fail=1; }
echo "man -w mxtrace-search: ${page#"$root"}"
for m in man/*.[0-9]; do
  n=$(basename "$m"); s=${n##*.}
  [ -f "$root/usr/share/man/man$s/$n.gz" ] || { echo "FAIL: man page $n not installed"; fail=1; }
done
for f in usr/share/bash-completion/completions/mxtrace usr/share/zsh/vendor-completions/_mxtrace \
         usr/share/fish/vendor_completions.d/mxtrace.fish lib/systemd/system/mxtrace-index.service \
         lib/systemd/system/mxtrace-index.timer etc/mxtrace.conf; do
  if [ -s "$root/$f" ]; then echo "installed: /$f"; else echo "FAIL: /$f missing"; fail=1; fi
done
grep -q '^ExecStart=/usr/bin/mxtrace index' "$root/lib/systemd/system/mxtrace-index.service" ||
  { echo "FAIL: the service does not run /usr/bin/mxtrace"; fail=1; }
dpkg-deb -I "$deb" conffiles | grep -qx /etc/mxtrace.conf || { echo "FAIL: /etc/mxtrace.conf is not a conffile"; fail=1; }
dpkg-deb -I "$deb" postinst | grep -q 'adduser --system' || { echo "FAIL: postinst makes no system user"; fail=1; }
# the units are not enabled on install
# (debhelper's enabling snippet says "new installations run enable"; --no-start: no deb-systemd-invoke)
dpkg-deb -I "$deb" postinst | grep -q 'new installations run enable\|deb-systemd-invoke' && { echo "FAIL: postinst enables or starts a unit"; fail=1; }
dpkg-deb -I "$deb" postinst | grep -q 'deb-systemd-helper debian-installed' || { echo "FAIL: postinst does not register the units"; fail=1; }
# the example config parses (all commented out) and the installed completions match the binary's
MXTRACE_DB="$out/idx" "$root/usr/bin/mxtrace" --config "$root/etc/mxtrace.conf" info >/dev/null 2>"$out/info.err" || true  # exit 4: no index there
grep -q 'config' "$out/info.err" && { echo "FAIL: the example config is rejected: $(cat "$out/info.err")"; fail=1; }
cmp -s <("$root/usr/bin/mxtrace" completions bash) "$root/usr/share/bash-completion/completions/mxtrace" ||
  { echo "FAIL: installed bash completion differs from mxtrace completions bash"; fail=1; }

# the maintainer scripts, run as on a fresh system in a private mount namespace (needs root)
prc=0
tests/package/postinst.sh "$root" "$deb" || prc=$?
[ $prc = 0 ] || [ $prc = 77 ] || fail=1

echo "deb: lintian"
lrc=0
lintian --fail-on error "$out"/mxtrace_*.changes >"$out/lintian.txt" 2>&1 || lrc=$?
cat "$out/lintian.txt"
[ $lrc = 0 ] || { echo "FAIL: lintian reports errors (exit $lrc)"; fail=1; }
echo "deb: lintian: $(grep -c '^E:' "$out/lintian.txt" || true) errors, $(grep -c '^W:' "$out/lintian.txt" || true) warnings"
echo "deb: total $(( $(date +%s) - start )) s"
[ $fail = 0 ] && echo "deb: package ok"
exit $fail
