#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Unattended use (issue 12 §4), offline under --root: the precedence of flag > environment >
# config file > default; -y takes defaults where --non-interactive (and a run without a
# terminal) refuses a missing required answer, naming its flag; --check writes nothing (every
# path, mode, owner, size, mtime, ctime and byte the same) and says whether the real run would
# change; --diff shows a changed setting before and after, as a unified diff and as Ansible's
# diff list; --json has changed, failed and msg for install, upgrade, rollback and uninstall,
# true on the first run and false on the second, and one object on a failure too.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

rel_make "$T/r1" 1.0.0 1
rel_make "$T/r2" 1.1.0 2
R=$T/root
mkdir -p "$R"
inst() { "$PDI" install --root "$R" --trusted-key "$T/key.pub" --from "$T/r1" "$@" </dev/null; }
cfg() { grep "^$1=" "$R/etc/polkadot-installer/config" | cut -d= -f2-; }
# Every path with its type, mode, owner, size, mtime and ctime (to the nanosecond), and
# every file's hash: what a run that writes nothing must leave exactly as it was.
listing() { # root
        (cd "$1" && find . -printf '%p %y %m %u:%g %s %T@ %C@ %l\n' | sort)
        (cd "$1" && find . -type f -exec sha256sum {} + | sort)
}
# json FILE PYTHON-EXPRESSION: the expression (on d, the document) must be true.
json_is() {
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert eval(sys.argv[2]), d' \
                "$1" "$2" || fail "$1: not $2: $(cat "$1")"
        TESTS_RUN=$((TESTS_RUN + 1))
}
# A run with --json: one JSON object on stdout whatever happens, the exit code kept.
jrun() { # want-exit file cmd...
        local want=$1 out=$2 rc=0
        shift 2
        "$@" --json </dev/null >"$out" 2>"$out.err" || rc=$?
        [ "$rc" = "$want" ] || fail "exit $rc, want $want: $* ($(cat "$out.err"))"
        json_is "$out" 'isinstance(d["changed"], bool) and isinstance(d["msg"], str) and d["failed"] == (d["exit_code"] != 0)'
}

# --- 1. -y takes defaults, --non-interactive and no terminal do not --------------------------
expect 2 '^error: install: --chain is required for a validator without a terminal or with --non-interactive' \
        inst --validator --non-interactive
expect_one_error_line
expect 2 'error: install: --chain is required for a validator' inst --validator # no terminal
expect 2 'error: install: --chain is required' inst --validator --non-interactive --check
[ -z "$(ls -A "$R")" ] || fail "a refused run wrote: $(ls -A "$R")"
expect 0 'would stage release 1\.0\.0' inst --validator -y --check
expect 0 'would write /etc/polkadot-installer/config' \
        env POLKADOT_INSTALLER_CHAIN=kusama "$PDI" install --root "$R" --trusted-key "$T/key.pub" \
        --from "$T/r1" --validator --non-interactive --check
# A plain node has nothing required: its defaults risk nothing.
expect 0 'would stage' inst --non-interactive --check

# --- 2. --check writes nothing, on an empty root and on an install ---------------------------
listing "$R" >"$T/before"
jrun 0 "$T/c.json" inst --check --chain kusama
json_is "$T/c.json" 'd["changed"] is True and any("stage release 1.0.0" in c for c in d["changes"])'
jrun 0 "$T/c.json" inst --dry-run --chain kusama
json_is "$T/c.json" 'd["changed"] is True' # --dry-run said false on an empty root
listing "$R" >"$T/after"
diff "$T/before" "$T/after" || fail "--check or --dry-run on an empty root wrote"

# --- 3. --json: first run true, second false ------------------------------------------------
jrun 0 "$T/i1.json" inst --chain kusama --node-name val-01
json_is "$T/i1.json" 'd["changed"] is True and d["failed"] is False and "1.0.0" in d["msg"]'
jrun 0 "$T/i2.json" inst
json_is "$T/i2.json" 'd["changed"] is False and "nothing changed" in d["msg"]'
listing "$R" >"$T/before"
jrun 0 "$T/c.json" inst --check
json_is "$T/c.json" 'd["changed"] is False and "changes" not in d'
expect 0 '^no changes' inst --check
jrun 0 "$T/c.json" inst --check --node-name val-02
json_is "$T/c.json" 'd["changed"] is True and "would write /etc/polkadot-installer/config" in d["changes"]'
expect 0 'would write /etc/systemd/system/polkadot.service' inst --check --telemetry-url 'wss://t.example.invalid/submit 0'
listing "$R" >"$T/after"
diff "$T/before" "$T/after" || fail "--check on an install wrote"

