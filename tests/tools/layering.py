#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The dependency rule of installer/README.md, checked.

layering.py SRC [LIB.a]: SRC is an installer/ tree. The folders and their ranks come from the
table in SRC/README.md. Fails (exit 1, one line per finding) when
  - a folder is missing from the table, or the table names a folder that does not exist;
  - a file includes a project header without its folder, or a header of a higher folder;
  - the modules' includes form a circle;
  - with LIB.a (the built static library): an object calls a function defined in a higher
    folder, or the modules' calls form a circle (read with nm).
A module is folder/name: x.c and x.h are one module; x_internal.h belongs to module x."""
import os
import re
import subprocess
import sys
from collections import defaultdict


def ranks_from_readme(src):
    ranks = {}
    with open(os.path.join(src, "README.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"\|\s*(\d+)\s*\|\s*`([a-z_]+)/`\s*\|", line)
            if m:
                ranks[m.group(2)] = int(m.group(1))
    return ranks


def module_of(folder, filename):
    name = re.sub(r"\.[ch]$", "", filename)
    name = re.sub(r"_internal$", "", name)
    return f"{folder}/{name}"


def circles(edges):
    """The strongly connected components of more than one node (Tarjan, iterative): each is a
    set of modules that reach each other, a circle however it is drawn."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on.add(root)
        while work:
            node, it = work[-1]
            nxt = next(it, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter[0]
                    counter[0] += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(edges.get(nxt, ())))))
                elif nxt in on:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1:
                    out.append(sorted(comp))
    return out


def check_includes(src, ranks, problems):
    folders = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
    for d in folders:
        if d not in ranks:
            problems.append(f"{d}/: folder not in the table of README.md")
    for d in ranks:
        if d not in folders:
            problems.append(f"{d}/: README.md names a folder that does not exist")
    for f in os.listdir(src):
        if f.endswith((".c", ".h")):
            problems.append(f"{f}: source file outside the subsystem folders")
    edges = defaultdict(set)
    for d in folders:
        for f in sorted(os.listdir(os.path.join(src, d))):
            if not f.endswith((".c", ".h")):
                continue
            me = module_of(d, f)
            edges.setdefault(me, set())
            with open(os.path.join(src, d, f), encoding="utf-8") as fh:
                for n, line in enumerate(fh, 1):
                    m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                    if not m:
                        continue
                    inc = m.group(1)
                    where = f"{d}/{f}:{n}"
                    parts = inc.split("/")
                    if len(parts) != 2:
                        problems.append(f'{where}: #include "{inc}" does not name its folder')
                        continue
                    g = parts[0]
                    if g not in ranks:
                        problems.append(f'{where}: #include "{inc}": unknown folder {g}/')
                        continue
                    if d in ranks and ranks[g] > ranks[d]:
                        problems.append(f'{where}: #include "{inc}": {d}/ may not use {g}/ '
                                        f"(rank {ranks[g]} is above {ranks[d]})")
                    other = module_of(g, parts[1])
                    if other != me:
                        edges[me].add(other)
    for comp in circles(edges):
        problems.append("include circle between " + ", ".join(comp))


def check_calls(src, lib, ranks, problems):
    # The archive names its members by file name only (unique across the folders).
    folder_of = {f[:-2]: d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))
                 for f in os.listdir(os.path.join(src, d)) if f.endswith(".c")}
    out = subprocess.run(["nm", "-A", "--defined-only", "-g", lib], capture_output=True,
                         text=True, check=True).stdout
    defined = {}
    for line in out.splitlines():
        m = re.match(r"[^:]*:([^:]+)\.c\.o:\s*\S*\s+[TDBRVW]\s+(\S+)$", line)
        if m and m.group(1) in folder_of:
            defined[m.group(2)] = f"{folder_of[m.group(1)]}/{m.group(1)}"
    out = subprocess.run(["nm", "-A", "-u", lib], capture_output=True, text=True,
                         check=True).stdout
    edges = defaultdict(set)
    for obj in set(defined.values()):
        edges.setdefault(obj, set())
    for line in out.splitlines():
        m = re.match(r"[^:]*:([^:]+)\.c\.o:\s+U\s+(\S+)$", line)
        if not m or m.group(2) not in defined or m.group(1) not in folder_of:
            continue
        me, other = f"{folder_of[m.group(1)]}/{m.group(1)}", defined[m.group(2)]
        if me == other:
            continue
        edges[me].add(other)
        d, g = me.split("/")[0], other.split("/")[0]
        if d in ranks and g in ranks and ranks[g] > ranks[d]:
            problems.append(f"{me}.c calls {m.group(2)} of {other}.c: {d}/ may not use {g}/")
    for comp in circles(edges):
        problems.append("call circle between " + ", ".join(c + ".c" for c in comp))


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: layering.py SRC [LIB.a]", file=sys.stderr)
        return 2
    src = sys.argv[1]
    ranks = ranks_from_readme(src)
    problems = []
    if not ranks:
        problems.append("README.md: no folder table")
    check_includes(src, ranks, problems)
    if len(sys.argv) == 3:
        check_calls(src, sys.argv[2], ranks, problems)
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
