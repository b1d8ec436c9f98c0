#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# upgrade and rollback offline (--root, no systemd): they switch the tree and the state, say
# that the restart is the operator's, refuse what they must (an old sequence, another product,
# a release that is not kept or is damaged) without changing anything, and a SIGKILL at any
# fault point of either leaves a tree the next run brings to agreement with the state.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"

mkdir -p "$T/srv"
rel_make "$T/srv/1.0.0" 1.0.0 1
rel_make "$T/srv/1.1.0" 1.1.0 2
rel_make "$T/srv/1.0.5" 1.0.5 1 # a release never installed, with an old sequence
REL_EDIT='d["product"] = "kusama-tools"' rel_make "$T/srv/other" 9.0.0 50
R=$T/root
mkdir -p "$R"
pdi() { "$PDI" "$1" --root "$R" --trusted-key "$T/key.pub" --non-interactive "${@:2}"; }
up() { pdi upgrade --manifest "$T/srv/$1/manifest.json" "${@:2}"; }

state_current() { # root
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["instances"]["polkadot"]["current"])' \
                "$1/var/lib/polkadot-installer/state.json"
}
# last_history ROOT: "action from to outcome" of the latest history entry, as status shows it.
last_history() {
        "$PDI" status --root "$1" --json | python3 -c '
import json, sys
h = json.load(sys.stdin)["history"][-1]
print(h["action"], h.get("from") or "-", h.get("to") or "-", h["outcome"])'
}
# Tree (current), state file and status agree on VERSION, and no run is left interrupted.
assert_agree() { # root version what
        local root=$1 want=$2 tree st
        tree=$(readlink "$root/opt/polkadot/current" || echo none)
        st=$(state_current "$root")
        "$PDI" status --root "$root" --json >"$T/st.json" 2>"$T/st.err" || fail "$3: status failed: $(cat "$T/st.err")"
        python3 - "$T/st.json" "$want" "$tree" "$st" "$3" <<'PY' || fail "$3: tree, state and status disagree"
import json, sys
d, want, tree, st, what = json.load(open(sys.argv[1])), *sys.argv[2:]
ok = d["current"] == want and tree == "releases/" + want and st == want and not d["interrupted_run"]
if not ok:
    print(f"{what}: status current={d['current']} interrupted={d['interrupted_run']}, "
          f"tree={tree}, state={st}, wanted {want}", file=sys.stderr)
    sys.exit(1)
PY
        assert_current "$root" "$want"
}
# The tree (state file, releases, units …) is byte for byte what it was.
snap() { tree_listing "$R" >"$T/snap.$1"; }
unchanged() { # name what
        tree_listing "$R" >"$T/snap.now"
        diff -u "$T/snap.$1" "$T/snap.now" >&2 || fail "$2 changed the tree"
}

# --- the offline path ------------------------------------------------------------------------
expect 0 'install 1\.0\.0' pdi install --manifest "$T/srv/1.0.0/manifest.json"
assert_agree "$R" 1.0.0 install

expect 0 "1\.1\.0 is current; restart the node with 'systemctl restart polkadot\.service' on the target system" up 1.1.0
assert_agree "$R" 1.1.0 upgrade
[ "$(last_history "$R")" = "upgrade 1.0.0 1.1.0 ok" ] || fail "history after upgrade: $(last_history "$R")"
[ -d "$R/opt/polkadot/releases/1.0.0" ] || fail "upgrade removed the previous release"
echo "ok: upgrade 1.0.0 -> 1.1.0 offline"

snap a
expect 0 'up to date' up 1.1.0
grep -q 'error' "$T/out" && fail "the same manifest again printed an error: $(cat "$T/out")"
assert_agree "$R" 1.1.0 "upgrade again"
[ "$(last_history "$R")" = "upgrade 1.0.0 1.1.0 ok" ] || fail "up-to-date run wrote history: $(last_history "$R")"
echo "ok: the same manifest again is up to date"

