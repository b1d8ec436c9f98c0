#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Interactive setup on a real pseudo-terminal: the first install asks for the settings, takes
# defaults on Enter, explains a refused answer in one line and asks again, shows the plan and
# proceeds on Enter; end of input names the flag; -y and a non-terminal stdin never prompt.
# (test_guided.sh drives the whole guided setup through tmux.)
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/release.sh"
rel_make "$T/rel" 1.0.0 1

# drive ROOT ANSWER...: run install on a pty, send each answer after each prompt (": "),
# print the whole conversation, exit with the installer's exit code.
drive() {
        python3 - "$PDI" "$T/rel" "$T/key.pub" "$@" <<'PY'
import os, pty, sys
pdi, rel, key, root, *answers = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(pdi, [pdi, "install", "--root", root, "--from", rel, "--trusted-key", key])
out, pending = b"", list(answers)
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if out.rstrip().endswith(b":") and out.endswith(b": "):
        if pending:
            os.write(fd, pending.pop(0).encode() + b"\n")
        else:
            os.write(fd, b"\x04")  # end of input
        out += b"\n"
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
}

R="$T/root1"
mkdir -p "$R"
expect 0 'install 1.0.0: .* is active' drive "$R" kusama "my node" val-01 "" maybe yes 9944 "" "" "" ""
grep -q 'Chain (polkadot, kusama, westend, paseo, or a chain-spec path) \[polkadot\]: ' "$T/out" || fail "no chain question"
grep -q "setting node_name: 'my node' has a blank" "$T/out" || fail "refused name not explained"
grep -q "setting validator: 'maybe' is not yes or no" "$T/out" || fail "refused answer not explained"
cfg="$R/etc/polkadot-installer/config"
grep -qx 'chain=kusama' "$cfg" && grep -qx 'node_name=val-01' "$cfg" && grep -qx 'validator=yes' "$cfg" &&
        grep -qx 'rpc_port=9944' "$cfg" && grep -qx 'prometheus_port=' "$cfg" || fail "config: $(cat "$cfg")"
grep -q -- '--chain kusama .*--name val-01 --validator --rpc-port 9944' "$R/etc/polkadot-installer/polkadot.env" ||
        fail "env: $(cat "$R/etc/polkadot-installer/polkadot.env")"

# A second install asks nothing: the settings exist.
expect 0 'nothing to do' drive "$R"
grep -q 'Chain (' "$T/out" && fail "asked again although the settings exist"

# End of input at a question: usage error naming the flag; nothing installed.
R="$T/root2"
mkdir -p "$R"
expect 2 "setup: no answer for chain; nothing was changed; pass --chain" drive "$R"
[ ! -e "$R/opt/polkadot/current" ] || fail "installed without settings"

# Three refused answers: usage error.
expect 2 "no valid answer for rpc_port after 3 tries" drive "$R" "" "" "" "" x y z

# The prompt holds no lock, and what it asked for is checked again under the lock: another
# run that wrote the config meanwhile wins, this one stops without writing (exit 1).
R4="$T/root4"
mkdir -p "$R4"
rc=0
python3 - "$PDI" "$T/rel" "$T/key.pub" "$R4" >"$T/out" 2>&1 <<'PY' || rc=$?
import os, pty, sys
pdi, rel, key, root = sys.argv[1:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(pdi, [pdi, "install", "--root", root, "--from", rel, "--trusted-key", key])
out, n = b"", 0
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
    if out.endswith(b"]: "):
        if n == 0:  # while the operator thinks: no lock is held, another run writes
            assert not os.path.exists(os.path.join(root, "var/lib/polkadot-installer/lock"))
            os.makedirs(os.path.join(root, "etc/polkadot-installer"))
            open(os.path.join(root, "etc/polkadot-installer/config"), "w").write("chain=westend\n")
        os.write(fd, b"\n")
        n += 1
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
sys.exit(os.waitstatus_to_exitcode(status))
PY
TESTS_RUN=$((TESTS_RUN + 1))
[ "$rc" = 1 ] || { cat "$T/out" >&2; fail "config changed during the prompt: exit $rc, want 1"; }
grep -q 'config: changed by another run while this one prepared its settings; nothing was written' "$T/out" ||
        fail "no message for the config changed meanwhile: $(cat "$T/out")"
[ "$(cat "$R4/etc/polkadot-installer/config")" = chain=westend ] || fail "the other run's config was overwritten"
[ ! -e "$R4/opt/polkadot" ] || fail "installed although the settings changed meanwhile"

# -y and a stdin that is not a terminal never prompt.
expect 0 'is active' "$PDI" install --root "$R" --from "$T/rel" --trusted-key "$T/key.pub" -y </dev/null
grep -q 'Chain (' "$T/out" && fail "prompted with -y"
grep -qx 'chain=polkadot' "$R/etc/polkadot-installer/config" || fail "defaults not written"
cat "$T/out" >/dev/null; pass
