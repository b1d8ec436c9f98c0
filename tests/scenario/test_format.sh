#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every C file is as clang-format (the repository's .clang-format) writes it.
source "$(dirname "$0")/lib.sh"
need_cmd clang-format
cd "$PDI_SOURCE_DIR"
bad=()
for f in installer/*/*.[ch] pvf/*.[ch] tests/unit/*.[ch] tests/unit/*/*.c tests/fake/*.c fuzz/*.c; do
        clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
        TESTS_RUN=$((TESTS_RUN + 1))
done
[ ${#bad[@]} = 0 ] || fail "not clang-formatted (run clang-format -i): ${bad[*]}"
pass
