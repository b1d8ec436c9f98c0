#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Worker isolation live (issue 11, "How it is shown"): in the systemd container, `install
# --worker-isolation systemd` with the fake node, which spawns its workers as upstream does
# (tests/fake/fake_pvf.h: a worker directory and a socket in the base path, the job over the
# socket). Shown: the node's version check passes through the relays; the worker runs as
# pvf-worker in polkadot-pvf.slice with no capabilities and no network, and writes into its
# worker directory; a worker that allocates past the slice's limit (64 MiB, set for this test
# only by a drop-in; where the container's systemd has no memory controller, a v1 memory
# cgroup the test makes for the spawner) is killed while the node keeps running and sees a
# death by signal; killing the relay kills the worker; a relay that asks for anything but an
# installed worker is refused (and logged), and the socket is closed to anyone outside the
# node's group.
#   PDI_CT_CACHE, PDI_DEBIAN_MIRROR: see container.sh
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
source "$(dirname "$0")/container.sh"
need_cmd sha256sum

BASE=/var/lib/polkadot
LOG=$BASE/fake-pvf.log

# job TEXT: the fake node's next PVF job; waits for its line in the log, prints it.
job() {
        local n
        n=$(ct sh -c "cat $LOG 2>/dev/null | wc -l")
        ct sh -c "echo '$1' > $BASE/fake-pvf-job"
        for _ in $(seq 150); do
                if [ "$(ct sh -c "cat $LOG 2>/dev/null | wc -l")" -gt "$n" ]; then
                        ct sh -c "tail -n +$((n + 1)) $LOG | head -n 1"
                        return 0
                fi
                sleep 0.2
        done
        fail "no PVF job '$1' logged by the fake node in 30 s"
}

cache_ensure
ct_copy
mkdir -p "$CT/release"
rel_make "$T/release" 1.0.0 10
cp "$T/release/"* "$T/key.pub" "$CT/release/"
ct_boot

echo "==> install --worker-isolation systemd"
ct polkadot-installer install --manifest /release/manifest.json --trusted-key /release/key.pub \
        --non-interactive --validator --chain polkadot --worker-isolation systemd \
        --node-args "--report $BASE/fake-node.report" || fail "install in the container failed"
for u in polkadot.service polkadot-pvf.socket; do
        [ "$(ct systemctl is-active "$u")" = active ] || fail "$u not active"
        [ "$(ct systemctl is-enabled "$u")" = enabled ] || fail "$u not enabled"
done
# The version check passed through the relays: the node started with them as its workers.
ct cat "$BASE/fake-node.report" >"$T/report" || fail "the fake node wrote no report"
grep -qx "prepare=/opt/polkadot/pvf/1.0.0/polkadot-prepare-worker" "$T/report" ||
        fail "node does not use the relays: $(cat "$T/report")"
[ "$(ct stat -c '%a %U %G' /run/polkadot-pvf/spawner.sock)" = "660 root polkadot" ] ||
        fail "socket: $(ct stat -c '%a %U %G' /run/polkadot-pvf/spawner.sock)"
NODE=$(ct systemctl show -p MainPID --value polkadot.service)
# audit on the live host: the mode, intact, the socket's owner, group and mode included.
ct polkadot-installer audit --json >"$T/audit.json" || true
python3 -c 'import json,sys
c=[c for c in json.load(open(sys.argv[1]))["checks"] if c["id"]=="worker-isolation"][0]
t=[f["severity"]+" "+f["text"] for f in c["findings"]]
assert t==["info worker isolation: systemd (the PVF workers run as pvf-worker under polkadot-pvf.service)"], t' \
        "$T/audit.json" || fail "audit of the live isolation: $(cat "$T/audit.json")"
ct chmod 0666 /run/polkadot-pvf/spawner.sock
ct polkadot-installer audit --json >"$T/audit.json" || true
grep -q 'spawner.sock is mode 0666' "$T/audit.json" || fail "audit misses a world-writable socket"
ct chmod 0660 /run/polkadot-pvf/spawner.sock
TESTS_RUN=$((TESTS_RUN + 8))

