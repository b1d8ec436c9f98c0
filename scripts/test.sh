#!/usr/bin/env bash
# Runs every test: unit and scenario tests on a normal build, the same again under
# AddressSanitizer + UndefinedBehaviorSanitizer (without the container tests), a warning-free
# Release build, and a short bounded run of each fuzz target (when clang is present). Ends
# with one line "N passed, N failed, N skipped" over all runs, also when it stops early (a
# build failed). Exits 1 on any failure, and on any skipped test (exit 77: a tool or a
# privilege was missing) unless PDI_ALLOW_SKIP=1.
# Environment: PDI_FUZZ_SECONDS (default 15), PDI_SKIP_ASAN=1, PDI_SKIP_FUZZ=1, PDI_ALLOW_SKIP=1.
source "$(dirname "$0")/lib.sh"
cd "$PDI_TOP"

passed=0 failed=0 skipped=0 status=0 finished=0
skipped_names=()
# The summary, from the EXIT trap so that an early exit (set -e: a build failed) prints it too.
# shellcheck disable=SC2317 # called by the trap
summary() {
        local rc=$?
        if [ "$finished" != 1 ]; then
                echo "==> STOPPED EARLY (exit $rc): the counts below cover only the runs before"
                [ "$rc" = 0 ] && rc=1
        fi
        if [ "$skipped" != 0 ]; then
                echo "==> skipped: ${skipped_names[*]}"
                if [ "${PDI_ALLOW_SKIP:-0}" != 1 ]; then
                        echo "==> a skipped test counts as a failure here (PDI_ALLOW_SKIP=1 accepts skips)"
                        [ "$rc" = 0 ] && rc=1
                fi
        fi
        if [ "$rc" != 0 ]; then
                echo "==> SOME TESTS FAILED OR DID NOT RUN"
        elif [ "$skipped" != 0 ]; then
                echo "==> every test that ran passed"
        else
                echo "==> all tests passed"
        fi
        echo "$passed passed, $failed failed, $skipped skipped"
        exit "$rc"
}
trap summary EXIT

pdi_ensure_packages "${PDI_BUILD_PACKAGES[@]}" "${PDI_TEST_PACKAGES[@]}"

# run_ctest DIR [ctest args…]: run, show, and add its counts to the totals. ctest counts a
# skipped test (exit 77) as passed; here it is counted apart, by the "(Skipped)" lines of
# ctest's "did not run" list ("Not Run", a missing executable, is already a failure).
run_ctest() {
        local dir=$1 log rc=0 total bad skip name
        shift
        log=$(mktemp)
        ctest --test-dir "$dir" --output-on-failure "$@" 2>&1 | tee "$log" || rc=$?
        bad= total=
        read -r bad total < <(sed -n 's/.* tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\1 \2/p' "$log" | tail -n1) || true
        skip=0
        while read -r name; do
                skipped_names+=("$dir:$name")
                skip=$((skip + 1))
        done < <(sed -n 's/^[[:space:]]*[0-9][0-9]* - \(.*\) (\(Skipped\|Disabled\))$/\1/p' "$log")
        rm -f "$log"
        passed=$((passed + ${total:-0} - ${bad:-0} - skip))
        failed=$((failed + ${bad:-0}))
        skipped=$((skipped + skip))
        [ "$rc" = 0 ] && [ "${bad:-0}" = 0 ] && [ -n "${total:-}" ] || status=1
}

echo "==> build (RelWithDebInfo) and test"
pdi_build build
run_ctest build -j2

echo "==> Release build (-O2, no test hooks): warnings are errors there too"
pdi_build build-release -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF

if [ "${PDI_SKIP_ASAN:-0}" != 1 ]; then
        echo "==> build with AddressSanitizer + UndefinedBehaviorSanitizer and test"
        pdi_build build-asan -DPDI_SANITIZE=ON
        # The container tests boot a whole systemd, and the sanitizer runtime is not in the
        # container: they run once, in the normal build.
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
                run_ctest build-asan -j2 -E '_container'
fi

if [ "${PDI_SKIP_FUZZ:-0}" != 1 ] && command -v clang >/dev/null; then
        echo "==> fuzz each parser for ${PDI_FUZZ_SECONDS:-15}s"
        CC=clang pdi_build build-fuzz -DPDI_FUZZ=ON -DPDI_TESTING=OFF \
                -DPDI_FUZZ_SECONDS="${PDI_FUZZ_SECONDS:-15}"
        run_ctest build-fuzz
fi
finished=1
exit "$status"
