#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# upgrade and rollback live, in the systemd container (container.sh) with the fake node, the
# list of issue 6: install v1 → upgrade to v2 while the node runs (the node started before the
# switch keeps its own release and workers until restarted; a SIGKILL between the switch and
# the restart is finished by the next upgrade) → upgrade to a v3 whose node exits at start →
# automatic fallback to v2, active and healthy → rollback to v1 → a manifest with an old
# sequence is refused. Then a SIGKILL at every fault point of an upgrade and of a rollback:
# after each, `status` and the next run bring tree, state file and running unit to agreement.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
source "$(dirname "$0")/container.sh"

STATE=/var/lib/polkadot-installer/state.json
REPORT=/var/lib/polkadot/report
OPTS=(--trusted-key /release/key.pub --non-interactive --settle 1)
# Installer-owned paths, saved and restored to give every kill the same starting point.
SNAP_PATHS="opt/polkadot var/lib/polkadot-installer etc/polkadot-installer var/cache/polkadot-installer"

releases() {
        rel_make "$T/rel/1.0.0" 1.0.0 1
        rel_make "$T/rel/2.0.0" 2.0.0 2
        # A properly signed release whose node cannot start: its archive puts FAIL_AT_START
        # next to the node binary.
        REL_ARCHIVE=1 REL_ARCHIVE_EXTRA=FAIL_AT_START rel_make "$T/rel/3.0.0" 3.0.0 3
        rel_make "$T/rel/1.5.0" 1.5.0 1 # signed, never installed, an old sequence
        mkdir -p "$CT/release"
        cp -a "$T/rel/"* "$T/key.pub" "$CT/release/"
}

