#!/usr/bin/env bash
# The command line: help for every listed command, documented in the man page, usage errors
# exit 2 with a message naming the problem.
source "$(dirname "$0")/lib.sh"

expect 0 'Usage: polkadot-installer COMMAND' "$PDI" --help
expect 0 '^polkadot-installer [0-9]+\.[0-9]+\.[0-9]+$' "$PDI" --version
expect 2 'Usage:' "$PDI"
expect 2 "unknown command 'frobnicate'" "$PDI" frobnicate
expect 2 "help: unknown command 'frobnicate'" "$PDI" help frobnicate

# Every command the top-level help lists has its own help with examples, works through both
# spellings, and has a section in the man page.
"$PDI" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z ]*[a-z]\)  .*/\1/p' |
        sed 's/ *$//' | grep -v '^help COMMAND' >"$T/commands"
[ "$(wc -l <"$T/commands")" -ge 4 ] || fail "too few commands listed: $(cat "$T/commands")"
while read -r cmd; do
        # shellcheck disable=SC2086
        expect 0 "Examples:" "$PDI" help $cmd
        # shellcheck disable=SC2086
        expect 0 "Usage: polkadot-installer $cmd" "$PDI" $cmd --help
        grep -q "^\.SS $cmd\$" "$PDI_SOURCE_DIR/docs/polkadot-installer.8" ||
                fail "man page has no section for '$cmd'"
        # shellcheck disable=SC2086
        expect 2 "unknown option" "$PDI" $cmd --no-such-option
        expect_one_error_line
done <"$T/commands"

expect 2 'verify: --manifest PATH is required' "$PDI" verify
expect 2 "verify: unexpected argument 'extra'" "$PDI" verify --manifest x extra
expect 2 '--threshold: .* is not a number' "$PDI" verify --manifest x --threshold 1x
expect 2 '--root needs an absolute path' "$PDI" verify --manifest x --root relative
# --json on a failure still gives one JSON document with failed=true and the exit code.
"$PDI" verify --manifest /nonexistent --json --trusted-key /nonexistent >"$T/json" 2>/dev/null || true
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["failed"] is True and d["exit_code"] in (1,3) and d["msg"], d' "$T/json" ||
        fail "--json failure document: $(cat "$T/json")"
pass
