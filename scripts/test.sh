#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every test: unit and scenario tests on a normal build, the same again under
# AddressSanitizer + UndefinedBehaviorSanitizer (without the tests that need run only once),
# a warning-free Release build, and a short bounded run of each fuzz target. Ends with one
# line "N passed, N failed, N skipped" over all runs, also when it stops early (a build
# failed). Exits 1 on any failure, and on any skipped test (exit 77: a tool or a privilege
# was missing; or a cmocka case that called skip()) unless PDI_ALLOW_SKIP=1. The line
# before it gives the seconds each step took.
# Environment: PDI_FUZZ_SECONDS (default 15), PDI_SKIP_ASAN=1, PDI_SKIP_FUZZ=1, PDI_ALLOW_SKIP=1,
# PDI_TEST_JOBS (ctest -j, default 3: the scenario tests mostly wait, see below).
source "$(dirname "$0")/lib.sh"
cd "$PDI_TOP"

passed=0 failed=0 skipped=0 status=0 finished=0
skipped_names=()
# Where the time goes: "step seconds" for the summary.
times=() lap_start=$SECONDS
lap() {
        times+=("$1 $((SECONDS - lap_start))s")
        lap_start=$SECONDS
}
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
        echo "==> seconds: ${times[*]:-none} (total $SECONDS s)"
        echo "$passed passed, $failed failed, $skipped skipped"
        exit "$rc"
}
trap summary EXIT

pdi_ensure_for test
lap packages

JOBS=${PDI_TEST_JOBS:-3}
# Tests that need to run once, in the normal build only: the container tests boot a whole
# systemd, test_container_image runs the installer inside an image, and the sanitizer
# runtime is in neither; test_packages (the package
# lists on a pristine Debian) and test_format (clang-format on the sources) do not run the
# built binary at all, so a sanitizer build adds nothing to them.
ONCE='_container$|^scenario/test_container_image$|^scenario/test_packages$|^scenario/test_format$'

# run_ctest DIR [ctest args…]: run, show, and add its counts to the totals. ctest counts a
# skipped test (exit 77) as passed; here it is counted apart, by the "(Skipped)" lines of
# ctest's "did not run" list ("Not Run", a missing executable, is already a failure). A unit
# test whose cmocka cases called skip() exits 0, and ctest calls it passed: its
# "[  SKIPPED ] case" lines in ctest's LastTest.log make it count as skipped here too.
run_ctest() {
        local dir=$1 log rc=0 total bad skip name cases
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
        while read -r name cases; do
                # Not when ctest already listed it (failed or skipped).
                grep -q "^[[:space:]]*[0-9][0-9]* - $name (" "$log" && continue
                echo "==> $name passed but skipped cmocka cases: $cases"
                skipped_names+=("$dir:$name($cases)")
                skip=$((skip + 1))
        done < <(cmocka_skips "$dir/Testing/Temporary/LastTest.log")
        rm -f "$log"
        passed=$((passed + ${total:-0} - ${bad:-0} - skip))
        failed=$((failed + ${bad:-0}))
        skipped=$((skipped + skip))
        [ "$rc" = 0 ] && [ "${bad:-0}" = 0 ] && [ -n "${total:-}" ] || status=1
}

