#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The rendered polkadot.service and polkadot.slice, checked by the systemd on this machine
# without touching the host: rendered for a layout under a scratch prefix, `systemd-analyze
# verify` prints nothing (any output fails: it exits 0 on unknown keys), the offline exposure
# score is at most 2.5, and the effective syscall filter still allows what Secure Validator
# Mode needs. The unit for old systemd (< 247) is checked the same way.
source "$(dirname "$0")/lib.sh"

need_cmd systemd-analyze
: "${PDI_BUILD_DIR:?PDI_BUILD_DIR must name the build directory (ctest sets it)}"
RENDER=$PDI_BUILD_DIR/render-units
[ -x "$RENDER" ] || fail "$RENDER not built"

# The limit for the unit rendered for each systemd version, scored by this machine's systemd,
# which counts the keys an older one does not know as missing (239 lacks ProtectKernelLogs,
# ProtectClock, ProtectHostname, RestrictSUIDSGID, ProtectProc): there the limit only
# catches regressions. Upstream's unit scores 2.8.
declare -A MAX_EXPOSURE=([252]=2.5 [245]=2.5 [239]=3.0)
SVM_CALLS="landlock_add_rule landlock_create_ruleset landlock_restrict_self seccomp mount umount2
           pivot_root unshare clone clone3 prctl"

# A release tree under the scratch prefix: verify insists that ExecStart= is executable.
mkdir -p "$T/opt/releases/1.0.0" "$T/base"
printf '#!/bin/sh\nexit 0\n' >"$T/opt/releases/1.0.0/polkadot"
chmod 0755 "$T/opt/releases/1.0.0/polkadot"
ln -s releases/1.0.0 "$T/opt/current"

render() { # VERSION → $T/v<VERSION>/
        mkdir -p "$T/v$1"
        "$RENDER" "$T/v$1" "$T/opt" "$T/base" "$1" 32 || fail "render-units failed for systemd $1"
}

# verify DIR: systemd-analyze verify on both units; any output is a failure.
verify() {
        local out
        out=$(cd "$1" && SYSTEMD_UNIT_PATH="$1:" systemd-analyze verify --man=no \
                "$1/polkadot.service" "$1/polkadot.slice" 2>&1) || fail "verify exited $?: $out"
        TESTS_RUN=$((TESTS_RUN + 1))
        [ -z "$out" ] || fail "systemd-analyze verify on $1 printed:"$'\n'"$out"
}

# exposure UNIT: the offline overall exposure level, e.g. 2.2.
exposure() {
        systemd-analyze security --offline=yes --no-pager "$1" 2>&1 |
                sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p'
}

check_exposure() { # UNIT LIMIT
        local score
        score=$(exposure "$1")
        [ -n "$score" ] || fail "no exposure level for $1"
        echo "exposure of $1: $score (limit $2)"
        TESTS_RUN=$((TESTS_RUN + 1))
        awk -v s="$score" -v m="$2" 'BEGIN { exit !(s <= m) }' ||
                fail "exposure $score of $1 is above $2"
}

# expand ITEM...: syscall names, groups expanded recursively by this systemd.
expand() {
        local i
        for i in "$@"; do
                case $i in
                @*) # shellcheck disable=SC2046 # one syscall or group name per line
                        expand $(systemd-analyze syscall-filter --no-pager "$i" |
                        sed -n '2,$ { /^ *#/d; s/^ *//; /^$/d; p }') ;;
                *) echo "$i" ;;
                esac
        done
}