snap b
expect 3 'sequence 1 .*sequence 2|sequence 2 .*sequence 1' up 1.0.5
expect_one_error_line
unchanged b "an upgrade with a lower sequence"
expect 3 'sequence 1 .*sequence 2' up 1.0.0
unchanged b "an upgrade to an older kept release"
expect 3 'kusama-tools' up other
expect_one_error_line
unchanged b "an upgrade to another product"
echo "ok: lower sequence and another product refused, nothing changed"

expect 0 "1\.0\.0 is current; restart the node with" pdi rollback
assert_agree "$R" 1.0.0 rollback
[ "$(last_history "$R")" = "rollback 1.1.0 1.0.0 ok" ] || fail "history after rollback: $(last_history "$R")"
[ -d "$R/opt/polkadot/releases/1.1.0" ] || fail "rollback removed 1.1.0"
"$PDI" status --root "$R" | grep -Eq 'rollback +1\.1\.0 -> 1\.0\.0 +ok' || fail "status text shows no rollback"
echo "ok: rollback to the previous release"

snap c
expect 1 'release 9\.9\.9 is not kept' pdi rollback --to 9.9.9
expect_one_error_line
unchanged c "rollback to a release not kept"

# A kept release with a damaged file is refused before anything moves.
w=$R/opt/polkadot/releases/1.1.0/polkadot-execute-worker
cp -a "$w" "$T/worker.good"
echo tampered >>"$w"
snap d
expect 3 'release 1\.1\.0 is damaged \(polkadot-execute-worker' pdi rollback --to 1.1.0
expect_one_error_line
unchanged d "rollback to a damaged release"
cp -a "$T/worker.good" "$w"
# A stored manifest that no longer verifies is refused too.
m=$R/opt/polkadot/releases/1.1.0/manifest.json
cp -a "$m" "$T/manifest.good"
sed -i 's/"1.1.0"/"1.1.1"/' "$m"
snap e
expect 3 'manifest\.json\.minisig: .*does not verify' pdi rollback --to 1.1.0
expect_one_error_line
unchanged e "rollback to a release whose stored manifest is altered"
cp -a "$T/manifest.good" "$m"
# A stored signature that cannot be read is refused, not skipped (with fewer signatures the
# threshold alone would decide).
mv "$m.minisig" "$T/minisig.good" && mkdir "$m.minisig"
snap e2
expect 3 "signature /opt/polkadot/releases/1\.1\.0/manifest\.json\.minisig: " pdi rollback --to 1.1.0
expect_one_error_line
unchanged e2 "rollback to a release whose stored signature cannot be read"
rmdir "$m.minisig" && mv "$T/minisig.good" "$m.minisig"
echo "ok: rollback refuses a release not kept, a damaged one and an altered manifest"

snap f
# The plan names the paths under the root (pasted, it must not switch the host's install).
expect 0 "ln -sfn releases/1\.1\.0 $R/opt/polkadot/\.current\.new && mv -T $R/opt/polkadot/\.current\.new $R/opt/polkadot/current" \
        pdi rollback --dry-run
unchanged f "rollback --dry-run"
expect 0 'DRY RUN|dry run|would|ln -sfn|mv ' up 1.0.5 --dry-run --allow-downgrade
unchanged f "upgrade --dry-run"
assert_agree "$R" 1.0.0 "after the dry runs"
echo "ok: --dry-run changes nothing"

mkdir -p "$T/empty"
expect 1 "nothing is installed under /opt/polkadot; use 'install'" \
        "$PDI" upgrade --root "$T/empty" --trusted-key "$T/key.pub" --non-interactive \
        --manifest "$T/srv/1.1.0/manifest.json"
[ ! -e "$T/empty/opt/polkadot/current" ] || fail "upgrade with nothing installed made current"
expect 1 "nothing is installed" "$PDI" rollback --root "$T/empty" --trusted-key "$T/key.pub"
echo "ok: upgrade and rollback with nothing installed"

