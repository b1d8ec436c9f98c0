# SPDX-License-Identifier: Apache-2.0
# ELF stand-ins for the node and its workers, built here with gcc, that print their version
# as the real binaries do (for test_audit.sh and test_checks_install.sh). Source it after
# lib.sh; it skips (77) where gcc is missing.
need_cmd gcc
need_cmd python3

cat >"$T/v.c" <<'C'
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv)
{
        if (argc > 1 && strcmp(argv[1], "--version") == 0)
                puts(VERSION);
        return 0;
}
C
# Linked in, it gives the program a segment that is writable and executable.
printf '__asm__(".section .wxdata,\\"awx\\",@progbits\\n.byte 0x90\\n.previous\\n");\n' >"$T/wx.c"

# node_elf OUT VERSION [more sources/flags]: a hardened PIE (full RELRO, BIND_NOW, no exec
# stack); later flags undo one of those.
node_elf() {
        local out=$1 v=$2
        shift 2
        gcc -O -DVERSION="\"$v\"" -fPIE -pie -Wl,-z,relro,-z,now,-z,noexecstack -o "$out" "$T/v.c" "$@" 2>/dev/null
}

# worker_elf OUT VERSION: a static PIE, as a worker should be.
worker_elf() {
        gcc -O -DVERSION="\"$2\"" -static-pie -Wl,-z,relro,-z,now,-z,noexecstack -o "$1" "$T/v.c"
}

# foreign_elf IN OUT: IN with its ELF header's e_machine (offset 18) rewritten to another
# machine (aarch64, or x86-64 on aarch64).
foreign_elf() {
        python3 - "$1" "$2" <<'PY'
import struct, sys
b = bytearray(open(sys.argv[1], "rb").read())
host = struct.unpack_from("<H", b, 18)[0]
struct.pack_into("<H", b, 18, 183 if host != 183 else 62)  # EM_AARCH64, else EM_X86_64
open(sys.argv[2], "wb").write(b)
PY
}
