#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# audit's host checks on a real install under --root: a noexec /opt made in a private mount
# namespace trips `noexec`; `node-probes` never runs the tree's worker under --root (the
# probes run it unconfined as the service user; test_systemd_container.sh shows them on a
# host's own install); cgroup2 mounted over /sys/fs/cgroup in a private mount namespace
# changes what `cgroups` says. Each time the other host checks must not change their verdict.
source "$(dirname "$0")/lib.sh"
"$PDI" --help 2>&1 | grep -q audit || fail "no audit command in $PDI --help"
need_root "mounts in a private mount namespace"
need_cmd unshare
need_cmd strace
source "$(dirname "$0")/release.sh"

R="$T/root"
mkdir -p "$R/etc"
printf 'ID=debian\nVERSION_ID=12\n' >"$R/etc/os-release"
rel_make "$T/srv/1.0.0" 1.0.0 10
expect 0 'active' "$PDI" install --root "$R" --from "$T/srv/1.0.0" --trusted-key "$T/key.pub"

HOST_IDS="seccomp landlock userns-pivot-root sandbox cgroups selinux apparmor noexec free-space node-probes unit-sandbox-probes"

audit() { # out.json [cmd prefix...]: audit --json (exit 0 or 4), keeps the JSON
        local out=$1 rc=0
        shift
        "$@" "$PDI" audit --root "$R" --json >"$out" 2>"$T/audit.err" || rc=$?
        [ "$rc" = 0 ] || [ "$rc" = 4 ] || { cat "$T/audit.err" >&2; fail "audit exit $rc"; }
}

# status ID JSON: the check's status word; finding ID JSON: its findings' texts.
status() {
        python3 -c 'import json,sys; d=json.load(open(sys.argv[2]))
print(next(c["status"] for c in d["checks"] if c["id"]==sys.argv[1]))' "$1" "$2"
}
finding() {
        python3 -c 'import json,sys; d=json.load(open(sys.argv[2]))
print("\n".join(f["severity"]+": "+f["text"] for c in d["checks"] if c["id"]==sys.argv[1] for f in c["findings"]))' "$1" "$2"
}

# fired ID JSON: yes when the check has a warning or an error.
fired() { case $(status "$1" "$2") in warn | error) echo yes ;; *) echo no ;; esac; }

# Exactly the expected host check fires in one run and not in the other (a probe that cannot
# run on noexec says "skipped": that is not firing).
only_changed() { # expected-id before.json after.json
        local id changed=""
        for id in $HOST_IDS; do
                [ "$(fired "$id" "$2")" = "$(fired "$id" "$3")" ] || changed="$changed $id"
        done
        TESTS_RUN=$((TESTS_RUN + 1))
        [ "$changed" = " $1" ] || fail "expected only $1 to fire, changed:$changed"
}

audit "$T/clean.json"
for id in seccomp noexec; do
        [ "$(status $id "$T/clean.json")" = ok ] || fail "clean install: $id is $(status $id "$T/clean.json"): $(finding $id "$T/clean.json")"
done

# (a) /opt on a noexec tmpfs (a copy of the install), only in a private mount namespace.
cat >"$T/noexec.sh" <<EOF
set -e
mount --make-rprivate /
cp -a "$R/opt" "$T/opt.copy"
mount -t tmpfs -o noexec,nosuid,nodev,size=2g tmpfs "$R/opt"
cp -a "$T/opt.copy/." "$R/opt/"
exec "\$@"
EOF
audit "$T/noexec.json" unshare -m bash "$T/noexec.sh"
[ "$(status noexec "$T/noexec.json")" = error ] || fail "noexec: $(status noexec "$T/noexec.json")"
finding noexec "$T/noexec.json" | grep -q 'node directory /.*/opt/polkadot/.* is on a noexec filesystem' ||
        fail "noexec finding: $(finding noexec "$T/noexec.json")"
only_changed noexec "$T/clean.json" "$T/noexec.json"
findmnt -n "$R/opt" >/dev/null && fail "the noexec mount leaked out of its namespace"

# (b) Under --root the node's probes are not run: a prepare worker that leaves a mark when
# run with any --check-can-* (and prints its --version as before) leaves none.
W="$R/opt/polkadot/releases/1.0.0/polkadot-prepare-worker"
cp "$W" "$T/worker.orig"
mkdir -m 1777 "$T/marks"
cat >"$W" <<EOF
#!/bin/sh
case "\$1" in
--version) echo 1.0.0;;
--check-can-*) touch "$T/marks/\$1"; exit 0;;
esac
EOF
audit "$T/probes.json"
cp "$T/worker.orig" "$W"
[ "$(status node-probes "$T/probes.json")" = skipped ] ||
        fail "node-probes under --root: $(status node-probes "$T/probes.json")"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
r=[c["skip_reason"] for c in d["checks"] if c["id"]=="node-probes"][0]
assert r.startswith("not run under --root"), r' "$T/probes.json" || fail "node-probes: wrong skip reason"
[ -z "$(ls "$T/marks")" ] || fail "a --check-can-* probe ran the tree's worker: $(ls "$T/marks")"
TESTS_RUN=$((TESTS_RUN + 2))

# Each sandbox probe runs once per audit (up to 10 s each): sandbox reuses what landlock and
# userns-pivot-root found. Both start in the audit process itself (the Landlock ABI query,
# the probe directory), so strace without -f counts one per probe.
strace -o "$T/strace" -e trace=landlock_create_ruleset,mkdir "$PDI" audit --root "$R" --json >/dev/null 2>&1 || true
TESTS_RUN=$((TESTS_RUN + 1))
n_ll=$(grep -c 'landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)' "$T/strace" || true)
n_ns=$(grep -c 'mkdir("/tmp/pdi-pivot-' "$T/strace" || true)
[ "$n_ll" = 1 ] && [ "$n_ns" = 1 ] || fail "probes per audit: landlock $n_ll, userns $n_ns (want 1 each)"

# (c) cgroup2 over /sys/fs/cgroup in a private mount namespace (CI has v1/hybrid).
CG_BEFORE=$(finding cgroups "$T/clean.json")
cat >"$T/cg2.sh" <<'EOF'
set -e
mount --make-rprivate /
umount -l /sys/fs/cgroup 2>/dev/null || true
mount -t cgroup2 none /sys/fs/cgroup
exec "$@"
EOF
if unshare -m bash "$T/cg2.sh" true 2>/dev/null; then
        audit "$T/cg2.json" unshare -m bash "$T/cg2.sh"
        CG_AFTER=$(finding cgroups "$T/cg2.json")
        echo "# cgroups on this host: ${CG_BEFORE:-ok}; with cgroup2 mounted: ${CG_AFTER:-ok}"
        TESTS_RUN=$((TESTS_RUN + 1))
        echo "$CG_AFTER" | grep -Eq 'cgroup (v1|hybrid)' && fail "cgroup2 mounted, still reported as v1: $CG_AFTER"
        [ -z "$CG_AFTER" ] || echo "$CG_AFTER" | grep -q 'cgroup v2 without the [a-z]* controller' ||
                fail "cgroups with cgroup2: $CG_AFTER"
else
        echo "# cannot mount cgroup2 here: cgroup part skipped"
fi

pass
