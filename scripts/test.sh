#!/usr/bin/env bash
# Runs every test: unit and scenario tests on a normal build, the same again under
# AddressSanitizer + UndefinedBehaviorSanitizer, and a short bounded run of each fuzz target
# (when clang is present). Exits non-zero on any failure.
# Environment: PDI_FUZZ_SECONDS (default 15), PDI_SKIP_ASAN=1, PDI_SKIP_FUZZ=1.
source "$(dirname "$0")/lib.sh"
cd "$PDI_TOP"

pdi_ensure_packages "${PDI_BUILD_PACKAGES[@]}" "${PDI_TEST_PACKAGES[@]}"

echo "==> build (RelWithDebInfo) and test"
pdi_build build
ctest --test-dir build --output-on-failure -j2

echo "==> Release build (-O2, no test hooks): warnings are errors there too"
pdi_build build-release -DCMAKE_BUILD_TYPE=Release -DPDI_TESTING=OFF

if [ "${PDI_SKIP_ASAN:-0}" != 1 ]; then
        echo "==> build with AddressSanitizer + UndefinedBehaviorSanitizer and test"
        pdi_build build-asan -DPDI_SANITIZE=ON
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
                ctest --test-dir build-asan --output-on-failure -j2
fi

if [ "${PDI_SKIP_FUZZ:-0}" != 1 ] && command -v clang >/dev/null; then
        echo "==> fuzz each parser for ${PDI_FUZZ_SECONDS:-15}s"
        CC=clang pdi_build build-fuzz -DPDI_FUZZ=ON -DPDI_TESTING=OFF \
                -DPDI_FUZZ_SECONDS="${PDI_FUZZ_SECONDS:-15}"
        ctest --test-dir build-fuzz --output-on-failure
fi
echo "==> all tests passed"
