#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The dependency rule of installer/README.md holds: no file includes a header of a folder
# above its own, every include names its folder, no include circle between modules, and the
# table names exactly the folders there are (tests/tools/layering.py). The checker itself is
# shown to catch each kind of breach on small trees made here, so a checker that passes
# everything cannot hide behind a clean tree.
source "$(dirname "$0")/lib.sh"
need_cmd python3
need_cmd gcc # the call rule: objects and an archive read with nm (binutils)
need_cmd nm
need_cmd ar
CHECK="$PDI_SOURCE_DIR/tests/tools/layering.py"

# clean CMD…: exit 0 and nothing printed.
clean() {
        TESTS_RUN=$((TESTS_RUN + 1))
        "$@" >"$T/out" 2>&1 || { cat "$T/out" >&2; fail "findings where there are none: $*"; }
        [ ! -s "$T/out" ] || { cat "$T/out" >&2; fail "printed findings yet exited 0: $*"; }
}

# The real tree: includes, and calls as the built library has them.
: "${PDI_BUILD_DIR:=$(dirname "$PDI")}"
[ -f "$PDI_BUILD_DIR/libpdi.a" ] || fail "$PDI_BUILD_DIR/libpdi.a not built"
clean python3 "$CHECK" "$PDI_SOURCE_DIR/installer"
clean python3 "$CHECK" "$PDI_SOURCE_DIR/installer" "$PDI_BUILD_DIR/libpdi.a"

# No source file over 600 lines (issue 10): a file that outgrows it is split along a seam.
FUNCLEN="$PDI_SOURCE_DIR/tests/tools/funclen.py"
expect 0 'functions, median' python3 "$FUNCLEN" --max-file 600 "$PDI_SOURCE_DIR"/installer/*/*.c
grep -o 'median [0-9.]* lines' "$T/out"
mkdir -p "$T/long"
{ printf 'int f(void);\nint f(void)\n{\n'; for _ in $(seq 600); do echo '        ;'; done; echo '}'; } >"$T/long/x.c"
expect 1 'x\.c: 604 lines, over 600' python3 "$FUNCLEN" --max-file 600 "$T/long/x.c"
expect 0 '1 functions, median 602 lines' python3 "$FUNCLEN" "$T/long/x.c"

# A fixture tree: low/ (rank 0) and high/ (rank 1).
fixture() {
        rm -rf "$T/src"
        mkdir -p "$T/src/low" "$T/src/high"
        cat >"$T/src/README.md" <<'MD'
| rank | folder | job |
| --- | --- | --- |
| 1 | `high/` | uses low |
| 0 | `low/` | uses nothing |
MD
        printf '#pragma once\nint low_f(void);\n' >"$T/src/low/a.h"
        printf '#include "low/a.h"\nint low_f(void) { return 1; }\n' >"$T/src/low/a.c"
        printf '#pragma once\nint high_f(void);\n' >"$T/src/high/b.h"
        printf '#include "high/b.h"\n#include "low/a.h"\nint high_f(void) { return low_f(); }\n' \
                >"$T/src/high/b.c"
}
fixture
clean python3 "$CHECK" "$T/src"

fixture
printf '#include "high/b.h"\n' >>"$T/src/low/a.c"
expect 1 '^low/a\.c:3: #include "high/b\.h": low/ may not use high/' python3 "$CHECK" "$T/src"

fixture
printf '#include "a.h"\n' >>"$T/src/low/a.c"
expect 1 '^low/a\.c:3: #include "a\.h" does not name its folder' python3 "$CHECK" "$T/src"

fixture
mkdir "$T/src/extra"
expect 1 '^extra/: folder not in the table of README\.md' python3 "$CHECK" "$T/src"

fixture
rm -r "$T/src/high"
expect 1 '^high/: README\.md names a folder that does not exist' python3 "$CHECK" "$T/src"

fixture
touch "$T/src/loose.c"
expect 1 '^loose\.c: source file outside the subsystem folders' python3 "$CHECK" "$T/src"

fixture
printf '#pragma once\n#include "low/a.h"\n' >"$T/src/low/c.h"
printf '#include "low/c.h"\n' >>"$T/src/low/a.h"
expect 1 '^include circle between low/a, low/c$' python3 "$CHECK" "$T/src"

# Calls, read from a built archive: a call up and a circle through calls alone.
fixture
cat >"$T/src/low/d.c" <<'C'
int high_f(void);
int low_d(void);
int low_d(void) { return high_f(); }
C
mkdir "$T/obj"
for f in low/a low/d high/b; do
        gcc -c -I"$T/src" "$T/src/$f.c" -o "$T/obj/$(basename "$f").c.o"
done
ar rcs "$T/lib.a" "$T"/obj/*.o
expect 1 '^low/d\.c calls high_f of high/b\.c: low/ may not use high/' \
        python3 "$CHECK" "$T/src" "$T/lib.a"
printf '#include "high/b.h"\nint low_d(void);\nint high_f(void) { return low_d(); }\n' \
        >"$T/src/high/b.c"
gcc -c -I"$T/src" "$T/src/high/b.c" -o "$T/obj/b.c.o"
rm "$T/lib.a"
ar rcs "$T/lib.a" "$T"/obj/*.o
expect 1 '^call circle between high/b\.c, low/d\.c$' python3 "$CHECK" "$T/src" "$T/lib.a"
pass
