#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The plain install of INSTALL.md as data, for tests/scenario/test_install_md.sh.

INSTALL.md marks its fenced shell blocks by their info string:
  ```sh plan               commands `install --dry-run` prints, in its order
  ```sh plan per-artifact  the same, once per artifact of the manifest
  ```sh plan live          only on a running host (systemctl): left out here (--root)
  ```sh plan offline       only in a tree that does not run (--root): kept here
  ```sh manual             run by hand, not printed by --dry-run (keeping the key)
  ```sh prepare            writes files into the working directory (heredocs, templates)
  ```sh validator          a validator's extra step: not part of the plain install
Any other block is prose.

  compare INSTALL.md VALUES PLAN   the plan blocks, expanded, against the --dry-run output
  script INSTALL.md VALUES         a bash script of the plain install under the root

VALUES is a JSON file: {"root": R, "vars": {"url", "key", "v"}, "artifacts": [{"name",
"sha", "size", "src"}]}. Expanding a block puts the root in front of every word that names
an installed location (/opt/, /etc/, /var/, /usr/local/), except the target of `ln -sfn`
(a link inside the tree points at the tree's own paths); systemd-sysusers and
systemd-tmpfiles get --root=R, as the plan gives them under --root. Then $v, $url, $key
and the artifact's $name, $sha, $size, $src are replaced. Words are compared after shell
splitting, so quoting may differ ("$sha  $sha.part" against 'abc  abc.part').
"""
import json
import re
import shlex
import sys

MAPPED = ("/opt/", "/etc/", "/var/", "/usr/local/")
VARS = ("name", "sha", "size", "src", "url", "key", "v")
OPERATORS = {"|", "&&", "||", ";", "(", ")"}


def blocks(path):
    """(kinds, lines) of every marked ```sh block, in document order."""
    out, cur = [], None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if cur is None:
            m = re.match(r"^```sh (\w.*)$", line)
            if m:
                cur = (set(m.group(1).split()), [])
        elif line == "```":
            out.append(cur)
            cur = None
        else:
            cur[1].append(line)
    if cur is not None:
        sys.exit(f"{path}: an unclosed ```sh block")
    return out


def words(line):
    lex = shlex.shlex(line, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    return list(lex)


def expand(ws, root, vals):
    out = []
    for i, w in enumerate(ws):
        # The target of `ln -sfn` is a path inside the tree as the tree sees it: not mapped.
        if w.startswith(MAPPED) and ws[i - 2 : i] != ["ln", "-sfn"]:
            w = root + w
        for n in sorted(VARS, key=len, reverse=True):
            if n in vals:
                w = w.replace("$" + n, str(vals[n]))
        out.append(w)
        if w in ("systemd-sysusers", "systemd-tmpfiles"):
            out.append("--root=" + root)
    return out


def plain(path, values, kinds_wanted):
    """The plain install's commands: [(kind, words)] with the root and the values in."""
    root, base = values["root"], values["vars"]
    cmds = []
    for kinds, lines in blocks(path):
        if "prepare" in kinds:
            if "prepare" in kinds_wanted:
                cmds.append(("prepare", "\n".join(lines)))
            continue
        if not kinds & kinds_wanted or kinds & {"live", "validator"}:
            continue
        per = values["artifacts"] if "per-artifact" in kinds else [{}]
        for art in per:
            vals = dict(base, **art)
            for line in lines:
                ws = words(line)
                if ws:
                    cmds.append(("manual" if "manual" in kinds else "plan", expand(ws, root, vals)))
    return cmds


def compare(path, values_file, plan_file):
    values = json.load(open(values_file))
    want = [" ".join(ws) for kind, ws in plain(path, values, {"plan"}) if kind == "plan"]
    got = []
    for line in open(plan_file, encoding="utf-8"):
        ws = words(line)
        if ws:
            got.append(" ".join(ws))
    if want == got:
        print(f"{len(want)} commands of {path} are the --dry-run's")
        return 0
    import difflib

    sys.stdout.writelines(
        difflib.unified_diff([w + "\n" for w in want], [g + "\n" for g in got],
                             f"{path} (expanded)", "install --dry-run")
    )
    return 1


def script(path, values_file):
    values = json.load(open(values_file))
    print("set -euo pipefail")
    for kind, cmd in plain(path, values, {"plan", "manual", "prepare", "offline"}):
        if kind == "prepare":
            # Files in the working directory only: a prepare block that wrote anywhere else
            # would write outside the scratch root.
            for line in cmd.splitlines():
                bad = re.findall(r">\s*(/\S*)", line) or re.match(
                    r"\s*(install|cp|mv|ln|mkdir|rm|chmod|chown|tee)\b", line)
                if bad:
                    sys.exit(f"{path}: a prepare block writes outside the working directory: {line}")
            print(cmd)
        else:
            print(" ".join(w if w in OPERATORS else shlex.quote(w) for w in cmd))
    return 0


def main(argv):
    if len(argv) == 5 and argv[1] == "compare":
        return compare(argv[2], argv[3], argv[4])
    if len(argv) == 4 and argv[1] == "script":
        return script(argv[2], argv[3])
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