# cmocka_skips LASTTEST_LOG: "TEST case,case…" for each test whose output has cmocka's
# "[  SKIPPED ] case" (not its "[  SKIPPED ] N test(s), listed below:" summary line).
cmocka_skips() {
        [ -f "$1" ] || return 0
        awk '/^[0-9]+\/[0-9]+ Test: / { name = $3; next }
             { line = $0
               while (match(line, /\[  SKIPPED \] [^[]*/)) {
                       c = substr(line, RSTART + 13, RLENGTH - 13)
                       sub(/[[:space:]]+$/, "", c)
                       if (c !~ / test\(s\), listed below:$/ && !((name, c) in seen)) {
                               seen[name, c] = 1
                               cases[name] = (name in cases ? cases[name] "," : "") c
                       }
                       line = substr(line, RSTART + RLENGTH)
               } }
             END { for (n in cases) print n, cases[n] }' "$1"
}

# ctest starts the tests it expects to take longest first, by the costs it recorded in the
# build tree's last run. A fresh tree has none, and ctest would start the container upgrade
# test (about 3 min) second to last, after everything else: seed the slowest ones (seconds
# measured on the 2-core VM); ctest replaces these with its own figures after the run.
seed_costs() { # dir
        local f=$1/Testing/Temporary/CTestCostData.txt
        [ -s "$f" ] && return 0
        mkdir -p "${f%/*}"
        {
                printf '%s 1 %s\n' scenario/test_upgrade_container 180 scenario/test_systemd_container 52 \
                        scenario/test_packages 40 scenario/test_audit 25 scenario/test_install_crash 23 \
                        scenario/test_upgrade_offline 17 scenario/test_install_faults 17 \
                        scenario/test_verify_hostile 9 scenario/test_install_archives 9
                echo ---
        } >"$f"
}

echo "==> build (RelWithDebInfo) and test"
pdi_build build
lap build

# The other three builds run beside the normal build's tests, at a lower priority: those
# tests mostly wait (the container upgrade test, the longest, uses about half a core over
# its 2.5 min), so the builds take CPU the tests leave idle. Each build's log is in
# DIR/build.log; a failed build is reported, and stops the run, after the tests.
asan=0 fuzz=0
[ "${PDI_SKIP_ASAN:-0}" != 1 ] && asan=1
if [ "${PDI_SKIP_FUZZ:-0}" != 1 ]; then
        fuzz=1
        if ! command -v clang >/dev/null; then
                # pdi_ensure_for test installs clang: without it the fuzz run is a skip, not a pass.
                skipped_names+=("fuzz(no clang)") skipped=$((skipped + 1)) fuzz=0
        fi
fi
builds_log=$(mktemp)
(
        renice -n 10 "$BASHPID" >/dev/null
        pdi_build build-release -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF
        echo "==> build-release done, $SECONDS s after the start"
        if [ "$asan" = 1 ]; then
                pdi_build build-asan -DPDI_SANITIZE=ON
                echo "==> build-asan done, $SECONDS s after the start"
        fi
        if [ "$fuzz" = 1 ]; then
                CC=clang pdi_build build-fuzz -DPDI_FUZZ=ON -DPDI_TESTING=OFF \
                        -DPDI_FUZZ_SECONDS="${PDI_FUZZ_SECONDS:-15}"
                echo "==> build-fuzz done, $SECONDS s after the start"
        fi
) >"$builds_log" 2>&1 &
builds_pid=$!

seed_costs build
run_ctest build -j"$JOBS"
lap ctest

echo "==> Release build (-O2, no test hooks; warnings are errors there too)$([ "$asan" = 1 ] && echo ", ASan+UBSan build")$([ "$fuzz" = 1 ] && echo ", fuzz build"), beside the tests"
builds_rc=0
wait "$builds_pid" || builds_rc=$?
cat "$builds_log"
rm -f "$builds_log"
[ "$builds_rc" = 0 ] || exit 1
lap waiting-for-builds

if [ "$asan" = 1 ]; then
        echo "==> tests with AddressSanitizer + UndefinedBehaviorSanitizer (not: $ONCE)"
        seed_costs build-asan
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
                run_ctest build-asan -j"$JOBS" -E "$ONCE"
        lap asan-ctest
fi

if [ "$fuzz" = 1 ]; then
        # One fuzzer a core: each still gets its full PDI_FUZZ_SECONDS of a CPU.
        echo "==> fuzz each parser for ${PDI_FUZZ_SECONDS:-15}s"
        run_ctest build-fuzz -j2
        lap fuzz
fi
finished=1
exit "$status"
