#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
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
DEFAULT_ROUNDS=3 TOOLS="curl sha256sum install sync"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Targets: the ratio of issue 13 §5 (it was 0.8, issue 3), the RSS of issue 3.
TARGET_RATIO=0.40
TARGET_RSS_KIB=$((32 * 1024))

bench_space 5 # release + ours (cache + release) + baseline (download + release)
bench_release "$T/rel" "dl/"
FILES=(polkadot polkadot-prepare-worker polkadot-execute-worker)
rel_serve "$T/rel"
MANIFEST_URL=$REL_URL/manifest.json
say "serving at $REL_URL (lighttpd $(/usr/sbin/lighttpd -v 2>/dev/null | head -1 | awk '{print $1}'))"

# --- the two contenders --------------------------------------------------------------------
# Each writes "SECONDS PEAK_RSS_KIB" to stdout; stderr of the measured command goes to $T/err.

run_ours() {
        local root=$T/root-ours
        rm -rf "$root"
        mkdir -p "$root"
        sync # untimed: do not charge this run with someone else's dirty pages
        if ! PDI_TIMING=$T/timing.ours /usr/bin/time -f '%e %M' -o "$T/time.ours" \
                "$PDI" install --root "$root" --manifest "$MANIFEST_URL" --trusted-key "$T/key.pub" -q \
                >"$T/out.ours" 2>&1; then
                cat "$T/out.ours" >&2
                say "ours failed"
                return 1
        fi
        [[ $(readlink "$root/opt/polkadot/current") = releases/1.0.0 ]] ||
                { say "ours: current is not releases/1.0.0"; return 1; }
        check_sizes "$root/opt/polkadot/releases/1.0.0" || return 1
        # The installer's own profile of this run (PDI_TIMING, base/timing.h): one line per
        # round, "phase=seconds ...", for the medians below.
        awk '{printf "%s%s=%s", (NR > 1 ? " " : ""), $1, $2} END {print ""}' "$T/timing.ours" >>"$T/phases"
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

run_baseline() {
        local root=$T/root-base rss
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

# phase_medians: the median of each phase over the measured rounds (the warm-up's line is
# dropped), in the installer's order. The phases are exclusive and add up to its total.
phase_medians() {
        local p out=""
        for p in $(tail -1 "$T/phases" | tr ' ' '\n' | cut -d= -f1); do
                out+="$p $(median $(tail -n "$BENCH_ROUNDS" "$T/phases" | tr ' ' '\n' | sed -n "s/^$p=//p"))s, "
        done
        echo "${out%, }"
}

bench_machine
echo "          $(curl --version | head -1 | awk '{print $1, $2}')"
echo "release:  3 x ${BENCH_MB} MiB random binaries, $TOTAL_BYTES bytes, $MANIFEST_URL"
# Both read what lighttpd serves from the page cache; no caches are dropped.
bench_rounds
echo "ours, by phase (median; exclusive, they add up to the total the installer measured itself):"
echo "  $(phase_medians)"
echo "baseline steps (last round): $(awk '{printf "%s%s %ss %dKiB", (NR>1?", ":""), $3 ($4?" "$4:""), $1, $2}' "$T/steps.last")"
ok_rss=$( ((OM <= TARGET_RSS_KIB)) && echo met || echo MISSED)
echo
echo "median of $BENCH_ROUNDS rounds (3 x ${BENCH_MB} MiB, cold installer cache, warm page cache):"
printf '  %-14s %9s %9s %12s\n' "" seconds "MiB/s" "peak RSS"
bench_row ours "$OT" "$OM"
bench_row baseline "$BT" "$BM"
echo "  time ratio ours/baseline: $RATIO (target <= $TARGET_RATIO: $(met "$RATIO" "$TARGET_RATIO"))"
echo "  peak RSS of ours: $((OM / 1024)) MiB (target <= $((TARGET_RSS_KIB / 1024)) MiB: $ok_rss)"
exit 0
