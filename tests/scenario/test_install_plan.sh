#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The --dry-run plans (install, upgrade, rollback) quote every word as the shell needs it:
# with hostile paths and settings (quotes, $(…), backticks, ;, spaces, a newline), every
# printed line parses alone (bash -n), runs in a real bash without running anything it does
# not name (the commands are recording stubs; a canary file must never appear), and gives
# back each word byte for byte.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

# Every value tries to run `id` into a file named canary in the directory the line runs in.
# The paths (root, release folder) may hold anything; a setting holds no quote, '$' or '`'
# (values.h, test_setting_values.sh), but node arguments still hold what a shell would act
# on (; & | < > ( ) # and blanks), and a node name parentheses.
HOSTILE_DIR="$T/r o'o;id>canary;'\$(id>canary)\`id>canary\`"$'\n'"id>canary"
NAME="a(x)[y]:~"
BASE_PATH="/srv/b+x"
NODE_ARGS="--x a ;id>canary; (y)|id>canary&id>canary #z <w"
R="$HOSTILE_DIR/root"
FROM="$HOSTILE_DIR/from"
mkdir -p "$R" "$T/run"
REL_ARCHIVE=1 rel_make "$FROM" 1.0.0 10

# Run each line of a plan as a script of its own in $T/run: the plan's commands are
# functions logging their arguments (NUL-terminated) to $T/args; PATH is empty, so any other
# command is reported by command_not_found_handle (and a redirection in front of it would
# still create canary).
run_plan() { # planfile [least lines]
        : >"$T/args"
        : >"$T/unstubbed"
        local n=0 line
        while IFS= read -r line; do
                n=$((n + 1))
                bash -n -c "$line" 2>"$T/err" || fail "plan line $n does not parse: $line: $(cat "$T/err")"
                (
                        cd "$T/run" || exit 1
                        PATH=/nonexistent A="$T/args" U="$T/unstubbed" "$BASH" -c '
                                log() { printf "%s\0" "$@" >>"$A"; }
                                for c in curl minisign install cd echo sha256sum mv tar chmod cp sync ln \
                                        systemd-sysusers systemd-tmpfiles systemctl; do
                                        eval "$c() { log \"\$@\"; }"
                                done
                                command_not_found_handle() { printf "%s\n" "$1" >>"$U"; return 127; }
                                eval "$1"' _ "$line"
                ) >/dev/null 2>&1 || true
        done <"$1"
        [ "$n" -ge "${2:-6}" ] || fail "plan has only $n lines: $(cat "$1")"
        [ ! -e "$T/run/canary" ] || fail "a plan line ran injected code: $(cat "$1")"
        [ -z "$(ls -A "$T/run")" ] || fail "running the plan created $(ls -A "$T/run")"
        [ ! -s "$T/unstubbed" ] || fail "the plan ran commands it does not name: $(tr '\n' ' ' <"$T/unstubbed")"
}

# has_arg WORD: one of the logged arguments is exactly WORD.
has_arg() {
        python3 - "$T/args" "$1" <<'PY' || fail "no plan word is exactly: $1"
import sys
words = open(sys.argv[1], "rb").read().split(b"\0")
sys.exit(0 if sys.argv[2].encode() in words else 1)
PY
}

# The plan is stdout; messages (stderr) are not part of it.
plan() { "$PDI" "$@" >"$T/plan" 2>"$T/err" || fail "$1 --dry-run failed: $(cat "$T/err")"; }

# The attacker's node name (issue 15 §2) is refused before any plan is printed.
expect 2 "--node-name 'a';id>canary;'\`id>canary\`\(x\)' has a quote" "$PDI" install --root "$R" \
        --trusted-key "$T/key.pub" --from "$FROM" --dry-run -y --node-name "a';id>canary;'\`id>canary\`(x)"
[ ! -e "$T/run/canary" ] && [ -z "$(ls -A "$R")" ] || fail "a refused --dry-run left something"

# install --dry-run from a folder with a hostile name, into a hostile root, hostile settings.
plan install --root "$R" --trusted-key "$T/key.pub" --from "$FROM" --dry-run -y \
        --node-name "$NAME" --base-path "$BASE_PATH" --node-args "$NODE_ARGS"
[ -z "$(ls -A "$R")" ] || fail "--dry-run wrote into the root: $(ls -A "$R")"
run_plan "$T/plan"
[ -z "$(ls -A "$R")" ] || fail "running the plan wrote into the root: $(ls -A "$R")"
has_arg "$R/etc/polkadot-installer/polkadot.env"
has_arg "$FROM/manifest.json"
has_arg "$R/var/cache/polkadot-installer"
has_arg "$R/opt/polkadot/releases/1.0.0.partial"
has_arg "$R/opt/polkadot/releases/1.0.0.partial/polkadot-execute-worker"
has_arg "--root=$R"
has_arg "d $BASE_PATH 0750 polkadot polkadot -"
has_arg "$R/etc/tmpfiles.d/polkadot.conf" # systemd-tmpfiles makes the base path from it
has_arg "POLKADOT_ARGS=\"--chain polkadot --base-path $BASE_PATH --name $NAME $NODE_ARGS\""
# A newline in a word is written \x0a inside $'…': the plan stays one command per line.
grep -q '\\x0aid>canary/root/var/cache' "$T/plan" || fail "the newline of the root is not escaped: $(cat "$T/plan")"
# Safe words stay as they are.
grep -q "^ln -sfn /opt/polkadot/current/polkadot " "$T/plan" || fail "a safe word was quoted: $(cat "$T/plan")"

# rollback --dry-run names the same root: install two releases (offline), plan the way back.
REL_ARCHIVE=1 rel_make "$HOSTILE_DIR/from2" 1.1.0 11
for d in "$FROM" "$HOSTILE_DIR/from2"; do
        expect 0 'is active' "$PDI" install --root "$R" --trusted-key "$T/key.pub" --from "$d" -y \
                --node-name "$NAME" --base-path "$BASE_PATH" --node-args "$NODE_ARGS"
done
plan rollback --root "$R" --trusted-key "$T/key.pub" --dry-run
[ "$(wc -l <"$T/plan")" = 2 ] || fail "rollback plan: $(cat "$T/plan")"
run_plan "$T/plan" 2
has_arg "$R/opt/polkadot/.current.new"
has_arg "$R/opt/polkadot/current"
[ "$(readlink "$R/opt/polkadot/current")" = releases/1.1.0 ] || fail "rollback --dry-run switched"
pass
