# SPDX-License-Identifier: Apache-2.0
# Helpers for scenario tests. Each test: `source "$(dirname "$0")/lib.sh"`. Gives a scratch
# directory $T (removed on exit), the binary $PDI and assertion helpers that print what was
# expected and what came instead.
set -euo pipefail

: "${PDI:?PDI must name the built polkadot-installer (ctest sets it)}"
: "${PDI_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T=$(mktemp -d /tmp/pdi-test.XXXXXX)
PDI_CLEANUP=()
# A cleanup step that finds $T unsafe to remove (a mount left in it) sets PDI_KEEP_T to why.
pdi_cleanup() {
        local c
        for c in "${PDI_CLEANUP[@]:-}"; do [ -n "$c" ] && eval "$c" || true; done
        if [ -n "${PDI_KEEP_T:-}" ]; then
                echo "FAIL: $T not removed: $PDI_KEEP_T" >&2
                exit 1
        fi
        rm -rf "$T"
}
trap pdi_cleanup EXIT
TESTS_RUN=0

fail() {
        echo "FAIL: $*" >&2
        exit 1
}

# expect CODE REGEX CMD...: run CMD, require exit CODE and REGEX (grep -E) in stdout+stderr.
expect() {
        local code=$1 re=$2 rc=0
        shift 2
        "$@" >"$T/out" 2>&1 || rc=$?
        TESTS_RUN=$((TESTS_RUN + 1))
        if [ "$rc" != "$code" ]; then
                cat "$T/out" >&2
                fail "expected exit $code, got $rc: $*"
        fi
        if ! grep -Eq -- "$re" "$T/out"; then
                cat "$T/out" >&2
                fail "expected output matching /$re/: $*"
        fi
}

# The refusal must be one line naming the thing and the reason: exactly one "error:" line.
expect_one_error_line() {
        local n
        n=$(grep -c '^error: ' "$T/out" || true)
        [ "$n" = 1 ] || { cat "$T/out" >&2; fail "expected exactly one error line, got $n"; }
}

pass() {
        echo "$TESTS_RUN passed, 0 failed"
}

# --- what a test needs from the machine ---------------------------------------------------
# A test that cannot run here says why and exits 77 (ctest: skipped; scripts/test.sh counts
# it as a failure) only through these helpers, so the set of everything any test probes for
# is `grep -E '^\s*(need_cmd|need_file|have_cmd)\b' tests/scenario/*.sh`: test_packages.sh
# collects it and proves that scripts/lib.sh's package lists provide all of it on a pristine
# Debian 12, and fails on any other `exit 77` or ad-hoc probe. One probe a line, literal
# names only (no variables), so that grep sees them.
#   need_root REASON        skip unless root
#   need_cmd NAME…          skip unless each NAME is a command (in $PATH)
#   need_file PATH…         skip unless each PATH exists (a module, a data file)
#   have_cmd NAME           true when NAME is a command; for a part of a test that degrades
#                           on purpose elsewhere: still collected and proved like need_cmd
#   skip REASON             skip for a reason no package can fix (the kernel or the host's
#                           configuration refuses something); not collected
skip() {
        echo "SKIP: $*"
        exit 77
}

need_root() {
        [ "$(id -u)" = 0 ] || skip "needs root ($*)"
}

need_cmd() {
        local c
        for c in "$@"; do
                command -v "$c" >/dev/null || skip "$c not installed (scripts/lib.sh lists its package)"
        done
}

need_file() {
        local f
        for f in "$@"; do
                [ -e "$f" ] || skip "$f missing (scripts/lib.sh lists its package)"
        done
}

have_cmd() {
        command -v "$1" >/dev/null
}
