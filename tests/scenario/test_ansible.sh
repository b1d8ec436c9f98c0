#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The Ansible role of examples/ansible/ (its playbook.yml, as shipped) with the real
# ansible-playbook, connection local, against a temporary --root and a signed release served
# by lighttpd on 127.0.0.1: the first run changes, a second identical one reports changed=0
# and leaves every file and mtime as it was, check mode (--check) writes nothing and says
# what would change, diff mode (--diff) shows the rendered unit's before and after, a
# tampered manifest fails the task with the installer's own message, trusted-key contents
# are never logged; then audit, rollback and uninstall through the same role. The module's
# documentation, parameters and flags are checked against each other and against the
# installer's --help.
# Ansible keeps everything in $T: HOME, ANSIBLE_HOME, the local and remote temp dirs, an
# empty ansible.cfg (none from the working directory); inventory `localhost,`.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
need_cmd ansible-playbook
need_cmd ansible-doc
need_cmd ansible

EX="$PDI_SOURCE_DIR/examples/ansible"
LIB="$EX/roles/polkadot_installer/library"
R="$T/root"
mkdir -p "$R" "$T/srv" "$T/home" "$T/ansible"
rel_make "$T/srv/1.0.0" 1.0.0 1
rel_make "$T/srv/1.1.0" 1.1.0 2
# Tampered: 1.1.0's manifest with another sequence, under 1.1.0's signature (a directory of
# its own: lighttpd may serve a file changed in place with its old length for a second).
cp -r "$T/srv/1.1.0" "$T/srv/bad"
sed -i 's/"sequence": 2/"sequence": 9/' "$T/srv/bad/manifest.json"
rel_serve "$T/srv"
: >"$T/ansible.cfg"
real_home=$(getent passwd "$(id -u)" | cut -d: -f6)
[ -e "$real_home/.ansible" ] && had_dot_ansible=1 || had_dot_ansible=

# The playbook's variables: extra vars win over the playbook's own (its key lookup is never
# evaluated). vars VAR=JSON...: write $T/vars.json from the base set and the overrides.
vars() {
        python3 - "$T/vars.json" "$@" <<PY
import json, sys
v = {"polkadot_hosts": "all", "polkadot_installer_executable": "$PDI",
     "polkadot_installer_root": "$R",
     "polkadot_installer_manifest": "$REL_URL/1.0.0/manifest.json",
     "polkadot_installer_trusted_keys": ["$T/key.pub"], "polkadot_installer_trusted_key_data": [],
     "polkadot_installer_remember_keys": False, "polkadot_installer_chain": "westend",
     "polkadot_installer_node_name": "ansible-01", "polkadot_installer_validator": True}
for a in sys.argv[2:]:
    k, _, val = a.partition("=")
    v["polkadot_installer_" + k] = json.loads(val)
json.dump(v, open(sys.argv[1], "w"))
PY
}
# Every Ansible command runs with this environment: nothing of it outside $T.
ANS_ENV=(HOME="$T/home" ANSIBLE_HOME="$T/ansible" ANSIBLE_CONFIG="$T/ansible.cfg"
        ANSIBLE_LOCAL_TEMP="$T/ansible/tmp" ANSIBLE_REMOTE_TEMP="$T/ansible/remote"
        ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=0)
