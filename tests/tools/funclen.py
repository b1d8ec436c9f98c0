#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Function lengths of C files written in the repository's clang-format style: a definition
starts at a line in column 0 that is not a comment, preprocessor line or declaration, and
whose body opens with "{" alone in column 0; it ends at the next "}" in column 0. Prints the
count, the median and the longest; with --max-file N, also every file longer than N lines
(exit 1 if any)."""
import statistics
import sys


def lengths(path):
    out, start = [], None
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    for i, line in enumerate(lines):
        if line == "{" and i > 0 and lines[i - 1][:1] not in ("", " ", "#", "/", "*", "}"):
            start = i
        elif line.startswith("}") and start is not None and not line.startswith("};"):
            out.append((i - start + 1, f"{path}:{start}"))
            start = None
    return out, len(lines) - 1


def main(argv):
    max_file = None
    if argv[:1] == ["--max-file"]:
        max_file, argv = int(argv[1]), argv[2:]
    allf, long_files = [], []
    for p in argv:
        fl, n = lengths(p)
        allf += fl
        if max_file is not None and n > max_file and p.endswith(".c"):
            long_files.append((n, p))
    allf.sort()
    if allf:
        print(f"{len(allf)} functions, median {statistics.median(l for l, _ in allf)} lines "
              f"(body braces included), longest {allf[-1][0]} at {allf[-1][1]}")
    for n, p in sorted(long_files, reverse=True):
        print(f"{p}: {n} lines, over {max_file}")
    return 1 if long_files else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