pdi() { ct polkadot-installer "$@"; }
node_pid() { ct systemctl show -p MainPID --value polkadot.service; }
# The release the running unit's main process executes (its /proc exe, inside the container).
running_version() {
        local pid exe
        pid=$(node_pid)
        [ "${pid:-0}" -gt 0 ] || { echo none; return; }
        exe=$(ct readlink "/proc/$pid/exe" 2>/dev/null) || { echo gone; return; }
        case "$exe" in
        /opt/polkadot/releases/*/polkadot) exe=${exe#/opt/polkadot/releases/} && echo "${exe%/polkadot}" ;;
        *) echo "other:$exe" ;;
        esac
}
tree_version() { readlink "$CT/opt/polkadot/current" | sed 's|^releases/||'; }
state_version() {
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["instances"]["polkadot"]["current"])' "$CT$STATE"
}
journal_tail() { ct journalctl -u polkadot.service -n 15 --no-pager 2>&1 || true; }

# Tree, state file, status and the running unit all say VERSION; the unit is active.
assert_live() { # version what
        local want=$1 what=$2 tree st run active
        tree=$(tree_version)
        st=$(state_version)
        run=$(running_version)
        active=$(ct systemctl is-active polkadot.service || true)
        pdi status --json >"$T/status.json" 2>"$T/status.err" || fail "$what: status failed: $(cat "$T/status.err")"
        python3 - "$T/status.json" "$want" <<'PY' || fail "$what: status says otherwise: $(cat "$T/status.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["current"] == sys.argv[2] and not d["interrupted_run"], (d["current"], d["interrupted_run"])
assert d["pending_health_check"] is None, d["pending_health_check"]
PY
        if [ "$tree" != "$want" ] || [ "$st" != "$want" ] || [ "$run" != "$want" ] || [ "$active" != active ]; then
                journal_tail >&2
                fail "$what: tree=$tree state=$st running=$run unit=$active, wanted $want everywhere"
        fi
        TESTS_RUN=$((TESTS_RUN + 1))
}

# The node's own report: the workers it uses, from the release it was started from.
assert_report() { # version what
        ct cat "$REPORT" >"$T/report" || fail "$2: the node wrote no report"
        grep -qx "prepare=/opt/polkadot/releases/$1/polkadot-prepare-worker" "$T/report" &&
                grep -qx "execute=/opt/polkadot/releases/$1/polkadot-execute-worker" "$T/report" &&
                grep -qx "pid=$(node_pid)" "$T/report" ||
                fail "$2: the node does not use the workers of $1: $(cat "$T/report")"
}

snapshot() { ct sh -c "cd / && tar -cpf /root/snap-$1.tar $SNAP_PATHS"; }
# Back to a snapshot, with the node restarted from it (its old files are gone).
restore() { # name version
        ct sh -c "cd / && rm -rf $SNAP_PATHS && tar -xpf /root/snap-$1.tar" || fail "restore $1"
        ct systemctl restart polkadot.service || fail "restart after restoring $1"
        local i
        for i in $(seq 50); do
                [ "$(running_version)" = "$2" ] && return 0
                sleep 0.2
        done
        journal_tail >&2
        fail "restored $1, but the node runs $(running_version), not $2"
}

# The host PID of the polkadot-installer among the descendants of PID.
installer_pid() { # pid
        local p c
        for p in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
                [ "$(cat "/proc/$p/comm" 2>/dev/null)" = polkadot-instal ] && { echo "$p"; return 0; }
                c=$(installer_pid "$p") && { echo "$c"; return 0; }
        done
        return 1
}

# On failure the paused installer is killed before the container stops.
PAUSED=
kill_paused() {
        local p
        [ -n "$PAUSED" ] || return 0
        p=$(installer_pid "$PAUSED") && kill -KILL "$p"
        kill -KILL "$PAUSED" 2>/dev/null || true
        wait "$PAUSED" 2>/dev/null || true
        PAUSED=
}

# After a kill: `status` names the tree's release, and when the state file was behind the
# tree it says so (interrupted_run) or brings the state along (recovered).
status_after_kill() { # what state-before
        pdi status --json >"$T/status.json" 2>"$T/status.err" ||
                fail "$1: status failed: $(cat "$T/status.err")"
        python3 - "$T/status.json" "$(tree_version)" "$2" "$(state_version)" <<'PY' ||
import json, sys
d, tree, before, after = json.load(open(sys.argv[1])), *sys.argv[2:]
assert d["current"] == tree, ("status current", d["current"], "tree", tree)
if tree != before:
    assert d["interrupted_run"] or d.get("recovered"), "status does not see the interrupted run"
if d.get("recovered"):
    assert after == tree and not d["interrupted_run"], ("recovered, but state", after)
else:
    assert after == before, "status changed the state without saying so"
PY
                fail "$1: status after the kill: $(cat "$T/status.json") $(cat "$T/status.err")"
        TESTS_RUN=$((TESTS_RUN + 1))
}

# --- 1. install v1 -----------------------------------------------------------------------------
step_install() {
        echo "==> 1. install 1.0.0 live"
        expect 0 'install 1\.0\.0' pdi install --manifest /release/1.0.0/manifest.json "${OPTS[@]}" \
                --chain polkadot --validator --rpc-port 9933 --node-args "--report $REPORT"
        assert_live 1.0.0 "install"
        assert_report 1.0.0 "install"
        snapshot v1
        echo "ok: 1.0.0 installed, active, the node runs releases/1.0.0"
}

# --- 2. upgrade to v2 while the node runs, paused then killed before the restart -------------
step_upgrade_v2() {
        echo "==> 2. upgrade to 2.0.0, paused before the restart"
        local pid1 pid2 bg rc=0 ipid i
        pid1=$(node_pid)
        ct_timeout 120 env PDI_FAULT_TRACE=1 PDI_FAULT_PAUSE=before-restart polkadot-installer \
                upgrade --manifest /release/2.0.0/manifest.json "${OPTS[@]}" >"$T/paused.out" 2>"$T/paused.err" &
        bg=$!
        PAUSED=$bg
        PDI_CLEANUP=("kill_paused" "${PDI_CLEANUP[@]}")
        for i in $(seq 300); do
                grep -q 'before-restart' "$T/paused.err" && break
                kill -0 "$bg" 2>/dev/null || { cat "$T/paused.err" >&2; fail "upgrade ended before the restart point"; }
                sleep 0.2
        done
        grep -q 'before-restart' "$T/paused.err" || fail "upgrade never reached before-restart"
        # Switched, not restarted: current names 2.0.0, the running node is still 1.0.0's and
        # uses 1.0.0's workers; it keeps running across one of its worker spawns (10 s).
        [ "$(tree_version)" = 2.0.0 ] || fail "paused before restart, but current is $(tree_version)"
        [ "$(node_pid)" = "$pid1" ] || fail "the node was restarted before the restart point"
        [ "$(running_version)" = 1.0.0 ] || fail "before the restart the node runs $(running_version)"
        assert_report 1.0.0 "before the restart"
        sleep 11
        [ "$(node_pid)" = "$pid1" ] && [ "$(running_version)" = 1.0.0 ] ||
                fail "the old node did not survive the switch: pid $(node_pid), runs $(running_version)"
        ct journalctl --sync
        ct journalctl -u polkadot.service --no-pager | grep -i 'mismatch' &&
                fail "the old node saw a worker version mismatch after the switch"
        TESTS_RUN=$((TESTS_RUN + 1))
        echo "ok: after the switch the running node keeps releases/1.0.0 and its workers"

        # A crash between the switch and the restart.
        ipid=$(installer_pid "$bg") || fail "cannot find the paused installer"
        kill -KILL "$ipid"
        wait "$bg" || rc=$?
        PAUSED=
        [ "$rc" = 137 ] || fail "the killed upgrade exited $rc"
        # The state was saved with the switch, its health check pending, before the restart.
        [ "$(state_version)" = 2.0.0 ] || fail "the state was not saved before the restart"
        status_after_kill "the kill before the restart" 2.0.0
        python3 -c 'import json,sys; p=json.load(open(sys.argv[1]))["pending_health_check"]; assert (p["from"], p["to"]) == ("1.0.0", "2.0.0"), p' \
                "$T/status.json" || fail "status shows no pending health check: $(cat "$T/status.json")"
        [ "$(running_version)" = 1.0.0 ] || fail "after the kill the node runs $(running_version)"
        expect 0 'interrupted upgrade to 2\.0\.0 never finished its health check' pdi upgrade --manifest /release/2.0.0/manifest.json "${OPTS[@]}"
        pdi upgrade --manifest /release/2.0.0/manifest.json "${OPTS[@]}" --json >"$T/j" 2>/dev/null ||
                fail "a third upgrade to 2.0.0 failed"
        pid2=$(node_pid)
        [ "$pid2" != "$pid1" ] || fail "the node was not restarted"
        assert_live 2.0.0 "upgrade to 2.0.0 finished after a kill"
        assert_report 2.0.0 "after the upgrade"
        # The health check of the finishing run: active and system_health answered.
        grep -q 'answers system_health' "$T/out" ||
                fail "the upgrade did not health-check over RPC: $(cat "$T/out")"
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["changed"] is False, d' "$T/j" ||
                fail "the same manifest again changed something: $(cat "$T/j")"
        [ "$(node_pid)" = "$pid2" ] || fail "an up-to-date upgrade restarted the node"
        snapshot v2
        echo "ok: the next upgrade finished the pending health check: it restarted the node (it ran 1.0.0), 2.0.0 active, answers system_health"
}

# --- 3. upgrade to v3, whose node exits at start: automatic fallback -------------------------
step_fallback() {
        echo "==> 3. upgrade to 3.0.0, whose node exits at start"
        expect 1 'fell back to 2\.0\.0' pdi upgrade --manifest /release/3.0.0/manifest.json "${OPTS[@]}"
        grep -q 'fail at start' "$T/out" || { cat "$T/out" >&2; fail "no journal lines of the failed node in the message"; }
        assert_live 2.0.0 "after the fallback"
        assert_report 2.0.0 "after the fallback"
        pdi status --json >"$T/status.json"
        python3 - "$T/status.json" "$CT$STATE" <<'PY' || fail "no fallback in the history or no failure record"
import json, sys
d, st = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
fb = [h for h in d["history"] if h["action"] == "fallback"]
assert fb and fb[-1]["from"] == "3.0.0" and fb[-1]["to"] == "2.0.0" and fb[-1]["outcome"] == "ok", d["history"]
assert "3.0.0" in st["instances"]["polkadot"]["failed"], st["instances"]["polkadot"]
PY
        pdi status | grep -Eq 'fallback +3\.0\.0 -> 2\.0\.0 +ok' || fail "status text shows no fallback"
        TESTS_RUN=$((TESTS_RUN + 1))
        echo "ok: 3.0.0 failed at start; fell back to 2.0.0, active and healthy; recorded"
}

# --- 4. rollback to v1 -------------------------------------------------------------------------
step_rollback() {
        echo "==> 4. rollback"
        # After the fallback, `previous` is again the release before the upgrade (1.0.0),
        # not the one that just failed: a plain rollback goes there.
        expect 0 'releases/1.0.0' pdi rollback --dry-run "${OPTS[@]}"
        expect 0 'answers system_health' pdi rollback "${OPTS[@]}"
        assert_live 1.0.0 "rollback"
        assert_report 1.0.0 "rollback"
        pdi status --json | python3 -c '
import json, sys
h = json.load(sys.stdin)["history"][-1]
assert (h["action"], h["from"], h["to"], h["outcome"]) == ("rollback", "2.0.0", "1.0.0", "ok"), h' ||
                fail "history has no rollback 2.0.0 -> 1.0.0"
        echo "ok: rolled back to 1.0.0, active, in the history"
}

# --- 5. an old sequence is refused -------------------------------------------------------------
step_old_sequence() {
        echo "==> 5. upgrade with an old sequence"
        local pid
        pid=$(node_pid)
        cp "$CT$STATE" "$T/state.before"
        expect 3 'sequence 1 .*sequence 3' pdi upgrade --manifest /release/1.5.0/manifest.json "${OPTS[@]}"
        expect_one_error_line
        [ "$(node_pid)" = "$pid" ] || fail "the refused upgrade restarted the node"
        cmp -s "$T/state.before" "$CT$STATE" || fail "the refused upgrade changed the state"
        [ ! -e "$CT/opt/polkadot/releases/1.5.0" ] || fail "the refused upgrade staged 1.5.0"
        assert_live 1.0.0 "after the refused upgrade"
        echo "ok: an old sequence is refused; nothing changed"
}

# --- 6. SIGKILL at every fault point -----------------------------------------------------------
# kill_every_point NAME SNAPSHOT FROM WANT RC FIRST FAILED CMD…: a clean CMD from SNAPSHOT exits
# RC (a regex: a fallback the killed run had finished makes the next run a refusal, 3) and
# counts the points; then for each from the one named FIRST ("" for all): restore, kill at it,
# `status` must run and match the tree, CMD again must exit RC, and tree, state and running
# unit must say WANT, with no health check left pending and FAILED ("" for none) on record.
kill_every_point() {
        local name=$1 snap=$2 from=$3 want=$4 want_rc=$5 first=$6 failed=$7 n i rc what start=1
        shift 7
        restore "$snap" "$from"
        rc=0
        ct env PDI_FAULT_TRACE=1 polkadot-installer "$@" >/dev/null 2>"$T/trace" || rc=$?
        [[ "$rc" =~ ^($want_rc)$ ]] || fail "$name: clean run exited $rc, not $want_rc: $(cat "$T/trace")"
        assert_live "$want" "$name: clean run"
        n=$(grep -c '^fault-point #' "$T/trace")
        grep -q 'before-restart' "$T/trace" || fail "$name: the run has no before-restart point"
        grep -q ' restarted$' "$T/trace" || fail "$name: the run has no point between restart and check"
        if [ -n "$first" ]; then
                start=$(grep -m1 " $first\$" "$T/trace" | sed -E 's/^fault-point #([0-9]+):.*/\1/')
                [ -n "$start" ] || fail "$name: no point $first in the trace"
        fi
        for ((i = start; i <= n; i++)); do
                what="$name, kill at #$i ($(grep "^fault-point #$i:" "$T/trace" | cut -d' ' -f3))"
                restore "$snap" "$from"
                rc=0
                ct env PDI_FAULT_AT="#$i" polkadot-installer "$@" >"$T/killed" 2>&1 || rc=$?
                [ "$rc" = 137 ] || { cat "$T/killed" >&2; fail "$what: exit $rc, not killed"; }
                status_after_kill "$what" "$(state_version)"
                rc=0
                pdi "$@" >"$T/out" 2>&1 || rc=$?
                [[ "$rc" =~ ^($want_rc)$ ]] || { cat "$T/out" >&2; fail "$what: the next run exited $rc, not $want_rc"; }
                [ "$rc" != 3 ] || grep -q "release $failed failed its health check" "$T/out" ||
                        { cat "$T/out" >&2; fail "$what: refused for another reason"; }
                assert_live "$want" "$what"
                [ -z "$failed" ] || assert_failed_recorded "$failed" "$what"
        done
        echo "ok: killed at each of $((n - start + 1)) points of $name; the next run brought tree, state and unit together"
}