# The Python Ansible itself runs on (the module imports its module_utils), for the module too.
ANS_PY=$(env "${ANS_ENV[@]}" ansible --version | sed -n 's/^ *python version = .*(\(.*\))$/\1/p')
[ -x "$ANS_PY" ] || fail "cannot tell Ansible's python from 'ansible --version'"
ANS_ENV+=(ANSIBLE_PYTHON_INTERPRETER="$ANS_PY")
play() { # ansible-playbook options...
        env "${ANS_ENV[@]}" ansible-playbook -i localhost, -c local "$EX/playbook.yml" -e @"$T/vars.json" "$@"
}
# recap CHANGED [FAILED]: the play recap's counts.
recap() {
        grep -Eq "^localhost +: ok=[0-9]+ +changed=$1 +unreachable=0 +failed=${2:-0} " "$T/out" ||
                { cat "$T/out" >&2; fail "expected changed=$1, failed=${2:-0} in the recap"; }
}
# unchanged WHAT: the tree under $R is as in $T/before, every mode, size, hash and mtime.
snapshot() { tree_listing "$R" >"$T/before"; }
unchanged() {
        tree_listing "$R" | diff "$T/before" - >&2 || fail "$1 changed the tree"
}
# The msg of the failed task's result (the top-level one, not the installer's document's).
task_msg() {
        sed -n 's/^fatal: \[localhost\]: FAILED! => //p' "$T/out" |
                python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["msg"])'
}
# The unit's changed line both ways, under headers naming it.
unit_diff() {
        grep -q '^--- before: .*polkadot\.service' "$T/out" &&
                grep -q '^+++ after: .*polkadot\.service' "$T/out" &&
                grep -q '^-ReadWritePaths=/var/lib/polkadot$' "$T/out" &&
                grep -q '^+ReadWritePaths=/srv/polkadot-data$' "$T/out" ||
                { cat "$T/out" >&2; fail "$1 does not show the unit's diff"; }
}

# ---- the module itself -------------------------------------------------------------------
# ansible-doc parses its DOCUMENTATION; the documented options are the argument spec's,
# with the same types and defaults; every flag it maps to is in the installer's --help of
# each command it passes it to (so a renamed flag breaks here, not on an operator's host),
# and so are --check and --diff for the commands that get them.
expect 0 'polkadot_installer' env "${ANS_ENV[@]}" ansible-doc -M "$LIB" -t module polkadot_installer
grep -q 'trusted_key_data' "$T/out" || fail "ansible-doc does not show trusted_key_data"
for c in install upgrade rollback uninstall audit; do "$PDI" "$c" --help >"$T/help.$c"; done
TESTS_RUN=$((TESTS_RUN + 1))
PYTHONDONTWRITEBYTECODE=1 "$ANS_PY" - "$LIB/polkadot_installer.py" "$T" <<'PY' || fail "module documentation or flags (above)"
import importlib.util, re, sys, yaml
spec = importlib.util.spec_from_file_location("m", sys.argv[1])
m = importlib.util.module_from_spec(spec)
spec.loader.exec_module(m)
doc, args, bad = yaml.safe_load(m.DOCUMENTATION)["options"], m.argument_spec(), []
if set(doc) != set(args):
    bad.append(f"documented {sorted(set(doc) ^ set(args))} differ from the argument spec")
for k in set(doc) & set(args):
    for f in ("type", "default", "choices", "elements"):
        if doc[k].get(f) != args[k].get(f):
            bad.append(f"{k}: documented {f} {doc[k].get(f)!r}, spec {args[k].get(f)!r}")
flags = [(flag, k, cmds) for k, (flag, _, cmds) in m.FLAGS.items()]
flags += [("--check", "check mode", m.CHANGING), ("--diff", "diff mode", m.CHANGING)]
for flag, k, cmds in flags:
    if k not in args and " mode" not in k:
        bad.append(f"FLAGS names {k}, which is no parameter")
    for c in cmds:
        if not re.search(r"(^|[\s\[|])" + re.escape(flag) + r"($|[\s\]|=])",
                         open(f"{sys.argv[2]}/help.{c}").read(), re.M):
            bad.append(f"{flag} ({k}) is not in '{c} --help'")
for k in ("trusted_key_data", "node_args"):
    if not args[k].get("no_log"):
        bad.append(f"{k} is not no_log")