# effective_allows UNIT CALL...: apply the unit's SystemCallFilter= lines in order as
# systemd does (the first line decides allow- or deny-list; later lines add to or remove
# from it) and fail for each CALL the result does not allow.
effective_allows() {
        local unit=$1 mode="" line items set=$T/set
        shift
        : >"$set"
        while IFS= read -r line; do
                items=${line#SystemCallFilter=}
                if [ "${items:0:1}" = "~" ]; then
                        [ -n "$mode" ] || mode=deny
                        # shellcheck disable=SC2086
                        expand ${items:1} | sort -u >"$T/items"
                        if [ $mode = allow ]; then
                                sort -u "$set" | comm -23 - "$T/items" >"$set.new"
                        else
                                sort -u "$set" "$T/items" >"$set.new"
                        fi
                else
                        [ -n "$mode" ] || mode=allow
                        # shellcheck disable=SC2086
                        expand $items | sort -u >"$T/items"
                        if [ $mode = allow ]; then
                                sort -u "$set" "$T/items" >"$set.new"
                        else
                                sort -u "$set" | comm -23 - "$T/items" >"$set.new"
                        fi
                fi
                mv "$set.new" "$set"
        done < <(grep '^SystemCallFilter=' "$unit")
        [ -n "$mode" ] || fail "$unit has no SystemCallFilter="
        local c in
        for c in "$@"; do
                TESTS_RUN=$((TESTS_RUN + 1))
                in=no
                grep -qx "$c" "$set" && in=yes
                if { [ $mode = allow ] && [ $in = no ]; } || { [ $mode = deny ] && [ $in = yes ]; }; then
                        fail "$unit: the effective $mode-list filter does not allow $c"
                fi
        done
        echo "$unit: $mode-list filter allows $*"
}

# The check itself must catch what verify only warns about.
render 252
sed 's/^\[Service\]$/[Service]\nFrobnicate=yes/' "$T/v252/polkadot.service" >"$T/bad.service"
out=$(SYSTEMD_UNIT_PATH="$T/v252:" systemd-analyze verify --man=no "$T/bad.service" 2>&1 || true)
TESTS_RUN=$((TESTS_RUN + 1))
[ -n "$out" ] || fail "verify printed nothing for an unknown key: the check would be blind"

# Current systemd, old (Ubuntu 20.04: 245) and older (RHEL 8: 239).
for v in 252 245 239; do
        render "$v"
        verify "$T/v$v"
        # shellcheck disable=SC2086 # a list of names
        effective_allows "$T/v$v/polkadot.service" $SVM_CALLS
        check_exposure "$T/v$v/polkadot.service" "${MAX_EXPOSURE[$v]}"
done

# The modern unit also really denies what it means to deny.
for c in reboot init_module kexec_load swapon settimeofday ptrace; do
        if (effective_allows "$T/v252/polkadot.service" "$c") >/dev/null 2>&1; then
                fail "the filter allows $c"
        fi
        TESTS_RUN=$((TESTS_RUN + 1))
done
grep -q '^RestrictNamespaces=no$' "$T/v252/polkadot.service" || fail "namespaces restricted"
grep -q '^MemoryDenyWriteExecute' "$T/v252/polkadot.service" && fail "MemoryDenyWriteExecute set"
grep -q "^ExecStart=$T/opt/current/polkadot \$POLKADOT_ARGS\$" "$T/v252/polkadot.service" ||
        fail "ExecStart does not run current/polkadot"
grep -q "^ReadWritePaths=$T/base\$" "$T/v252/polkadot.service" || fail "base path not writable"
TESTS_RUN=$((TESTS_RUN + 4))

# worker_isolation=systemd (issue 11 §5): the node's unit loses what only the sandbox needed
# (namespaces, mount, pivot_root, Landlock, seccomp), its spawner gets exactly that. Target
# for the node: 1.5 at most (1.4 for systemd 252); the spawner's score is printed. For old
# systemd, scored by this one, the limits catch regressions only.
declare -A MAX_ISOLATED=([252]=1.5 [245]=1.8 [239]=2.2)
mkdir -p "$T/opt/pvf/1.0.0"
cp "$T/opt/releases/1.0.0/polkadot" "$T/opt/pvf/1.0.0/polkadot"
cp "$T/opt/releases/1.0.0/polkadot" "$T/opt/pvf/polkadot-pvf-spawner"
ln -s 1.0.0 "$T/opt/pvf/current"
for v in 252 245 239; do
        d=$T/iso$v
        mkdir -p "$d"
        "$RENDER" "$d" "$T/opt" "$T/base" "$v" 32 isolated || fail "render-units isolated failed for $v"
        out=$(cd "$d" && SYSTEMD_UNIT_PATH="$d:" systemd-analyze verify --man=no "$d"/*.service \
                "$d"/*.socket "$d"/*.slice 2>&1) || fail "verify exited $?: $out"
        TESTS_RUN=$((TESTS_RUN + 1))
        [ -z "$out" ] || fail "systemd-analyze verify on $d printed:"$'\n'"$out"
        check_exposure "$d/polkadot.service" "${MAX_ISOLATED[$v]}"
        check_exposure "$d/polkadot-pvf.service" "${MAX_EXPOSURE[$v]}"
        # shellcheck disable=SC2086 # a list of names
        effective_allows "$d/polkadot-pvf.service" $SVM_CALLS
        for c in mount umount2 pivot_root; do
                if (effective_allows "$d/polkadot.service" "$c") >/dev/null 2>&1; then
                        fail "systemd $v: the isolated node's filter allows $c"
                fi
                TESTS_RUN=$((TESTS_RUN + 1))
        done
done
d=$T/iso252
grep -q '^RestrictNamespaces=yes$' "$d/polkadot.service" || fail "isolated node may create namespaces"
# Nothing of the sandbox's left beside it (a later line would not undo an earlier one for
# every key): no namespaces allowed, no Landlock/seccomp/mount calls, no PrivateUsers.
grep -Eq '^RestrictNamespaces=no$|^PrivateUsers=yes$|^SystemCallFilter=[^~].*(landlock_|pivot_root)' "$d/polkadot.service" &&
        fail "isolated node keeps sandbox lines: $(grep -E '^RestrictNamespaces=no$|^PrivateUsers=yes$|^SystemCallFilter=[^~].*(landlock_|pivot_root)' "$d/polkadot.service")"
grep -q '^RestrictNamespaces=no$' "$d/polkadot-pvf.service" || fail "spawner: namespaces restricted"
grep -q "^ExecStart=$T/opt/pvf/current/polkadot \$POLKADOT_ARGS\$" "$d/polkadot.service" ||
        fail "isolated node does not run from pvf/current"
grep -q '^Wants=polkadot-pvf.socket$' "$d/polkadot.service" || fail "node does not want the socket"
grep -q '^User=pvf-worker$' "$d/polkadot-pvf.service" || fail "spawner not as pvf-worker"
grep -q '^Slice=polkadot-pvf.slice$' "$d/polkadot-pvf.service" || fail "spawner not in its slice"
grep -q '^PrivateNetwork=yes$' "$d/polkadot-pvf.service" || fail "spawner has a network"
grep -q '^CapabilityBoundingSet=$' "$d/polkadot-pvf.service" || fail "spawner has capabilities"
grep -q '^SocketGroup=polkadot$' "$d/polkadot-pvf.socket" || fail "socket not the node's group"
grep -q '^SocketMode=0660$' "$d/polkadot-pvf.socket" || fail "socket mode"
# Never below what the chain lets a PVF use (16 GiB): 18 GiB on this 32 GiB host is 75%.
grep -q '^MemoryMax=24576M$' "$d/polkadot-pvf.slice" || fail "slice MemoryMax: $(grep MemoryMax "$d/polkadot-pvf.slice")"
mkdir -p "$T/small"
"$RENDER" "$T/small" "$T/opt" "$T/base" 252 4 isolated || fail "render-units for a 4 GiB host failed"
grep -q '^MemoryMax=18432M$' "$T/small/polkadot-pvf.slice" || fail "small host: slice below 18 GiB: $(grep MemoryMax "$T/small/polkadot-pvf.slice")"
grep -q '^MemoryHigh' "$d/polkadot-pvf.slice" && fail "MemoryHigh would throttle a legitimate PVF job"
TESTS_RUN=$((TESTS_RUN + 14))
pass