# kill_at POINT CMD…: run CMD in the container and require it killed at the fault point.
kill_at() {
        local point=$1 rc=0
        shift
        ct env PDI_FAULT_AT="$point" polkadot-installer "$@" >"$T/killed" 2>&1 || rc=$?
        [ "$rc" = 137 ] || { cat "$T/killed" >&2; fail "$*: not killed at $point (exit $rc)"; }
}

# The failed release is on record, and no longer offered by a plain rollback.
assert_failed_recorded() { # version what
        python3 - "$CT$STATE" "$1" <<'PY' || fail "$2: $1 is not recorded as failed, or previous names it"
import json, sys
i = json.load(open(sys.argv[1]))["instances"]["polkadot"]
assert sys.argv[2] in i.get("failed", {}), i.get("failed")
assert i.get("previous") != sys.argv[2], i.get("previous")
PY
        TESTS_RUN=$((TESTS_RUN + 1))
}

# A run killed between the restart and the end of the health check, and the node crash-looping
# on the new release: the next status says so, the next upgrade finishes the fallback.
step_killed_during_check() {
        echo "==> 7. upgrade to 3.0.0 killed during its health check"
        restore v2 2.0.0
        kill_at restarted upgrade --manifest /release/3.0.0/manifest.json "${OPTS[@]}"
        [ "$(tree_version)" = 3.0.0 ] && [ "$(state_version)" = 3.0.0 ] ||
                fail "killed after the restart, but tree=$(tree_version) state=$(state_version)"
        pdi status --json >"$T/status.json" || fail "status failed"
        python3 - "$T/status.json" <<'PY' || fail "status does not show the pending health check: $(cat "$T/status.json")"
import json, sys
p = json.load(open(sys.argv[1]))["pending_health_check"]
assert p["to"] == "3.0.0" and p["from"] == "2.0.0" and p["action"] == "upgrade", p
PY
        pdi status | grep -q 'pending: *the health check of 3\.0\.0' || fail "status text shows nothing pending"
        expect 0 '# first: an interrupted upgrade to 3\.0\.0 never finished its health check' \
                pdi upgrade --manifest /release/3.0.0/manifest.json --dry-run "${OPTS[@]}"
        expect 1 'interrupted upgrade to 3\.0\.0 never finished its health check' pdi upgrade --manifest /release/3.0.0/manifest.json "${OPTS[@]}"
        grep -q 'fell back to 2\.0\.0, which is active and healthy' "$T/out" || fail "no fallback after the resumed check: $(cat "$T/out")"
        assert_live 2.0.0 "the next upgrade after a kill during the check"
        assert_failed_recorded 3.0.0 "after a kill during the check"
        expect 3 '3\.0\.0 failed its health check' pdi upgrade --manifest /release/3.0.0/manifest.json "${OPTS[@]}"
        pdi status | grep -Eq '^failed: +3\.0\.0 on .*, not retried by upgrade' || fail "status does not list 3.0.0 as failed"
        assert_live 2.0.0 "a failed release offered again"
        echo "ok: a kill during the health check is seen by status and finished by the next upgrade (fallback to 2.0.0); the failed release is not retried"
}

