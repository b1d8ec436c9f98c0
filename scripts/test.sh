#!/usr/bin/env bash
# Runs every test: unit and scenario tests on a normal build, the same again under
# AddressSanitizer + UndefinedBehaviorSanitizer, a warning-free Release build, and a short
# bounded run of each fuzz target (when clang is present). Exits non-zero on any failure and
# ends with one line "N passed, N failed" over all runs.
# Environment: PDI_FUZZ_SECONDS (default 15), PDI_SKIP_ASAN=1, PDI_SKIP_FUZZ=1.
source "$(dirname "$0")/lib.sh"
cd "$PDI_TOP"

pdi_ensure_packages "${PDI_BUILD_PACKAGES[@]}" "${PDI_TEST_PACKAGES[@]}"

passed=0 failed=0 status=0
# run_ctest DIR [ctest args…]: run, show, and add its counts to the totals.
run_ctest() {
        local dir=$1 log rc=0 total bad
        shift
        log=$(mktemp)
        ctest --test-dir "$dir" --output-on-failure "$@" 2>&1 | tee "$log" || rc=$?
        bad= total=
        read -r bad total < <(sed -n 's/.* tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\1 \2/p' "$log" | tail -n1) || true
        rm -f "$log"
        passed=$((passed + ${total:-0} - ${bad:-0}))
        failed=$((failed + ${bad:-0}))
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
[ "$status" = 0 ] && echo "==> all tests passed" || echo "==> SOME TESTS FAILED"
echo "$passed passed, $failed failed"
exit "$status"
