# Helpers for scenario tests. Each test: `source "$(dirname "$0")/lib.sh"`. Gives a scratch
# directory $T (removed on exit), the binary $PDI and assertion helpers that print what was
# expected and what came instead.
set -euo pipefail

: "${PDI:?PDI must name the built polkadot-installer (ctest sets it)}"
: "${PDI_SOURCE_DIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
T=$(mktemp -d /tmp/pdi-test.XXXXXX)
PDI_CLEANUP=()
pdi_cleanup() {
        local c
        for c in "${PDI_CLEANUP[@]:-}"; do [ -n "$c" ] && eval "$c" || true; done
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
