#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
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
DEFAULT_ROUNDS=5 TOOLS="sha256sum"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TARGET_RATIO=1.2 # issue 5

bench_space 3 # release + cache + installed copy
bench_release "$T/rel" ""
R=$T/root
mkdir -p "$R/etc"
cp "$PDI_SOURCE_DIR/tests/fixtures/os-release/debian" "$R/etc/os-release"
"$PDI" install --root "$R" --from "$T/rel" --trusted-key "$T/key.pub" -q >"$T/inst" 2>&1 ||
        { cat "$T/inst" >&2; say "install failed"; exit 1; }
REL=$R/opt/polkadot/releases/1.0.0

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

bench_machine
echo "install:  3 x ${BENCH_MB} MiB random binaries, $TOTAL_BYTES bytes, in $REL"
# Both read the files from the page cache (warm-up first, untimed); the audit also runs every
# other check (versions, ELF, ownership, unit, host probes), which the baseline does not.
bench_rounds
echo
echo "median of $BENCH_ROUNDS rounds (3 x ${BENCH_MB} MiB, warm page cache):"
printf '  %-14s %9s %9s %12s\n' "" seconds "MiB/s" "peak RSS"
bench_row audit "$OT" "$OM"
bench_row "sha256sum -c" "$BT" "$BM"
echo "  time ratio audit/sha256sum: $RATIO (target <= $TARGET_RATIO: $(met "$RATIO" "$TARGET_RATIO"))"
exit 0