state_previous() {
        python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["instances"]["polkadot"].get("previous") or "")' "$CT$STATE"
}

# An upgrade killed before its check, then a failing upgrade: the next run first checks the
# interrupted release, then falls back from the failing one to it, and `previous` is what it
# was before either (1.0.0), not what the interrupted run had.
step_resume_then_fail() {
        echo "==> 8. an interrupted upgrade, then a failing one"
        restore v1 1.0.0
        kill_at before-restart upgrade --manifest /release/2.0.0/manifest.json "${OPTS[@]}"
        expect 1 'interrupted upgrade to 2\.0\.0 never finished its health check: checking it now' \
                pdi upgrade --manifest /release/3.0.0/manifest.json "${OPTS[@]}"
        grep -q '^error: .*3\.0\.0 failed: ' "$T/out" && grep -q 'fell back to 2\.0\.0, which is active and healthy' "$T/out" ||
                fail "no fallback to 2.0.0: $(cat "$T/out")"
        assert_live 2.0.0 "after the resumed check and the failing upgrade"
        [ "$(state_previous)" = 1.0.0 ] || fail "previous is '$(state_previous)', not 1.0.0"
        assert_failed_recorded 3.0.0 "resumed, then failed"
        echo "ok: the interrupted upgrade was checked first, the failing one fell back to it; previous stays 1.0.0"
}

