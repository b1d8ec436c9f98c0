# SPDX-License-Identifier: Apache-2.0
# Shared by bench/install.sh and bench/audit.sh: parameters, tools, a Release build, the
# scenario tests' fixtures (lib.sh gives $T and cleanup, release.sh the signed release), the
# machine facts, and the alternating measured rounds. Source it after setting DEFAULT_ROUNDS
# and TOOLS (commands the benchmark needs).
set -euo pipefail

BENCH_MB=${BENCH_MB:-100}
BENCH_ROUNDS=${BENCH_ROUNDS:-$DEFAULT_ROUNDS}
[[ $BENCH_MB =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_MB must be a positive integer" >&2; exit 1; }
[[ $BENCH_ROUNDS =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_ROUNDS must be a positive integer" >&2; exit 1; }

# scripts/lib.sh: the package list and installer, and the build, shared with the test and
# demo scripts. It sets PDI_TOP.
# shellcheck source=scripts/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
PDI_SOURCE_DIR=$PDI_TOP
BUILD=${BENCH_BUILD_DIR:-$PDI_SOURCE_DIR/build-bench}

say() { echo "bench: $*" >&2; }

# --- tools ---------------------------------------------------------------------------------
[[ $(id -u) = 0 ]] || { say "run as root: installing under a scratch root creates users in it"; exit 1; }
if [[ -z ${PDI:-} ]]; then
        pdi_ensure_packages "${PDI_BUILD_PACKAGES[@]}" "${PDI_BENCH_PACKAGES[@]}"
else
        pdi_ensure_packages "${PDI_BENCH_PACKAGES[@]}"
fi
for t in $TOOLS python3 minisign /usr/bin/time; do
        command -v "$t" >/dev/null || { say "$t is required"; exit 1; }
done

# --- build (Release, no test hooks) ----------------------------------------------------------
if [[ -z ${PDI:-} ]]; then
        pdi_build "$BUILD" -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF
        PDI=$BUILD/polkadot-installer
fi
[[ -x $PDI ]] || { say "$PDI: not an executable"; exit 1; }
export PDI PDI_SOURCE_DIR

# lib.sh makes $T (removed on exit, with every command in PDI_CLEANUP run first: lighttpd is
# stopped there by rel_serve) and release.sh gives rel_make/rel_serve.
# shellcheck source=tests/scenario/lib.sh
source "$PDI_SOURCE_DIR/tests/scenario/lib.sh"
# shellcheck source=tests/scenario/release.sh
source "$PDI_SOURCE_DIR/tests/scenario/release.sh"
trap 'exit 130' INT TERM HUP # exit through the EXIT trap of lib.sh

# bench_space COPIES: at least COPIES copies of the release must fit under $T.
bench_space() {
        local need_kib=$((BENCH_MB * 3 * 1024 * $1 + 100 * 1024)) avail_kib
        avail_kib=$(df -Pk "$T" | awk 'NR==2 {print $4}')
        ((avail_kib > need_kib)) || { say "need ~$((need_kib / 1024)) MiB free under $T, have $((avail_kib / 1024))"; exit 1; }
}

# bench_release DIR PREFIX: a signed release of three BENCH_MB MiB binaries (the stand-in
# scripts followed by random, incompressible bytes) in DIR; the manifest's sums in
# sha256sum -c form, each name after PREFIX, in $T/SHA256SUMS; the total size in TOTAL_BYTES.
bench_release() {
        say "making a release of 3 x ${BENCH_MB} MiB random binaries in $1"
        REL_RANDOM_MB=$BENCH_MB rel_make "$1" 1.0.0 1
        python3 -c '
import json, sys
for a in json.load(open(sys.argv[1]))["artifacts"]:
    print(a["sha256"] + "  " + sys.argv[2] + a["name"])
' "$1/manifest.json" "$2" >"$T/SHA256SUMS"
        TOTAL_BYTES=$(python3 -c 'import json,sys; print(sum(a["size"] for a in json.load(open(sys.argv[1]))["artifacts"]))' "$1/manifest.json")
}

bench_machine() {
        local cpu shani=no
        cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)
        grep -qw sha_ni /proc/cpuinfo && shani=yes
        echo "machine:  $cpu, $(nproc) CPUs, SHA extensions (sha_ni): $shani"
        echo "          kernel $(uname -r), $(awk '/MemTotal/ {printf "%d MiB RAM", $2/1024}' /proc/meminfo)," \
                "scratch on $(df -PT "$T" | awk 'NR==2 {print $2}') ($T)"
        echo "          $(openssl version 2>/dev/null || echo 'openssl: n/a'), $(sha256sum --version | head -1)"
        echo "binary:   $PDI"
}

median() { # values...
        printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {
                if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

mbps() { awk -v b="$TOTAL_BYTES" -v s="$1" 'BEGIN {printf "%.0f", (s > 0 ? b / s / 1048576 : 0)}'; }

# bench_rounds: an untimed warm-up of each, then BENCH_ROUNDS rounds alternating who goes first
# (neither always inherits the other's writeback). run_ours and run_baseline print
# "SECONDS PEAK_RSS_KIB". Sets OT/OM/BT/BM to the medians (seconds, KiB) and RATIO = OT/BT.
bench_rounds() {
        local i who r order
        local -a ours_t=() ours_m=() base_t=() base_m=()
        say "warm-up (untimed)"
        run_ours >/dev/null || exit 1
        run_baseline >/dev/null || exit 1
        for ((i = 1; i <= BENCH_ROUNDS; i++)); do
                if ((i % 2)); then order=(ours base); else order=(base ours); fi
                for who in "${order[@]}"; do
                        if [[ $who = ours ]]; then
                                r=$(run_ours) || exit 1
                                ours_t+=("${r% *}") ours_m+=("${r#* }")
                        else
                                r=$(run_baseline) || exit 1
                                base_t+=("${r% *}") base_m+=("${r#* }")
                        fi
                        printf 'round %d  %-8s %6.2f s  %7d KiB\n' "$i" "$who" "${r% *}" "${r#* }"
                done
        done
        OT=$(median "${ours_t[@]}") OM=$(median "${ours_m[@]}")
        BT=$(median "${base_t[@]}") BM=$(median "${base_m[@]}")
        OM=${OM%.*} BM=${BM%.*}
        RATIO=$(awk -v a="$OT" -v b="$BT" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
}

# bench_row NAME SECONDS RSS_KIB: one line of the result table.
bench_row() {
        printf '  %-14s %9.2f %9s %8.1f MiB\n' "$1" "$2" "$(mbps "$2")" "$(awk -v k="$3" 'BEGIN {print k/1024}')"
}

met() { awk -v r="$1" -v t="$2" 'BEGIN {print (r <= t ? "met" : "MISSED")}'; }
