#!/bin/bash
# Benchmark of `polkadot-installer audit` (every check; integrity hashes each installed file)
# against `sha256sum -c` of the same three files, in the same run, alternating, on an
# install of three random (incompressible) binaries. See bench/README.md.
#
#   bench/audit.sh
#
# Environment:
#   BENCH_MB=100        size of each of the three binaries, in MiB
#   BENCH_ROUNDS=5      measured rounds (each: one audit, one sha256sum -c)
#   BENCH_BUILD_DIR=DIR Release build to use/make (default build-bench in the source tree)
#   PDI=PATH            use this binary instead of building one
#
# Exit status: 0 when every run succeeded, whether or not the target is met (benchmarks
# report, tests judge); 1 when a run failed or the setup did.
set -euo pipefail

BENCH_MB=${BENCH_MB:-100}
BENCH_ROUNDS=${BENCH_ROUNDS:-5}
[[ $BENCH_MB =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_MB must be a positive integer" >&2; exit 1; }
[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_ROUNDS must be a positive integer" >&2; exit 1; }
TARGET_RATIO=1.2 # issue 5

PDI_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$PDI_SOURCE_DIR/build-bench}

say() { echo "bench: $*" >&2; }

# --- tools ---------------------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
        say "/usr/bin/time (Debian package 'time') is missing; installing it with apt-get"
        if [[ $(id -u) = 0 ]] && command -v apt-get >/dev/null; then
                apt-get install -y -q time >&2 || { apt-get update -q >&2 && apt-get install -y -q time >&2; }
        fi
        [[ -x /usr/bin/time ]] || { say "could not install 'time'; run: apt-get install time"; exit 1; }
fi
for t in sha256sum python3 minisign; do
        command -v "$t" >/dev/null || { say "$t is required"; exit 1; }
done
[[ $(id -u) = 0 ]] || { say "run as root: the install under a scratch root creates users"; exit 1; }

# --- build (Release, no test hooks) -----------------------------------------------------------
if [[ -z ${PDI:-} ]]; then
        if [[ ! -f $BUILD/CMakeCache.txt ]]; then
                cmake -S "$PDI_SOURCE_DIR" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF >&2
        fi
        cmake --build "$BUILD" -j"$(nproc)" >"$BUILD/bench-build.log" 2>&1 ||
                { cat "$BUILD/bench-build.log" >&2; say "build failed"; exit 1; }
        PDI=$BUILD/polkadot-installer
fi
[[ -x $PDI ]] || { say "$PDI: not an executable"; exit 1; }
export PDI PDI_SOURCE_DIR

# shellcheck source=tests/scenario/lib.sh
source "$PDI_SOURCE_DIR/tests/scenario/lib.sh"
# shellcheck source=tests/scenario/release.sh
source "$PDI_SOURCE_DIR/tests/scenario/release.sh"
trap 'exit 130' INT TERM HUP # exit through the EXIT trap of lib.sh

need_kib=$(((BENCH_MB * 3 * 1024) * 3 + 100 * 1024)) # release + cache + installed copy
avail_kib=$(df -Pk "$T" | awk 'NR==2 {print $4}')
((avail_kib > need_kib)) || { say "need ~$((need_kib / 1024)) MiB free under $T, have $((avail_kib / 1024))"; exit 1; }

# --- the install: the stand-in scripts of rel_make followed by BENCH_MB MiB of random bytes ---
say "making and installing a release of 3 x ${BENCH_MB} MiB random binaries"
REL_EDIT='
import hashlib as _h
for _a in d["artifacts"]:
    _p = os.path.join(d_, _a["url"])
    with open(_p, "ab") as _f, open("/dev/urandom", "rb") as _r:
        for _ in range('"$BENCH_MB"'):
            _f.write(_r.read(1 << 20))
    _s = _h.sha256()
    with open(_p, "rb") as _f:
        for _c in iter(lambda: _f.read(1 << 20), b""):
            _s.update(_c)
    _a["sha256"] = _s.hexdigest()
    _a["size"] = os.path.getsize(_p)
' rel_make "$T/rel" 1.0.0 1
R=$T/root
mkdir -p "$R/etc"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$R/etc/os-release"
"$PDI" install --root "$R" --from "$T/rel" --trusted-key "$T/key.pub" -q >"$T/inst" 2>&1 ||
        { cat "$T/inst" >&2; say "install failed"; exit 1; }
REL=$R/opt/polkadot/releases/1.0.0
python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    print(a["sha256"] + "  " + a["name"])
' "$REL/manifest.json" >"$T/SHA256SUMS"
TOTAL_BYTES=$(python3 -c 'import json,sys; print(sum(a["size"] for a in json.load(open(sys.argv[1]))["artifacts"]))' "$REL/manifest.json")

# --- the two contenders: each prints "SECONDS PEAK_RSS_KIB" ---------------------------------------
run_ours() {
        local rc=0
        /usr/bin/time -f '%e %M' -o "$T/time.ours" "$PDI" audit --root "$R" --json >"$T/out.ours" 2>"$T/err.ours" || rc=$?
        # Exit 4 is fine here (host checks may find problems on this machine); integrity must pass.
        [[ $rc = 0 || $rc = 4 ]] || { cat "$T/err.ours" >&2; say "audit failed ($rc)"; return 1; }
        python3 -c '
import json, sys
c = [c for c in json.load(open(sys.argv[1]))["checks"] if c["id"] == "integrity"][0]
sys.exit(c["status"] != "ok")' "$T/out.ours" || { say "integrity did not pass"; return 1; }
        tail -1 "$T/time.ours"
}

run_baseline() {
        (cd "$REL" && /usr/bin/time -f '%e %M' -o "$T/time.base" sha256sum -c --quiet "$T/SHA256SUMS") ||
                { say "sha256sum -c failed"; return 1; }
        tail -1 "$T/time.base"
}

median() {
        printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
                if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
if grep -qw sha_ni /proc/cpuinfo; then shani=yes; else shani=no; fi
echo "machine:  $cpu, $(nproc) CPUs, SHA extensions (sha_ni): $shani, kernel $(uname -r)"
echo "          $(openssl version 2>/dev/null || echo 'openssl: n/a'), $(sha256sum --version | head -1)"
echo "install:  3 x ${BENCH_MB} MiB random binaries, $TOTAL_BYTES bytes, in $REL"
echo "binary:   $PDI"

# Both read the files from the page cache (warm-up first, untimed); the audit also runs every
# other check (versions, ELF, ownership, unit, host probes), which the baseline does not.
say "warm-up (untimed)"
run_ours >/dev/null || exit 1
run_baseline >/dev/null || exit 1

OURS_T=() OURS_M=() BASE_T=() BASE_M=()
for ((i = 1; i <= BENCH_ROUNDS; i++)); do
        if ((i % 2)); then order=(ours base); else order=(base ours); fi
        for who in "${order[@]}"; do
                if [[ $who = ours ]]; then
                        r=$(run_ours) || exit 1
                        OURS_T+=("${r% *}") OURS_M+=("${r#* }")
                else
                        r=$(run_baseline) || exit 1
                        BASE_T+=("${r% *}") BASE_M+=("${r#* }")
                fi
                printf 'round %d  %-8s %6.2f s  %7d KiB\n' "$i" "$who" "${r% *}" "${r#* }"
        done
done

ot=$(median "${OURS_T[@]}") om=$(median "${OURS_M[@]}")
bt=$(median "${BASE_T[@]}") bm=$(median "${BASE_M[@]}")
ratio=$(awk -v a="$ot" -v b="$bt" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
ok=$(awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN {print (r <= t ? "met" : "MISSED")}')
mbps() { awk -v b="$TOTAL_BYTES" -v s="$1" 'BEGIN {printf "%.0f", (s > 0 ? b / s / 1048576 : 0)}'; }
echo
echo "median of $BENCH_ROUNDS rounds (3 x ${BENCH_MB} MiB, warm page cache):"
printf '  %-14s %9s %9s %12s\n' "" seconds "MiB/s" "peak RSS"
printf '  %-14s %9.2f %9s %8.1f MiB\n' "audit" "$ot" "$(mbps "$ot")" "$(awk -v k="${om%.*}" 'BEGIN {print k/1024}')"
printf '  %-14s %9.2f %9s %8.1f MiB\n' "sha256sum -c" "$bt" "$(mbps "$bt")" "$(awk -v k="${bm%.*}" 'BEGIN {print k/1024}')"
echo "  time ratio audit/sha256sum: $ratio (target <= $TARGET_RATIO: $ok)"
exit 0