# A record left by a kill is dropped by a run that moves `current` without a health check
# (--no-start): a later run must not take 2.0.0, which never failed, for a failed release.
step_no_start_drops_record() {
        echo "==> 9. a kill during the check, then rollback --no-start"
        restore v1 1.0.0
        kill_at restarted upgrade --manifest /release/2.0.0/manifest.json "${OPTS[@]}"
        expect 0 'never finished its health check; run it again without --no-start' \
                pdi rollback --to 1.0.0 --no-start "${OPTS[@]}"
        pdi status --json >"$T/status.json" || fail "status failed"
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["pending_health_check"] is None, d' \
                "$T/status.json" || fail "rollback --no-start kept the record: $(cat "$T/status.json")"
        ct systemctl restart polkadot.service
        expect 3 'sequence 2 is not greater than the highest accepted sequence 2' \
                pdi upgrade --manifest /release/2.0.0/manifest.json "${OPTS[@]}"
        python3 -c 'import json,sys; i=json.load(open(sys.argv[1]))["instances"]["polkadot"]; assert "2.0.0" not in i.get("failed", {}), i' \
                "$CT$STATE" || fail "2.0.0 was recorded as failed"
        assert_live 1.0.0 "after rollback --no-start and a restart by hand"
        echo "ok: rollback --no-start dropped the record; 2.0.0 is not taken for a failed release"
}