# --- SIGKILL at every fault point --------------------------------------------------------------
# crash_every_point NAME BASE WANT CMD...: count the points of a clean CMD run on a copy of
# BASE (CMD gets --root ROOT first), then for each point: copy, kill there, `status` must run
# and say whether the run was interrupted, the same CMD again must succeed, and tree, state
# and status must agree on WANT.
crash_every_point() {
        local name=$1 base=$2 want=$3 n i rc
        shift 3
        rm -rf "$T/probe" && cp -a "$base" "$T/probe"
        PDI_FAULT_TRACE=1 "$PDI" "$1" --root "$T/probe" "${@:2}" >/dev/null 2>"$T/trace" ||
                fail "$name: clean run failed: $(cat "$T/trace")"
        assert_agree "$T/probe" "$want" "$name: clean run"
        n=$(grep -c '^fault-point #' "$T/trace")
        [ "$n" -ge 3 ] || fail "$name: only $n fault points"
        for ((i = 1; i <= n; i++)); do
                local what="$name, kill at #$i ($(grep "^fault-point #$i:" "$T/trace" | cut -d' ' -f3))"
                rm -rf "$T/r" && cp -a "$base" "$T/r"
                rc=0
                { PDI_FAULT_AT="#$i" "$PDI" "$1" --root "$T/r" "${@:2}" >/dev/null 2>&1 || rc=$?; } 2>/dev/null
                [ "$rc" = 137 ] || fail "$what: exit $rc, not killed"
                before=$(state_current "$T/r")
                "$PDI" status --root "$T/r" --json >"$T/st.json" 2>"$T/st.err" ||
                        fail "$what: status after the kill failed: $(cat "$T/st.err")"
                # status names the tree's release; a state file behind the tree it reports
                # (interrupted_run) or brings along (recovered).
                python3 - "$T/st.json" "$(readlink "$T/r/opt/polkadot/current")" "$before" "$(state_current "$T/r")" <<'PY' ||
import json, sys
d, tree, before, after = json.load(open(sys.argv[1])), *sys.argv[2:]
assert tree == "releases/" + d["current"], (tree, d["current"])
if d["current"] != before:
    assert d["interrupted_run"] or d.get("recovered"), "status does not see the interrupted run"
if d.get("recovered"):
    assert after == d["current"] and not d["interrupted_run"], ("recovered, but state", after)
else:
    assert after == before, "status changed the state without saying so"
PY
                        fail "$what: status misreports the state after the kill: $(cat "$T/st.json") $(cat "$T/st.err")"
                rc=0
                "$PDI" "$1" --root "$T/r" "${@:2}" >"$T/out" 2>&1 || rc=$?
                [ "$rc" = 0 ] || { cat "$T/out" >&2; fail "$what: the next run failed ($rc)"; }
                assert_agree "$T/r" "$want" "$what"
                left=$(find "$T/r/opt/polkadot" -name '*.partial' -o -name '.current.new' -o -name '.delete-*')
                [ -z "$left" ] || fail "$what: leftovers: $left"
                TESTS_RUN=$((TESTS_RUN + 1))
        done
        echo "ok: killed at each of $n points of $name; the next run brought tree and state together"
}

mkdir -p "$T/base1"
"$PDI" install --root "$T/base1" --trusted-key "$T/key.pub" --non-interactive \
        --manifest "$T/srv/1.0.0/manifest.json" >/dev/null 2>&1 || fail "setup base1"
crash_every_point "upgrade 1.0.0 -> 1.1.0" "$T/base1" 1.1.0 \
        upgrade --trusted-key "$T/key.pub" --non-interactive --manifest "$T/srv/1.1.0/manifest.json"

cp -a "$T/base1" "$T/base2"
"$PDI" upgrade --root "$T/base2" --trusted-key "$T/key.pub" --non-interactive \
        --manifest "$T/srv/1.1.0/manifest.json" >/dev/null 2>&1 || fail "setup base2"
crash_every_point "rollback 1.1.0 -> 1.0.0" "$T/base2" 1.0.0 \
        rollback --to 1.0.0 --trusted-key "$T/key.pub" --non-interactive
pass