# --- 4. precedence: flag > environment > config file > default --------------------------------
[ "$(cfg node_name)" = val-01 ] && [ "$(cfg chain)" = kusama ] || fail "config: $(cat "$R/etc/polkadot-installer/config")"
POLKADOT_INSTALLER_NODE_NAME=from-env expect 0 'is active' inst
[ "$(cfg node_name)" = from-env ] || fail "the environment did not win over the config file: $(cfg node_name)"
[ "$(cfg chain)" = kusama ] || fail "the config file's chain was lost: $(cfg chain)"
POLKADOT_INSTALLER_NODE_NAME=from-env expect 0 'is active' inst --node-name from-flag
[ "$(cfg node_name)" = from-flag ] || fail "the flag did not win over the environment: $(cfg node_name)"
grep -q -- '--name from-flag' "$R/etc/polkadot-installer/polkadot.env" || fail "env file: $(cat "$R/etc/polkadot-installer/polkadot.env")"
POLKADOT_INSTALLER_RPC_PORT=9944 POLKADOT_INSTALLER_VALIDATOR=yes expect 0 'is active' inst
[ "$(cfg rpc_port) $(cfg validator)" = "9944 yes" ] || fail "environment rpc_port/validator: $(cfg rpc_port) $(cfg validator)"
POLKADOT_INSTALLER_VALIDATOR=no POLKADOT_INSTALLER_NODE_NAME= expect 0 'is active' inst
[ "$(cfg validator) $(cfg node_name)" = "no from-flag" ] || fail "an empty variable is unset: $(cfg validator) $(cfg node_name)"
TESTS_RUN=$((TESTS_RUN + 4))
# A refused value names the variable (exit 2), a typo too; nothing is written.
listing "$R" >"$T/before"
POLKADOT_INSTALLER_CHAIN=kusamax expect 2 "^error: POLKADOT_INSTALLER_CHAIN 'kusamax' is neither" inst
expect_one_error_line
POLKADOT_INSTALLER_NODE_NAME=$'a\nUser=root' expect 2 "^error: POLKADOT_INSTALLER_NODE_NAME 'a\\\\x0aUser=root' has a control" inst
POLKADOT_INSTALLER_RPC_PORT=70000 expect 2 "^error: POLKADOT_INSTALLER_RPC_PORT '70000' is not a port" inst
POLKADOT_INSTALLER_CHIAN=kusama expect 2 '^error: environment: POLKADOT_INSTALLER_CHIAN names no setting' inst
listing "$R" >"$T/after"
diff "$T/before" "$T/after" || fail "a refused environment value wrote"

# --- 5. --diff of a changed setting ------------------------------------------------------------
inst --check --diff --node-name val-02 >"$T/diff" 2>/dev/null || fail "--check --diff failed"
grep -qx -- "--- $R/etc/polkadot-installer/config" "$T/diff" &&
        grep -qx -- "+++ $R/etc/polkadot-installer/config" "$T/diff" &&
        grep -qx -- '-node_name=from-flag' "$T/diff" && grep -qx -- '+node_name=val-02' "$T/diff" &&
        grep -q -- '^-POLKADOT_ARGS=.*--name from-flag' "$T/diff" &&
        grep -q -- '^+POLKADOT_ARGS=.*--name val-02' "$T/diff" || fail "--diff: $(cat "$T/diff")"
grep -q '^@@ -[0-9]*,[0-9]* +[0-9]*,[0-9]* @@$' "$T/diff" || fail "--diff has no hunk header: $(cat "$T/diff")"
# It applies: patch turns the before into the after.
cp "$R/etc/polkadot-installer/config" "$T/config.before"
sed -n '\|^--- .*/config$|,\|^--- |p' "$T/diff" | sed '$d' >"$T/config.patch"
patch -s -o "$T/config.after" "$T/config.before" <"$T/config.patch" || fail "--diff does not apply: $(cat "$T/config.patch")"
grep -qx 'node_name=val-02' "$T/config.after" || fail "patched config: $(cat "$T/config.after")"
jrun 0 "$T/d.json" inst --check --diff --node-name val-02
json_is "$T/d.json" '[x["before_header"] for x in d["diff"]] == [x["after_header"] for x in d["diff"]] == ["'"$R"'/etc/polkadot-installer/config", "'"$R"'/etc/polkadot-installer/polkadot.env"]'
json_is "$T/d.json" 'set(d["diff"][0]) == {"before_header", "after_header", "before", "after"} and "node_name=from-flag\n" in d["diff"][0]["before"] and "node_name=val-02\n" in d["diff"][0]["after"]'
[ "$(cfg node_name)" = from-flag ] || fail "--check --diff wrote the config"
# Without --check the run goes ahead and shows what it did; the next one shows nothing.
jrun 0 "$T/d.json" inst --diff --node-name val-02
json_is "$T/d.json" 'd["changed"] is True and len(d["diff"]) == 2 and "node_name=val-02\n" in d["diff"][0]["after"]'
[ "$(cfg node_name)" = val-02 ] || fail "--diff without --check did not write"
jrun 0 "$T/d.json" inst --diff --node-name val-02
json_is "$T/d.json" 'd["changed"] is False and d["diff"] == []'

