#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
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
MAN=$PDI_SOURCE_DIR/docs/polkadot-installer.8
"$PDI" --help | sed -n '/^Commands:/,/^$/p' | sed -n 's/^  \([a-z][a-z -]*[a-z]\)  .*/\1/p' |
        sed 's/ *$//' | grep -v '^help COMMAND' >"$T/commands"
# Every command has its man page section, and every section a command.
[ "$(wc -l <"$T/commands")" = "$(grep -c '^\.SS ' "$MAN")" ] ||
        fail "help lists $(wc -l <"$T/commands") commands, the man page $(grep -c '^\.SS ' "$MAN"): $(cat "$T/commands")"
# The man page text of a command ("\-" unescaped), plus the options every command takes.
man_section() { awk -v s=".SS $1" '$0 == s {f = 1; next} /^\.S[SH] /{f = 0} f' "$MAN" | sed 's/\\-/-/g'; }
common=$(awk '/^\.SH COMMON OPTIONS/{f = 1; next} /^\.SH /{f = 0} f' "$MAN" | sed 's/\\-/-/g')
while read -r cmd; do
        # shellcheck disable=SC2086
        expect 0 "Examples:" "$PDI" help $cmd
        # shellcheck disable=SC2086
        expect 0 "Usage: polkadot-installer $cmd" "$PDI" $cmd --help
        grep -q "^\.SS $cmd\$" "$MAN" || fail "man page has no section for '$cmd'"
        # Each option its --help lists is in its man section (upgrade: install's options).
        text="$(man_section "$cmd") $common"
        [ "$cmd" != upgrade ] || text="$text $(man_section install)"
        # shellcheck disable=SC2086
        for opt in $("$PDI" $cmd --help | sed -n '/^Options:/,$p' | grep -o -- '^ *--[a-z][a-z-]*' | tr -d ' '); do
                grep -Eq -- "$opt([^a-z-]|\$)" <<<"$text" || fail "man page section '$cmd' lacks $opt"
        done
        # shellcheck disable=SC2086
        expect 2 "unknown option" "$PDI" $cmd --no-such-option
        expect_one_error_line
done <"$T/commands"

expect 2 'verify: --manifest URL\|PATH is required' "$PDI" verify
expect 2 "verify: unexpected argument 'extra'" "$PDI" verify --manifest x extra
expect 2 '--threshold: .* is not a number' "$PDI" verify --manifest x --threshold 1x
# A relative --root, manifest --help, NO_COLOR, audit --quiet: test_cli_edges.sh.
# --json on a failure still gives one JSON document with failed=true and the exit code (the
# missing trusted key is the first thing verify reads: refused, exit 3).
mkdir "$T/root"
rc=0
"$PDI" verify --root "$T/root" --manifest /nonexistent --json --trusted-key /nonexistent >"$T/json" 2>/dev/null || rc=$?
[ "$rc" = 3 ] || fail "verify --json with a missing trusted key exited $rc, expected 3"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d["failed"] is True and d["exit_code"] == 3, d
assert d["msg"] == "trusted key /nonexistent: No such file or directory", d
' "$T/json" || fail "--json failure document: $(cat "$T/json")"
# A path in another encoding still gives a message in the document (JSON is UTF-8).
"$PDI" verify --root "$T/root" --manifest /nonexistent --json --trusted-key $'/nonexist\xff' >"$T/json" 2>/dev/null || true
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["msg"] == "trusted key /nonexist?: No such file or directory", d' \
        "$T/json" || fail "--json lost the message of a non-UTF-8 path: $(cat "$T/json")"
# manifest create checks its options by the manifest's rules before it hashes any binary
# (--node names nothing here: hashing first would fail on it instead, with exit 1).
mc() { "$PDI" manifest create --sequence 1 --node /nonexistent --prepare-worker /nonexistent --execute-worker /nonexistent "$@"; }
expect 2 "^error: --version: 'v1.0' is not a plain version" mc --version v1.0 --expires-in 30
expect_one_error_line
expect 2 "^error: --product: 'Polkadot' is not a product name" mc --version 1.0.0 --expires-in 30 --product Polkadot
expect 2 "^error: --chain: 'Kusama' is not a chain name" mc --version 1.0.0 --expires-in 30 --chain Kusama
expect 2 "^error: --chain: 'kusama' given twice" mc --version 1.0.0 --expires-in 30 --chain kusama --chain kusama
expect 2 "^error: --url-base 'ftp://m.example/r': URL scheme \"ftp\" is not allowed" mc --version 1.0.0 --expires-in 30 --url-base ftp://m.example/r
expect 2 "^error: --url-base '/srv/r': relative URL must not start with '/'" mc --version 1.0.0 --expires-in 30 --url-base /srv/r
expect 2 '^error: --expires: 2020-01-01T00:00:00Z is not in the future' mc --version 1.0.0 --expires 2020-01-01T00:00:00Z
expect 2 '^error: --created: 2099-03-01T00:00:00Z is after the expiry 2099-02-01T00:00:00Z' mc --version 1.0.0 --expires 2099-02-01T00:00:00Z --created 2099-03-01T00:00:00Z
expect 1 '^error: --node /nonexistent: No such file or directory' mc --version 1.0.0 --expires-in 30
for f in node prep exec; do echo "$f" >"$T/$f"; done
expect 0 '"version": "1.17.0-rc1"' "$PDI" manifest create --version 1.17.0-rc1 --sequence 3 --expires-in 30 --chain kusama --url-base https://m.example/r/ --node "$T/node" --prepare-worker "$T/prep" --execute-worker "$T/exec"
grep -q '"url": "https://m.example/r/polkadot-prepare-worker"' "$T/out" || fail "manifest create URL: $(cat "$T/out")"
# A --root that does not exist: one error line naming it, exit 1 (failed), for every command
# that works on a root; rollback and uninstall once crashed here (exit 139).
for args in "install --manifest /nonexistent" "upgrade --manifest /nonexistent" rollback \
        "rollback --dry-run" uninstall "uninstall --purge --yes" status audit; do
        # shellcheck disable=SC2086
        expect 1 "^error: root $T/no-such-root: No such file or directory\$" "$PDI" $args --root "$T/no-such-root"
        expect_one_error_line
done
[ ! -e "$T/no-such-root" ] || fail "a missing --root was created"
pass
