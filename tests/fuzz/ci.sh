#!/usr/bin/env bash
# The fuzz stage of CI (scripts/test): builds the libFuzzer targets in build-fuzz/ (clang,
# -Dfuzz=true), replays every seed (tests/fuzz/seeds/TARGET) and every past finding
# (tests/fuzz/regressions/TARGET), then fuzzes each target briefly with a fixed -runs and -seed so
# the time stays bounded (about 2 minutes on 2 cores) and a run can be repeated.
# Exits non-zero if the build fails or any target crashes, leaks, times out or breaks an
# invariant; the input that did it is left in build-fuzz/fuzz-findings/TARGET/.
# Environment: FUZZ_RUNS_SCALE (default 1) multiplies every -runs; FUZZ_SEED (default 1).
set -u
cd "$(dirname "$0")/../.."
start=$(date +%s)
scale=${FUZZ_RUNS_SCALE:-1}
seed=${FUZZ_SEED:-1}

if ! command -v clang++ >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "fuzz: installing clang (apt-get)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang; } >/dev/null ||
      { echo "fuzz: error: could not install clang"; exit 1; }
  else
    echo "fuzz: error: clang++ is needed for the fuzz targets (apt-get install clang)"; exit 1
  fi
fi

if [ ! -f build-fuzz/build.ninja ]; then
  # -O1 without debug info: libFuzzer's usual level, and a quarter less compile time than the
  # default -O2 -g under the sanitizers (store.cpp: 9.3 s against 12.3 s); reports still name functions
  echo "fuzz: configuring build-fuzz/ (CXX=clang++ meson setup build-fuzz -Dfuzz=true --buildtype=plain -Dcpp_args=-O1)"
  CXX=clang++ meson setup build-fuzz -Dfuzz=true --buildtype=plain -Dcpp_args=-O1 >build-fuzz-setup.log 2>&1 ||
    { cat build-fuzz-setup.log; rm -f build-fuzz-setup.log; echo "fuzz: error: meson setup failed"; exit 1; }
  rm -f build-fuzz-setup.log
fi
# target name and its -runs, chosen so that each takes 5 to 30 seconds on a shared core (measured
# execs/s: exim ~26000, syslog ~3000, reducer and time ~4000, postfix/sendmail ~1300 under load,
# query ~230 (Xapian's QueryParser set-up), config ~50 (a CLI11 app and a file per input))
targets=(
  "fuzz_syslog 60000"
  "fuzz_postfix 30000"
  "fuzz_sendmail 30000"
  "fuzz_exim 200000"
  "fuzz_reducer 30000"
  "fuzz_time 40000"
  "fuzz_query 5000"
  "fuzz_config 1500"
)
names=()
for t in "${targets[@]}"; do names+=("tests/fuzz/${t%% *}"); done
echo "fuzz: building ${#names[@]} targets (ninja -C build-fuzz)"
ninja -C build-fuzz "${names[@]}" >build-fuzz/ninja-fuzz.log 2>&1 ||
  { tail -40 build-fuzz/ninja-fuzz.log; echo "fuzz: error: build failed"; exit 1; }
built=$(date +%s)
echo "fuzz: built in $((built - start)) s"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
failed=0
for t in "${targets[@]}"; do
  name=${t%% *}
  runs=$(( ${t##* } * scale ))
  exe=build-fuzz/tests/fuzz/$name
  seeds=tests/fuzz/seeds/$name
  regs=tests/fuzz/regressions/$name
  work=build-fuzz/fuzz-work/$name
  findings=build-fuzz/fuzz-findings/$name
  rm -rf "$work"; mkdir -p "$work" "$findings"
  t0=$(date +%s)
  # 1. replay: every seed and every past finding once (-runs=0: read the corpus, fuzz nothing)
  dirs=()
  [ -d "$seeds" ] && dirs+=("$seeds")
  [ -d "$regs" ] && dirs+=("$regs")
  if ! "$exe" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/" "${dirs[@]}" >"$work.replay.log" 2>&1; then
    tail -30 "$work.replay.log"
    echo "fuzz: FAIL $name: a seed or regression input crashes (see $findings/)"
    failed=$((failed + 1))
    continue
  fi
  replayed=$(find "${dirs[@]}" -type f | wc -l)
  # 2. a short fuzzing run, fixed length and seed; new inputs go to the work folder, not the seeds
  if ! "$exe" -runs="$runs" -seed="$seed" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -max_total_time=60 \
       -artifact_prefix="$findings/" -print_final_stats=1 "$work" "${dirs[@]}" >"$work.fuzz.log" 2>&1; then
    tail -40 "$work.fuzz.log"
    echo "fuzz: FAIL $name: found a crash (input in $findings/; add it to $regs/ once fixed, see tests/fuzz/README.md)"
    failed=$((failed + 1))
    continue
  fi
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$work.fuzz.log")
  cov=$(grep -o 'cov: [0-9]*' "$work.fuzz.log" | tail -1)
  echo "fuzz: ok $name: replayed $replayed inputs, ${execs:-?} runs (seed $seed), ${cov:-cov: ?}, $(( $(date +%s) - t0 )) s"
done
echo "fuzz: ${#targets[@]} targets, $failed failed, fuzzing took $(( $(date +%s) - built )) s (total $(( $(date +%s) - start )) s)"
[ "$failed" -eq 0 ]