# --- 6. upgrade, rollback, uninstall: --check, then first true, second false --------------------
up() { "$PDI" upgrade --root "$R" --trusted-key "$T/key.pub" --from "$T/r2" "$@" </dev/null; }
# --check refuses what the real run refuses, with its exit code.
mkdir "$T/empty"
expect 1 "upgrade: nothing is installed under /opt/polkadot; use 'install'" \
        "$PDI" upgrade --root "$T/empty" --trusted-key "$T/key.pub" --from "$T/r2" --check
[ -z "$(ls -A "$T/empty")" ] || fail "upgrade --check on an empty root wrote"
rb() { "$PDI" rollback --root "$R" --trusted-key "$T/key.pub" "$@" </dev/null; }
un() { "$PDI" uninstall --root "$R" "$@" </dev/null; }
for step in up rb un; do
        listing "$R" >"$T/before"
        jrun 0 "$T/$step.check.json" "$step" --check --diff
        json_is "$T/$step.check.json" 'd["changed"] is True and d["changes"]'
        listing "$R" >"$T/after"
        diff "$T/before" "$T/after" || fail "$step --check wrote"
        jrun 0 "$T/$step.1.json" "$step"
        json_is "$T/$step.1.json" 'd["changed"] is True and d["failed"] is False'
        jrun 0 "$T/$step.2.json" "$step" $([ "$step" = rb ] && echo --to 1.0.0)
        json_is "$T/$step.2.json" 'd["changed"] is False'
        jrun 0 "$T/$step.check.json" "$step" --check $([ "$step" = rb ] && echo --to 1.0.0)
        json_is "$T/$step.check.json" 'd["changed"] is False'
done
json_is "$T/un.check.json" 'd["msg"] == "uninstall --check: 0 change(s)"'
json_is "$T/up.1.json" '"upgrade 1.1.0" in d["msg"]'
# uninstall --check --diff: the files it would remove, after absent.
expect 0 'is active' "$PDI" install --root "$R" --trusted-key "$T/key.pub" --from "$T/r2" </dev/null
jrun 0 "$T/u.json" un --check --diff
json_is "$T/u.json" '"'"$R"'/etc/systemd/system/polkadot.service" in [x["before_header"] for x in d["diff"]] and all(x["after"] == "" for x in d["diff"])'
[ -e "$R/etc/systemd/system/polkadot.service" ] || fail "uninstall --check removed the unit"

# --- 7. a failure with --json: one object, failed true, the error line, the exit code ---------
jrun 2 "$T/f.json" inst --rpc-port 99999
json_is "$T/f.json" 'd["failed"] is True and d["changed"] is False and d["exit_code"] == 2 and d["msg"] == "--rpc-port '"'99999'"' is not a port from 1 to 65535"'
jrun 3 "$T/f.json" "$PDI" install --root "$R" --from "$T/r1" --trusted-key /dev/null/nokey
json_is "$T/f.json" 'd["failed"] is True and d["exit_code"] == 3 and "nokey" in d["msg"]'
jrun 1 "$T/f.json" rb --to 9.9.9 # (after uninstall: nothing installed)
json_is "$T/f.json" 'd["failed"] is True and "9.9.9" in d["msg"]'
# Every command: one object with changed, failed, msg.
for c in "status" "audit" "trust list" "verify --manifest $T/r1/manifest.json --trusted-key $T/key.pub"; do
        rc=0
        # shellcheck disable=SC2086
        "$PDI" $c --root "$R" --json </dev/null >"$T/any.json" 2>/dev/null || rc=$?
        json_is "$T/any.json" 'isinstance(d["changed"], bool) and isinstance(d["msg"], str) and d["failed"] == (d["exit_code"] != 0) == ('"$rc"' != 0)'
done
pass