t0=$(date +%s)
cache_ensure
t1=$(date +%s)
ct_copy
releases
ct_boot
t2=$(date +%s)
step_install
step_upgrade_v2
step_fallback
step_rollback
step_old_sequence
t3=$(date +%s)
kill_every_point "upgrade 1.0.0 -> 2.0.0" v1 1.0.0 2.0.0 0 "" "" upgrade --manifest /release/2.0.0/manifest.json "${OPTS[@]}"
kill_every_point "rollback 2.0.0 -> 1.0.0" v2 2.0.0 1.0.0 0 "" "" rollback --to 1.0.0 "${OPTS[@]}"
# The same rollback again, without --to: it must finish the killed one, not undo it.
kill_every_point "plain rollback 2.0.0 -> 1.0.0" v2 2.0.0 1.0.0 0 "" "" rollback "${OPTS[@]}"
kill_every_point "failing upgrade 2.0.0 -> 3.0.0" v2 2.0.0 2.0.0 '1|3' "" 3.0.0 upgrade --manifest /release/3.0.0/manifest.json "${OPTS[@]}"
step_killed_during_check
step_resume_then_fail
step_no_start_drops_record
t4=$(date +%s)
ct_stop_and_check
echo "timings: cache $((t1 - t0)) s, copy+boot $((t2 - t1)) s, steps 1-5 $((t3 - t2)) s, kills $((t4 - t3)) s, stop $(($(date +%s) - t4)) s"
pass
