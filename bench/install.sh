#!/bin/bash
# Benchmark of `polkadot-installer install` against the hand way (curl -o, sha256sum -c,
# install -m 0755, sync), in the same run, alternating, on a release of three random
# (incompressible) binaries served by lighttpd on 127.0.0.1. See bench/README.md.
#
#   bench/install.sh
#
# Environment:
#   BENCH_MB=100        size of each of the three binaries, in MiB
#   BENCH_ROUNDS=3      measured rounds (each: one install of ours, one of the baseline)
#   BENCH_BUILD_DIR=DIR Release build to use/make (default build-bench in the source tree)
#   PDI=PATH            use this binary instead of building one
#
# Exit status: 0 when every run succeeded, whether or not the targets are met (benchmarks
# report, tests judge); 1 when a run failed or the setup did.
set -euo pipefail

BENCH_MB=${BENCH_MB:-100}
BENCH_ROUNDS=${BENCH_ROUNDS:-3}
[[ $BENCH_MB =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_MB must be a positive integer" >&2; exit 1; }
[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_ROUNDS must be a positive integer" >&2; exit 1; }
# Targets of issue 3.
TARGET_RATIO=0.8
TARGET_RSS_KIB=$((32 * 1024))

PDI_SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$PDI_SOURCE_DIR/build-bench}

say() { echo "bench: $*" >&2; }

# --- tools -------------------------------------------------------------------------------
if [[ ! -x /usr/bin/time ]]; then
        say "/usr/bin/time (Debian package 'time') is missing; installing it with apt-get"
        if [[ $(id -u) = 0 ]] && command -v apt-get >/dev/null; then
                apt-get install -y -q time >&2 || { apt-get update -q >&2 && apt-get install -y -q time >&2; }
        fi
        [[ -x /usr/bin/time ]] || { say "could not install 'time'; run: apt-get install time"; exit 1; }
fi
for t in curl sha256sum install sync python3 minisign; do
        command -v "$t" >/dev/null || { say "$t is required"; exit 1; }
done

# --- build (Release, no test hooks) -------------------------------------------------------
if [[ -z ${PDI:-} ]]; then
        if [[ ! -f $BUILD/CMakeCache.txt ]]; then
                cmake -S "$PDI_SOURCE_DIR" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF >&2
        fi
        cmake --build "$BUILD" -j"$(nproc)" >"$BUILD/bench-build.log" 2>&1 ||
                { cat "$BUILD/bench-build.log" >&2; say "build failed"; exit 1; }
        PDI=$BUILD/polkadot-installer
        grep -q 'CMAKE_BUILD_TYPE:STRING=Release' "$BUILD/CMakeCache.txt" ||
                say "warning: $BUILD is not a Release build"
        grep -q 'PDI_TESTING:BOOL=OFF' "$BUILD/CMakeCache.txt" ||
                say "warning: $BUILD has PDI_TESTING on (fault-injection hooks compiled in)"
fi
[[ -x $PDI ]] || { say "$PDI: not an executable"; exit 1; }
export PDI PDI_SOURCE_DIR

# --- scratch dir, cleanup, fixtures (shared with the scenario tests) ----------------------
# lib.sh makes $T (removed on exit, with every command in PDI_CLEANUP run first: lighttpd is
# stopped there by rel_serve) and release.sh gives rel_key/rel_make/rel_serve.
# shellcheck source=tests/scenario/lib.sh
source "$PDI_SOURCE_DIR/tests/scenario/lib.sh"
# shellcheck source=tests/scenario/release.sh
source "$PDI_SOURCE_DIR/tests/scenario/release.sh"
trap 'exit 130' INT TERM HUP # exit through the EXIT trap of lib.sh

need_kib=$(((BENCH_MB * 3 * 1024) * 5 + 100 * 1024)) # release + ours (cache+release) + baseline (dl+release)
avail_kib=$(df -Pk "$T" | awk 'NR==2 {print $4}')
((avail_kib > need_kib)) || { say "need ~$((need_kib / 1024)) MiB free under $T, have $((avail_kib / 1024))"; exit 1; }

# Each binary: the stand-in script of rel_make (prints its version) followed by BENCH_MB MiB
# from /dev/urandom, so nothing on the way can compress it. Hashes and sizes recomputed.
say "making a release of 3 x ${BENCH_MB} MiB random binaries in $T/rel"
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
FILES=(polkadot polkadot-prepare-worker polkadot-execute-worker)
# The manifest's sums in sha256sum -c format (what a person would cut from the manifest).
python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    print(a["sha256"] + "  dl/" + a["name"])
' "$T/rel/manifest.json" >"$T/SHA256SUMS"
TOTAL_BYTES=$(python3 -c 'import json,sys; print(sum(a["size"] for a in json.load(open(sys.argv[1]))["artifacts"]))' "$T/rel/manifest.json")

rel_serve "$T/rel"
MANIFEST_URL=$REL_URL/manifest.json
say "serving at $REL_URL (lighttpd $(/usr/sbin/lighttpd -v 2>/dev/null | head -1 | awk '{print $1}'))"

# --- the two contenders --------------------------------------------------------------------
# Each writes "SECONDS PEAK_RSS_KIB" to stdout; stderr of the measured command goes to $T/err.

run_ours() { # root
        local root=$1
        rm -rf "$root"
        mkdir -p "$root"
        sync # untimed: do not charge this run with someone else's dirty pages
        if ! /usr/bin/time -f '%e %M' -o "$T/time.ours" \
                "$PDI" install --root "$root" --manifest "$MANIFEST_URL" --trusted-key "$T/key.pub" -q \
                >"$T/out.ours" 2>&1; then
                cat "$T/out.ours" >&2
                say "ours failed"
                return 1
        fi
        [[ $(readlink "$root/opt/polkadot/current") = releases/1.0.0 ]] ||
                { say "ours: current is not releases/1.0.0"; return 1; }
        check_sizes "$root/opt/polkadot/releases/1.0.0" || return 1
        tail -1 "$T/time.ours"
        rm -rf "$root"
}

# The hand way, with the same durability as ours (DESIGN.md §3): the installed files and
# their directory are fsynced (`sync FILE... DIR` fsyncs each). Every step is timed by
# /usr/bin/time into one file; the whole bash -c is timed too. Peak RSS = the largest step.
# shellcheck disable=SC2016 # expanded by the inner bash
BASELINE='
set -e
cd "$ROOT"
mkdir -p dl opt/polkadot/releases/1.0.0
for f in polkadot polkadot-prepare-worker polkadot-execute-worker; do
        /usr/bin/time -a -o steps -f "%e %M curl $f" curl -fsS -o "dl/$f" "$URL/$f"
done
/usr/bin/time -a -o steps -f "%e %M sha256sum" sha256sum -c --quiet "$SUMS"
for f in polkadot polkadot-prepare-worker polkadot-execute-worker; do
        /usr/bin/time -a -o steps -f "%e %M install $f" install -m 0755 "dl/$f" "opt/polkadot/releases/1.0.0/$f"
done
/usr/bin/time -a -o steps -f "%e %M sync" sync opt/polkadot/releases/1.0.0/* opt/polkadot/releases/1.0.0
'

run_baseline() { # root
        local root=$1 rss
        rm -rf "$root"
        mkdir -p "$root"
        sync
        if ! ROOT=$root URL=$REL_URL SUMS=$T/SHA256SUMS /usr/bin/time -f '%e %M' -o "$T/time.base" \
                bash -c "$BASELINE" >"$T/out.base" 2>&1; then
                cat "$T/out.base" >&2
                say "baseline failed"
                return 1
        fi
        check_sizes "$root/opt/polkadot/releases/1.0.0" || return 1
        rss=$(awk '$2 > m {m = $2} END {print m}' "$root/steps")
        cp "$root/steps" "$T/steps.last"
        echo "$(awk '{print $1}' "$T/time.base") $rss"
        rm -rf "$root"
}

check_sizes() { # releasedir
        local f want got
        for f in "${FILES[@]}"; do
                want=$(stat -c %s "$T/rel/$f")
                got=$(stat -c %s "$1/$f" 2>/dev/null || echo missing)
                [[ $want = "$got" ]] || { say "$1/$f: size $got, expected $want"; return 1; }
        done
}

median() { # values...
        printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
                if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# --- machine facts ---------------------------------------------------------------------------
cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
if grep -qw sha_ni /proc/cpuinfo; then shani=yes; else shani=no; fi
echo "machine:  $cpu, $(nproc) CPUs, SHA extensions (sha_ni): $shani"
echo "          kernel $(uname -r), $(awk '/MemTotal/ {printf "%d MiB RAM", $2/1024}' /proc/meminfo)," \
        "scratch on $(df -PT "$T" | awk 'NR==2 {print $2}') ($T)"
echo "          $(openssl version 2>/dev/null || echo 'openssl: n/a'), $(sha256sum --version | head -1)," \
        "$(curl --version | head -1 | awk '{print $1, $2}')"
echo "release:  3 x ${BENCH_MB} MiB random binaries, $TOTAL_BYTES bytes, $MANIFEST_URL"
echo "binary:   $PDI"

# --- warm-up, then alternating rounds --------------------------------------------------------
# Both read what lighttpd serves from the page cache; no caches are dropped. A warm-up of each
# (untimed) fills it and faults in the binaries.
say "warm-up (untimed)"
run_ours "$T/root-ours" >/dev/null || exit 1
run_baseline "$T/root-base" >/dev/null || exit 1

OURS_T=() OURS_M=() BASE_T=() BASE_M=()
for ((i = 1; i <= BENCH_ROUNDS; i++)); do
        # Alternate who goes first, so neither always inherits the other's writeback.
        if ((i % 2)); then order=(ours base); else order=(base ours); fi
        for who in "${order[@]}"; do
                if [[ $who = ours ]]; then
                        r=$(run_ours "$T/root-ours") || exit 1
                        OURS_T+=("${r% *}") OURS_M+=("${r#* }")
                else
                        r=$(run_baseline "$T/root-base") || exit 1
                        BASE_T+=("${r% *}") BASE_M+=("${r#* }")
                fi
                printf 'round %d  %-8s %6.2f s  %7d KiB\n' "$i" "$who" "${r% *}" "${r#* }"
        done
done
echo "baseline steps (last round): $(awk '{printf "%s%s %ss %dKiB", (NR>1?", ":""), $3 ($4?" "$4:""), $1, $2}' "$T/steps.last")"

ot=$(median "${OURS_T[@]}") om=$(median "${OURS_M[@]}")
bt=$(median "${BASE_T[@]}") bm=$(median "${BASE_M[@]}")
om=${om%.*} bm=${bm%.*} # KiB, whole
ratio=$(awk -v a="$ot" -v b="$bt" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
ok_ratio=$(awk -v r="$ratio" -v t="$TARGET_RATIO" 'BEGIN {print (r <= t ? "met" : "MISSED")}')
ok_rss=$( ((om <= TARGET_RSS_KIB)) && echo met || echo MISSED)
mbps() { awk -v b="$TOTAL_BYTES" -v s="$1" 'BEGIN {printf "%.0f", (s > 0 ? b / s / 1048576 : 0)}'; }

echo
echo "median of $BENCH_ROUNDS rounds (3 x ${BENCH_MB} MiB, cold installer cache, warm page cache):"
printf '  %-10s %9s %9s %12s\n' "" seconds "MiB/s" "peak RSS"
printf '  %-10s %9.2f %9s %8.1f MiB\n' ours "$ot" "$(mbps "$ot")" "$(awk -v k="$om" 'BEGIN {print k/1024}')"
printf '  %-10s %9.2f %9s %8.1f MiB\n' baseline "$bt" "$(mbps "$bt")" "$(awk -v k="$bm" 'BEGIN {print k/1024}')"
echo "  time ratio ours/baseline: $ratio (target <= $TARGET_RATIO: $ok_ratio)"
echo "  peak RSS of ours: $((om / 1024)) MiB (target <= $((TARGET_RSS_KIB / 1024)) MiB: $ok_rss)"
exit 0