print("\n".join(bad), file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# ---- check mode on an empty root: would change, writes nothing ---------------------------
# A first validator install without its chain: refused by the installer, named, as the
# task's msg (no default is taken for it without a terminal).
vars chain='""'
expect 2 'fatal: \[localhost\]: FAILED!' play --check
task_msg | grep -q -- '--chain is required for a validator' || fail "no chain: the task's msg is $(task_msg)"
[ -z "$(ls -A "$R")" ] || fail "a refused check wrote into the empty root: $(ls -A "$R")"
vars
expect 0 'changed: \[localhost\]' play --check
recap 1
[ -z "$(ls -A "$R")" ] || fail "check mode wrote into the empty root: $(ls -A "$R")"

# ---- first run: changes; a second identical run: changed=0, not one file touched --------
expect 0 'changed: \[localhost\]' play
recap 1
assert_current "$R" 1.0.0
grep -q '^ReadWritePaths=/var/lib/polkadot$' "$R/etc/systemd/system/polkadot.service" || fail "unit not rendered"
grep -q -- '--name ansible-01' "$R/etc/polkadot-installer/polkadot.env" || fail "node name not in the settings"
grep -q -- '--validator' "$R/etc/polkadot-installer/polkadot.env" || fail "validator not in the settings"
[ -s "$R/var/lib/polkadot/node-key" ] || fail "the validator has no network key"
snapshot
expect 0 'ok: \[localhost\]' play
recap 0
unchanged "the second, identical run"

# ---- check mode: an upgrade and a new base path; nothing written, the change reported ----
vars command='"upgrade"' manifest="\"$REL_URL/1.1.0/manifest.json\"" base_path='"/srv/polkadot-data"'
expect 0 'changed: \[localhost\]' play --check
recap 1
unchanged "check mode"
grep -q '^[-+]ReadWritePaths' "$T/out" && fail "check mode without diff mode shows a diff"
# … with diff mode: the rendered unit's before and after, and still nothing written.
expect 0 'changed: \[localhost\]' play --check --diff
unit_diff "check+diff mode"
unchanged "check+diff mode"

# ---- diff mode: the change applied, and shown -----------------------------------------
expect 0 'changed: \[localhost\]' play --diff
unit_diff "diff mode"
recap 1
assert_current "$R" 1.1.0
grep -q '^ReadWritePaths=/srv/polkadot-data$' "$R/etc/systemd/system/polkadot.service" || fail "unit not re-rendered"
snapshot
expect 0 'ok: \[localhost\]' play --diff
recap 0
grep -q '^[-+]ReadWritePaths' "$T/out" && fail "diff mode shows a diff for a run that changes nothing"
unchanged "a second run in diff mode"

# ---- a tampered manifest fails the task with the installer's message; nothing changes ----
vars command='"upgrade"' manifest="\"$REL_URL/bad/manifest.json\"" base_path='"/srv/polkadot-data"'
msg="manifest $REL_URL/bad/manifest.json: signature $REL_URL/bad/manifest.json.minisig: signature by key [0-9A-F]{16} does not verify"
expect 2 'fatal: \[localhost\]: FAILED!' play
recap 0 1
task_msg | grep -Eqx -- "$msg" || fail "the task's msg is not the installer's: $(task_msg)"
unchanged "a tampered manifest"
# … in check mode too (the refusal is what the real run would give).
expect 2 'fatal: \[localhost\]: FAILED!' play --check
task_msg | grep -Eqx -- "$msg" || fail "check mode: the task's msg is not the installer's: $(task_msg)"
unchanged "a tampered manifest in check mode"

# ---- the key as data: used, and its contents appear nowhere, even with -vvv --------------
vars manifest="\"$REL_URL/1.1.0/manifest.json\"" base_path='"/srv/polkadot-data"' trusted_keys='[]' \
        trusted_key_data="$(python3 -c 'import json,sys; print(json.dumps([open(sys.argv[1]).read()]))' "$T/key.pub")"
[ -z "$(ls -A "$R/etc/polkadot-installer/trusted-keys" 2>/dev/null)" ] || fail "a key is kept; the next case proves nothing"
expect 0 'ok: \[localhost\]' play -vvv
recap 0
key=$(sed -n 2p "$T/key.pub")
[ ${#key} -gt 40 ] || fail "no key line in $T/key.pub"
grep -qF -- "$key" "$T/out" && fail "the trusted key's contents are in ansible-playbook's output"
grep -A1 '"trusted_key_data": \[' "$T/out" | grep -q '"VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' ||
        { cat "$T/out" >&2; fail "-vvv does not show trusted_key_data masked"; }
grep -rlF -- "$key" "$T/ansible" "$T/home" && fail "the key's contents were left in Ansible's directories"
unchanged "a run with the key as data"

# ---- validator: false is a plain node (its variable: there is no flag); the key stays ------
vars manifest="\"$REL_URL/1.1.0/manifest.json\"" validator=false
expect 0 'changed: \[localhost\]' play
recap 1
grep -q -- '--validator' "$R/etc/polkadot-installer/polkadot.env" && fail "validator: false left --validator"
[ -s "$R/srv/polkadot-data/node-key" ] || fail "the network key went with the validator setting"
snapshot

# ---- worker_isolation through the role: the setting, the relays, the spawner's units -------
vars manifest="\"$REL_URL/1.1.0/manifest.json\"" validator=false worker_isolation='"systemd"'
expect 0 'changed: \[localhost\]' play
recap 1
grep -qx 'worker_isolation=systemd' "$R/etc/polkadot-installer/config" ||
        fail "worker_isolation not stored: $(cat "$R/etc/polkadot-installer/config")"
[ -x "$R/opt/polkadot/pvf/1.1.0/polkadot-prepare-worker" ] && [ -f "$R/etc/systemd/system/polkadot-pvf.service" ] ||
        fail "worker isolation not installed through the role"
vars manifest="\"$REL_URL/1.1.0/manifest.json\"" validator=false worker_isolation='"none"'
expect 0 'changed: \[localhost\]' play
[ ! -e "$R/opt/polkadot/pvf" ] || fail "worker_isolation none left pvf/"
snapshot

# ---- audit through the role: the installer's findings, nothing changed -----------------
# The role leaves out what audit does not take (the manifest, settings, keys of these vars).
vars command='"audit"'
expect 0 'ok: \[localhost\]' play -v
recap 0
grep -q '"msg": "audit: ' "$T/out" || fail "audit's msg is not the task's"
grep -q '"summary": {' "$T/out" || fail "audit's JSON is not in the result"
unchanged "audit"
# A parameter its command does not take is refused by the module, before the installer runs.
TESTS_RUN=$((TESTS_RUN + 1))
env "${ANS_ENV[@]}" ANSIBLE_LIBRARY="$LIB" ansible -i localhost, -c local localhost -m polkadot_installer \
        -a "command=rollback executable=$PDI root=$R chain=kusama" >"$T/out" 2>&1 && fail "rollback with chain= accepted"
grep -q 'parameter chain does not apply to command rollback' "$T/out" || { cat "$T/out" >&2; fail "not refused by name"; }

# ---- rollback and uninstall through the role, check mode first ---------------------------
vars command='"rollback"'
expect 0 'changed: \[localhost\]' play --check
unchanged "rollback in check mode"
expect 0 'changed: \[localhost\]' play
recap 1
assert_current "$R" 1.0.0
vars command='"uninstall"'
snapshot
expect 0 'changed: \[localhost\]' play --check --diff
recap 1
grep -q '^-ReadWritePaths=/srv/polkadot-data$' "$T/out" || { cat "$T/out" >&2; fail "uninstall's diff lacks the unit"; }
unchanged "uninstall in check+diff mode"
expect 0 'changed: \[localhost\]' play
recap 1
[ -e "$R/opt/polkadot/current" ] && fail "uninstall left current"
expect 0 'ok: \[localhost\]' play
recap 0

# ---- nothing of Ansible outside $T --------------------------------------------------------
[ -e "$LIB/__pycache__" ] && fail "a .pyc was written into the source tree ($LIB/__pycache__)"
[ -e "$T/home/.ansible" ] && fail "Ansible wrote $T/home/.ansible: an ANSIBLE_* setting is missing"
if [ -z "$had_dot_ansible" ] && [ -e "$real_home/.ansible" ]; then
        fail "Ansible wrote $real_home/.ansible"
fi
pass
