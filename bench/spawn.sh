#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark of a PVF worker spawn through the relay and the spawner (worker_isolation=
# systemd, DESIGN §7) against a direct exec of the same worker, in the same run, alternating:
# what the node waits for from exec to the worker's exit, for a worker that does nothing
# (`--version` of a copy of true(1)), so the added latency is all there is. The spawner runs
# here as a plain process on a socket in the scratch directory (no systemd: the unit adds no
# per-spawn cost, the socket is passed once). See bench/README.md.
#
#   bench/spawn.sh
#
# Environment:
#   BENCH_SPAWNS=500    spawns per contender and round
#   BENCH_ROUNDS=3      measured rounds
#   BENCH_BUILD_DIR=DIR Release build to use/make (default build-bench in the source tree)
#   PDI=PATH            use the relay and spawner built beside this binary instead
#
# Exit status: 0 when every run succeeded, whether or not the target is met; 1 otherwise.
DEFAULT_ROUNDS=3 TOOLS="sha256sum"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TARGET_ADDED_MS=5
SPAWNS=${BENCH_SPAWNS:-500}
[[ $SPAWNS =~ ^[1-9][0-9]*$ ]] || { say "BENCH_SPAWNS must be a positive integer"; exit 1; }
BIN=$(dirname "$PDI")
RELAY=$BIN/polkadot-pvf-relay SPAWNER=$BIN/polkadot-pvf-spawner
for f in "$RELAY" "$SPAWNER"; do [[ -x $f ]] || { say "$f not built"; exit 1; }; done

# The layout of an install: the real worker in releases/1.0.0, the relay in pvf/1.0.0.
REL=$T/opt/releases/1.0.0 PVF=$T/opt/pvf/1.0.0 SOCK=$T/spawner.sock
mkdir -p "$REL" "$PVF"
cp "$(type -P true)" "$REL/polkadot-prepare-worker"
cp "$RELAY" "$PVF/polkadot-prepare-worker"
echo "$SOCK" >"$PVF/spawner-socket"
echo "$(sha256sum <"$REL/polkadot-prepare-worker" | cut -d' ' -f1) $(stat -c %s "$REL/polkadot-prepare-worker") $PVF/polkadot-prepare-worker $REL/polkadot-prepare-worker" >"$T/workers.list"
"$SPAWNER" --allow "$T/workers.list" --listen "$SOCK" 2>"$T/spawner.log" &
SPID=$!
PDI_CLEANUP+=("kill $SPID 2>/dev/null; wait $SPID 2>/dev/null")
for _ in $(seq 100); do [[ -S $SOCK ]] && break; sleep 0.05; done
"$PVF/polkadot-prepare-worker" --version >/dev/null || { cat "$T/spawner.log" >&2; say "relayed spawn failed"; exit 1; }

# One round: SPAWNS spawns of each, interleaved one by one, each timed from fork to reap
# with a cleared environment as the node runs workers; prints the two medians in ms.
round() {
        python3 - "$SPAWNS" "$REL/polkadot-prepare-worker" "$PVF/polkadot-prepare-worker" <<'PY'
import statistics, subprocess, sys, time
n, direct, relay = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t = {direct: [], relay: []}
for i in range(n):
    for p in ((direct, relay) if i % 2 else (relay, direct)):
        s = time.perf_counter()
        r = subprocess.run([p, "--version"], env={}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        t[p].append((time.perf_counter() - s) * 1000)
        if r.returncode:
            sys.exit(f"{p} exited {r.returncode}")
print(f"{statistics.median(t[direct]):.3f} {statistics.median(t[relay]):.3f}")
PY
}

bench_machine
echo "worker:   a copy of $(type -P true) (--version), ${SPAWNS} spawns per contender and round"
say "warm-up (untimed)"
BENCH_SPAWNS_SAVE=$SPAWNS SPAWNS=50
round >/dev/null || exit 1
SPAWNS=$BENCH_SPAWNS_SAVE
d=() r=()
for ((i = 1; i <= BENCH_ROUNDS; i++)); do
        out=$(round) || exit 1
        d+=("${out% *}") r+=("${out#* }")
        printf 'round %d  direct %7.3f ms  relayed %7.3f ms\n' "$i" "${out% *}" "${out#* }"
done
D=$(median "${d[@]}") R=$(median "${r[@]}")
ADDED=$(awk -v a="$R" -v b="$D" 'BEGIN {printf "%.3f", a - b}')
RATIO=$(awk -v a="$R" -v b="$D" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
echo
echo "median of $BENCH_ROUNDS rounds (per-round medians of $SPAWNS spawns each):"
printf '  %-22s %9.3f ms\n' "direct exec" "$D" "relay + spawner" "$R"
echo "  added per spawn: $ADDED ms (target <= $TARGET_ADDED_MS ms: $(met "$ADDED" "$TARGET_ADDED_MS"))"
echo "  time ratio relayed/direct: $RATIO"
exit 0
