#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# audit of an install we did not make (issue 13 §4): a Debian-package layout (/usr/bin/polkadot,
# /usr/lib/polkadot/*-worker, dpkg's record) has no signed manifest, so the report says what
# the binaries print, run confined as for every version check, whether that matches as the
# node judges it (trimmed --version against its own), and whether they are one build: the
# commit each prints (the node in --version, the workers for --full-version) and the ELF
# build ids. Stand-ins are built here: a PIE node and static workers printing like upstream's.
source "$(dirname "$0")/lib.sh"
need_root "fixtures: a dpkg-like tree with users"
need_cmd gcc
need_cmd python3

cat >"$T/b.c" <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "--version") == 0)
                puts(PREFIX VERSION SUFFIX);
        else if (argc > 1 && strcmp(argv[1], "--full-version") == 0 && FULL)
                puts(VERSION "-" COMMIT);
        else if (argc > 1)
                return 2;
        return 0;
}
C
# node OUT VERSION COMMIT: prints "polkadot VERSION-COMMIT" like the real node.
node() { gcc -O -fPIE -pie -Wl,--build-id -DPREFIX='"polkadot "' -DVERSION="\"$2\"" -DSUFFIX="\"-$3\"" -DCOMMIT="\"$3\"" -DFULL=1 -o "$1" "$T/b.c"; }
# worker OUT VERSION COMMIT [FULL]: prints the bare version; --full-version VERSION-COMMIT.
worker() { gcc -O -static-pie -Wl,--build-id -DPREFIX='""' -DVERSION="\"$2\"" -DSUFFIX='""' -DCOMMIT="\"$3\"" -DFULL="${4:-1}" -o "$1" "$T/b.c"; }

D=$T/deb
mkdir -p "$D/etc" "$D/usr/bin" "$D/usr/lib/polkadot" "$D/var/lib/dpkg" "$D/home/polkadot"
printf 'root:x:0:0:root:/root:/bin/sh\npolkadot:x:990:990::/home/polkadot:/usr/sbin/nologin\n' >"$D/etc/passwd"
printf 'root:x:0:\npolkadot:x:990:\n' >"$D/etc/group"
printf 'Package: polkadot\nStatus: install ok installed\nVersion: 1.0.0\n\n' >"$D/var/lib/dpkg/status"
node "$D/usr/bin/polkadot" 1.0.0 fa4e0001
set_workers() { # prepare: version commit [full]; execute: version commit
        worker "$D/usr/lib/polkadot/polkadot-prepare-worker" "$1" "$2" "${3:-1}"
        worker "$D/usr/lib/polkadot/polkadot-execute-worker" "$4" "$5"
}

audit() {
        "$PDI" audit --root "$D" --json >"$T/j" 2>"$T/e" || true
        "$PDI" audit --root "$D" >"$T/table" 2>&1 || true
        TESTS_RUN=$((TESTS_RUN + 1))
}
# finding SEVERITY REGEX: version-alignment has a finding of that severity matching REGEX.
finding() {
        python3 - "$T/j" "$1" "$2" <<'PY' || { python3 -m json.tool "$T/j" >&2; fail "no $2 finding /$3/"; }
import json, re, sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["checks"] if x["id"] == "version-alignment"][0]
sys.exit(0 if any(f["severity"] == sys.argv[2] and re.search(sys.argv[3], f["text"])
                  for f in c["findings"]) else 1)
PY
}
no_finding() { # severity regex
        python3 - "$T/j" "$1" "$2" <<'PY' || { python3 -m json.tool "$T/j" >&2; fail "unexpected $1 finding /$2/"; }
import json, re, sys
d = json.load(open(sys.argv[1]))
c = [x for x in d["checks"] if x["id"] == "version-alignment"][0]
sys.exit(1 if any(f["severity"] == sys.argv[2] and re.search(sys.argv[3], f["text"])
                  for f in c["findings"]) else 0)
PY
}
binaries() { # the target's binaries as "role version commit build_id?" lines
        python3 - "$T/j" <<'PY'
import json, sys
for b in json.load(open(sys.argv[1]))["target"].get("binaries", []):
    print(b["role"], b["version"], b["commit"], "id" if b["build_id"] else "noid", b["path"])
PY
}

# 1. One build: versions and commits match; the report says what they print.
set_workers 1.0.0 fa4e0001 1 1.0.0 fa4e0001
audit
python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["target"]; assert t["kind"] == "debian-package", t' "$T/j" ||
        fail "not seen as the Debian package"
finding info 'no signed manifest; the binaries print: /usr/bin/polkadot "polkadot 1\.0\.0-fa4e0001", /usr/lib/polkadot/polkadot-prepare-worker "1\.0\.0", /usr/lib/polkadot/polkadot-execute-worker "1\.0\.0": they match as the node judges them'
finding info '^ELF build ids .*/usr/bin/polkadot [0-9a-f]{16,}, /usr/lib/polkadot/polkadot-prepare-worker [0-9a-f]{16,}'
no_finding warn 'different builds'
no_finding error '.'
[ "$(binaries)" = "node 1.0.0 fa4e0001 id /usr/bin/polkadot
prepare-worker 1.0.0 fa4e0001 id /usr/lib/polkadot/polkadot-prepare-worker
execute-worker 1.0.0 fa4e0001 id /usr/lib/polkadot/polkadot-execute-worker" ] || fail "target.binaries: $(binaries)"
grep -q '^prints:   node            prints "polkadot 1.0.0-fa4e0001", commit fa4e0001$' "$T/table" ||
        { cat "$T/table"; fail "the table does not say what the node prints"; }
grep -q '^          execute-worker  prints "1.0.0", commit fa4e0001$' "$T/table" ||
        { cat "$T/table"; fail "the table does not say what the execute worker prints"; }
echo "ok: a matching Debian-package set: what each prints, one build"

# 2. A worker of another version: the node's own refusal, and the report says they differ.
set_workers 0.9.0 fa4e0001 1 1.0.0 fa4e0001
audit
finding error 'polkadot-prepare-worker prints 0\.9\.0, the node is 1\.0\.0'
finding info 'polkadot-prepare-worker "0\.9\.0".*they do not match as the node judges them'
no_finding warn 'different builds'
echo "ok: a mismatching set"

# 3. Same version, another build: the node would accept it; the report warns.
set_workers 1.0.0 fa4e0001 1 1.0.0 beef0002
audit
finding warn '^same version 1\.0\.0, different builds: /usr/bin/polkadot commit fa4e0001, /usr/lib/polkadot/polkadot-prepare-worker commit fa4e0001, /usr/lib/polkadot/polkadot-execute-worker commit beef0002; the node accepts them'
no_finding error '.'
binaries | grep -q '^execute-worker 1.0.0 beef0002 id ' || fail "commit not in target.binaries: $(binaries)"
"$PDI" audit --root "$D" >/dev/null 2>&1 && rc=0 || rc=$?
[ "$rc" = 0 ] || fail "a warning made audit exit $rc"
echo "ok: same version, different builds: warned"

# 4. A worker that prints no commit: cannot tell, said as info, no warning.
set_workers 1.0.0 fa4e0001 0 1.0.0 fa4e0001
audit
finding info '^cannot tell whether node and workers are one build: /usr/lib/polkadot/polkadot-prepare-worker prints no commit'
no_finding warn 'different builds'
echo "ok: a worker without --full-version"
pass