echo "==> a worker reports who and where it is"
line=$(job report)
echo "    $line"
case "$line" in "job report: uid="*) ;; *)
        ct journalctl -u polkadot.service -u polkadot-pvf.service --no-pager | tail -n 20 >&2 ;;
esac
wuid=$(ct id -u pvf-worker)
case "$line" in "job report: uid=$wuid "*) ;; *) fail "worker not pvf-worker ($wuid): $line" ;; esac
# (systemd nests polkadot-pvf.slice in polkadot.slice: a dash is a level of its hierarchy)
case "$line" in *" cgroup="*":/polkadot.slice/polkadot-pvf.slice/polkadot-pvf.service "*) ;;
*) fail "worker not in polkadot-pvf.slice: $line" ;; esac
case "$line" in *" capeff=0000000000000000 "*) ;; *) fail "worker has capabilities: $line" ;; esac
case "$line" in *" ifaces=lo "*) ;; *) fail "worker has a network: $line" ;; esac
case "$line" in *" artifact=written") ;; *) fail "worker could not write its worker dir: $line" ;; esac
# pvf-worker reaches nothing else of the base path: not the node key, not a listing.
ct setpriv --reuid=pvf-worker --regid=pvf-worker --clear-groups cat "$BASE/node-key" >/dev/null 2>&1 &&
        fail "pvf-worker can read the node key"
ct setpriv --reuid=pvf-worker --regid=pvf-worker --clear-groups ls "$BASE" >/dev/null 2>&1 &&
        fail "pvf-worker can list the base path"
TESTS_RUN=$((TESTS_RUN + 7))

echo "==> killing the relay kills the worker"
ct sh -c "echo 'sleep 60' > $BASE/fake-pvf-job"
relay= worker=
for _ in $(seq 150); do
        relay=$(ct pgrep -u polkadot -f '^/opt/polkadot/pvf/1.0.0/polkadot-prepare-worker' | head -n 1) || true
        worker=$(ct pgrep -u pvf-worker -f '^/opt/polkadot/pvf/1.0.0/polkadot-prepare-worker' | head -n 1) || true
        [ -n "$relay" ] && [ -n "$worker" ] && break
        sleep 0.2
done
[ -n "$relay" ] && [ -n "$worker" ] || fail "no relay ($relay) and worker ($worker) for the sleep job"
ct rm -f "$BASE/fake-pvf-job"
ct kill -KILL "$relay"
gone=no
for _ in $(seq 50); do
        ct kill -0 "$worker" 2>/dev/null || { gone=yes; break; }
        sleep 0.1
done
[ "$gone" = yes ] || fail "worker $worker survived its relay $relay"
TESTS_RUN=$((TESTS_RUN + 1))

echo "==> a worker past the slice's memory limit dies alone"
# over_limit: the 256 MiB job's worker, in a 64 MiB cgroup, dies by signal 9 while the node
# (same MainPID) and the spawner (same MainPID: Restart=always would hide a death) run on,
# and the next job gets a worker.
over_limit() {
        local spawner line
        spawner=$(ct systemctl show -p MainPID --value polkadot-pvf.service)
        line=$(job 'alloc 256')
        echo "    $line"
        [ "$line" = "job alloc 256: died by signal 9" ] || fail "over the limit: $line"
        [ "$(ct systemctl is-active polkadot.service)" = active ] || fail "the node went down"
        [ "$(ct systemctl show -p MainPID --value polkadot.service)" = "$NODE" ] || fail "the node restarted"
        [ "$(ct systemctl is-active polkadot-pvf.service)" = active ] || fail "the spawner went down"
        [ "$(ct systemctl show -p MainPID --value polkadot-pvf.service)" = "$spawner" ] ||
                fail "the spawner restarted"
        line=$(job report)
        case "$line" in "job report: uid=$wuid "*) ;; *) fail "no worker after the OOM kill: $line" ;; esac
        TESTS_RUN=$((TESTS_RUN + 6))
}

# The cgroup v1 variant (a host whose memory hierarchy is v1, which systemd-nspawn does not
# delegate, so the container's systemd cannot enforce the slice's MemoryMax): the test makes
# a memory cgroup of its own under its own one, and moves the spawner into it.
MEMCG="" MEMCG_HOME="" WHY=""
# host_pid PID: the pid in this /proc of the container's process PID.
host_pid() {
        local p ns
        ns=$(readlink "/proc/$INIT/ns/pid")
        for p in /proc/[0-9]*; do
                [ "$(readlink "$p/ns/pid" 2>/dev/null)" = "$ns" ] || continue
                [ "$(awk '$1 == "NSpid:" { print $NF }' "$p/status" 2>/dev/null)" = "$1" ] || continue
                echo "${p#/proc/}"
                return 0
        done
        return 1
}
# memcg_remove: its processes back where the spawner came from (killed if that fails), then
# rmdir; run at the end of the part and by the exit trap on every other path.
memcg_remove() {
        local p
        [ -n "$MEMCG" ] && [ -d "$MEMCG" ] || return 0
        for _ in $(seq 25); do
                while read -r p; do
                        echo "$p" >"$MEMCG_HOME/cgroup.procs" 2>/dev/null || kill -KILL "$p" 2>/dev/null || true
                done <"$MEMCG/cgroup.procs"
                rmdir "$MEMCG" 2>/dev/null && break
                sleep 0.2
        done
        [ ! -d "$MEMCG" ] || echo "FAIL: memory cgroup $MEMCG not removed" >&2
}
memcg_v1() { # false, with WHY set, when this host cannot run the variant either
        local c hp
        c=$(awk -F: '$2 == "memory" { print $3; exit }' /proc/self/cgroup)
        if [ -z "$c" ] || [ ! -w "/sys/fs/cgroup/memory${c%/}/cgroup.procs" ]; then
                WHY="no writable cgroup v1 memory hierarchy on the host either"
                return 1
        fi
        hp=$(host_pid "$(ct systemctl show -p MainPID --value polkadot-pvf.service)") ||
                fail "the spawner's pid on the host not found"
        MEMCG_HOME=/sys/fs/cgroup/memory$(awk -F: '$2 == "memory" { print $3; exit }' "/proc/$hp/cgroup")
        MEMCG_HOME=${MEMCG_HOME%/}
        [ -w "$MEMCG_HOME/cgroup.procs" ] || MEMCG_HOME=/sys/fs/cgroup/memory${c%/}
        if ! mkdir "/sys/fs/cgroup/memory${c%/}/pdi-pvf-oom.${T##*.}" 2>/dev/null; then
                WHY="cannot create a memory cgroup under /sys/fs/cgroup/memory${c%/}"
                return 1
        fi
        MEMCG=/sys/fs/cgroup/memory${c%/}/pdi-pvf-oom.${T##*.}
        PDI_CLEANUP+=("memcg_remove")
        echo $((64 << 20)) >"$MEMCG/memory.limit_in_bytes" || fail "$MEMCG: limit not set"
        # No swap to escape to: memory+swap at the same limit, or no swapping at all.
        if [ -f "$MEMCG/memory.memsw.limit_in_bytes" ]; then
                echo $((64 << 20)) >"$MEMCG/memory.memsw.limit_in_bytes" || fail "$MEMCG: memsw limit not set"
        else
                echo 0 >"$MEMCG/memory.swappiness" || fail "$MEMCG: swappiness not set"
        fi
        echo "$hp" >"$MEMCG/cgroup.procs" || fail "spawner $hp not moved into $MEMCG"
        grep -qx "$hp" "$MEMCG/cgroup.procs" || fail "spawner $hp not in $MEMCG"
}

if ct test -f /sys/fs/cgroup/polkadot.slice/polkadot-pvf.slice/memory.max ||
        ct test -f /sys/fs/cgroup/memory/polkadot.slice/polkadot-pvf.slice/memory.limit_in_bytes; then
        ct mkdir -p /etc/systemd/system/polkadot-pvf.slice.d
        ct sh -c 'printf "[Slice]\nMemoryMax=64M\nMemorySwapMax=0\n" > /etc/systemd/system/polkadot-pvf.slice.d/test.conf'
        ct systemctl daemon-reload
        over_limit
        ct rm -f /etc/systemd/system/polkadot-pvf.slice.d/test.conf
        ct systemctl daemon-reload
elif memcg_v1; then
        # Shown: the kernel's OOM killer kills the worker alone, the node sees its death by
        # signal, the spawner survives, the next job gets a worker. Not shown: the rendered
        # slice's MemoryMax enforced by systemd; the limit here is the test's own, 64 MiB on a
        # v1 memory cgroup it made and moved the spawner into (the workers it forks inherit it).
        # That MemoryMax is ≥ 18 GiB, checked statically by test_units.sh.
        echo "    cgroup v1 variant: the container's systemd has no memory controller, so the test" \
                "puts the spawner in a 64 MiB v1 memory cgroup of its own ($MEMCG); shows the kernel" \
                "kills the worker alone, the node sees death by signal, the spawner survives; does" \
                "not show the rendered slice's MemoryMax (checked statically by test_units: 24576M, never below 18432M)"
        over_limit
        kills=$(awk '$1 == "oom_kill" { print $2 }' "$MEMCG/memory.oom_control")
        echo "    $MEMCG: oom_kill ${kills:-?}"
        [ "${kills:-1}" -ge 1 ] || fail "no OOM kill counted in $MEMCG"
        memcg_remove
        [ ! -d "$MEMCG" ] || fail "$MEMCG not removed"
        TESTS_RUN=$((TESTS_RUN + 2))
else
        # Not a skip of the test: only this part needs a host whose memory controller the
        # container's systemd can use (cgroup v2, or v1 delegated), or a writable v1 one.
        echo "    part not run: the container's systemd has no memory controller for polkadot-pvf.slice" \
                "(on this host memory is a cgroup v1 hierarchy that systemd-nspawn does not delegate;" \
                "container cgroups: $(ct cat /proc/self/cgroup | tr '\n' ' ')), and $WHY"
fi
ct rm -f "$BASE/fake-pvf-job"

echo "==> only installed workers are started"
ct mkdir -p /var/lib/polkadot/elsewhere
ct cp /opt/polkadot/pvf/1.0.0/polkadot-prepare-worker /opt/polkadot/pvf/1.0.0/spawner-socket /var/lib/polkadot/elsewhere/
ct chown -R polkadot:polkadot /var/lib/polkadot/elsewhere
rc=0
ct setpriv --reuid=polkadot --regid=polkadot --init-groups /var/lib/polkadot/elsewhere/polkadot-prepare-worker --version >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -qx 'error: polkadot-prepare-worker: /var/lib/polkadot/elsewhere/polkadot-prepare-worker is not a worker of an installed release' "$T/out" ||
        { cat "$T/out" >&2; fail "a relay outside the install was not refused (exit $rc)"; }
ct journalctl -u polkadot-pvf.service --no-pager >"$T/journal" 2>&1 || true
grep -q 'refused /var/lib/polkadot/elsewhere/polkadot-prepare-worker for pid [0-9]* uid' "$T/journal" ||
        { tail "$T/journal" >&2; fail "the spawner did not log the refusal"; }
# Outside the node's group the socket does not open at all.
rc=0
ct setpriv --reuid=nobody --regid=nogroup --clear-groups /opt/polkadot/pvf/1.0.0/polkadot-prepare-worker --version >"$T/out" 2>&1 || rc=$?
[ "$rc" = 1 ] && grep -q 'spawner.sock: Permission denied' "$T/out" ||
        { cat "$T/out" >&2; fail "nobody reached the spawner (exit $rc)"; }
TESTS_RUN=$((TESTS_RUN + 3))

echo "==> uninstall"
ct polkadot-installer uninstall --non-interactive || fail "uninstall failed"
[ "$(ct systemctl is-active polkadot-pvf.socket)" != active ] || fail "socket still active"
ct test -e /opt/polkadot/pvf && fail "pvf/ left"
TESTS_RUN=$((TESTS_RUN + 2))
ct_stop_and_check
pass
