#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# audit runs an audited tree's binaries confined (issue 15 §1, installer/base/confine.c): a
# worker whose --version tries to escape, in a tree whose passwd makes its service user
# 4242:0 in groups disk and shadow. Each attempt's outcome comes back only through what the
# worker prints, which audit quotes in its version finding. Contained means:
#   (a) no byte of the host's /etc/shadow nor of a root-group file outside the tree;
#   (b) it runs as 65534:65534 with no supplementary group, whatever the tree's passwd says;
#   (c) no TCP connection to a listener on 127.0.0.1 (and the listener saw none);
#   (d) a daemon it starts with setsid does not outlive the audit;
#   (e) a worker that hangs is stopped and reported; (f) one that prints 1 GB is stopped,
#       reported, and the audit's memory does not grow with it.
source "$(dirname "$0")/lib.sh"
need_root "the host-chosen id and the tree's 4242:0 user need root"
need_cmd gcc python3 pgrep
need_file /usr/bin/time
chmod 0755 "$T"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$port" "$T/connections" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(5)
open(sys.argv[2] + ".ready", "w").close()
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("connection\n")
    c.close()
PY
listener=$!
PDI_CLEANUP+=("kill $listener")
for _ in $(seq 100); do [ -e "$T/connections.ready" ] && break; sleep 0.1; done
[ -e "$T/connections.ready" ] || fail "the listener on 127.0.0.1:$port did not come up"

# The name the probe's setsid daemon gives itself: this run's own, so nothing else matches.
daemon="pdiesc$$"
daemon=${daemon:0:15}
PDI_CLEANUP+=("pkill -x $daemon")

# A host file outside the tree, readable by root's group: what the tree's gid 0 would reach.
echo "host-secret-$$" >"$T/canary"
chown 0:0 "$T/canary"
chmod 0640 "$T/canary"

# escape.c MODE: probe | hang | flood | quiet (prints the version, for a baseline). The probe prints one line, "key=value …".
cat >"$T/escape.c" <<C
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

static long bytes_of(const char *path)
{
        int fd = open(path, O_RDONLY);
        if (fd < 0)
                return -errno;
        char buf[4096];
        long n = read(fd, buf, sizeof(buf));
        close(fd);
        return n < 0 ? -errno : n;
}

static void status_line(const char *key, char *out, size_t n)
{
        FILE *f = fopen("/proc/self/status", "r");
        char line[512];
        snprintf(out, n, "?");
        while (f && fgets(line, sizeof(line), f))
                if (strncmp(line, key, strlen(key)) == 0) {
                        char *v = line + strlen(key);
                        v += strspn(v, " \t");
                        v[strcspn(v, "\n")] = 0;
                        for (char *p = v; *p; p++)
                                if (*p == '\t' || *p == ' ')
                                        *p = ',';
                        snprintf(out, n, "%s", v);
                }
        if (f)
                fclose(f);
}

static int tcp(void)
{
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s < 0)
                return -errno;
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(PORT)};
        a.sin_addr.s_addr = htonl(0x7f000001);
        int r = connect(s, (struct sockaddr *)&a, sizeof(a)) < 0 ? -errno : 0;
        close(s);
        return r;
}

static void daemon_child(void)
{
        if (fork() != 0)
                return;
        setsid();
        prctl(PR_SET_NAME, DAEMON);
        signal(SIGHUP, SIG_IGN);
        for (;;)
                sleep(1);
}

int main(void)
{
        if (!strcmp(MODE, "quiet"))
                return puts("1.0.0") < 0;
        if (!strcmp(MODE, "hang"))
                for (;;)
                        pause();
        if (!strcmp(MODE, "flood")) {
                static char buf[1 << 16];
                memset(buf, 'x', sizeof(buf));
                for (long i = 0; i < (1L << 30) / (long)sizeof(buf); i++)
                        if (write(1, buf, sizeof(buf)) < 0)
                                return 1;
                return 0;
        }
        char uid[64], gid[64], groups[256];
        status_line("Uid:", uid, sizeof(uid));
        status_line("Gid:", gid, sizeof(gid));
        status_line("Groups:", groups, sizeof(groups));
        daemon_child();
        printf("uid=%s gid=%s groups=[%s] shadow=%ld canary=%ld tcp=%d\n", uid, gid, groups,
               bytes_of("/etc/shadow"), bytes_of(CANARY), tcp());
        return 0;
}
C

# tree MODE: a hand install whose prepare worker is escape.c in MODE, its user 4242:0.
tree() {
        local r="$T/tree-$1"
        mkdir -p "$r/etc/systemd/system" "$r/usr/lib/systemd" "$r/usr/local/bin" "$r/srv/polkadot"
        printf 'root:x:0:0:root:/root:/bin/sh\npolkadot:x:4242:0::/srv/polkadot:/bin/sh\n' >"$r/etc/passwd"
        printf 'root:x:0:\ndisk:x:6:polkadot\nshadow:x:42:polkadot\n' >"$r/etc/group"
        touch "$r/usr/lib/systemd/systemd"
        for b in polkadot polkadot-execute-worker; do
                printf '#!/bin/sh\n[ "$1" = --version ] && echo 1.0.0 && exit 0\n' >"$r/usr/local/bin/$b"
                chmod 0755 "$r/usr/local/bin/$b"
        done
        gcc -O1 -DMODE="\"$1\"" -DPORT="$port" -DDAEMON="\"$daemon\"" -DCANARY="\"$T/canary\"" "$T/escape.c" \
                -o "$r/usr/local/bin/polkadot-prepare-worker" || fail "cannot build escape.c"
        printf '[Service]\nUser=polkadot\nExecStart=/usr/local/bin/polkadot --base-path /srv/polkadot\n' \
                >"$r/etc/systemd/system/polkadot.service"
        echo "$r"
}

# version_finding ROOT: audit --json; prints the prepare worker's version-alignment finding.
version_finding() {
        "$PDI" audit --root "$1" --json >"$T/j" 2>"$T/e" || true
        TESTS_RUN=$((TESTS_RUN + 1))
        python3 - "$T/j" <<'PY' || { cat "$T/j" "$T/e" >&2; fail "no version finding for the worker"; }
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for c in d["checks"]:
    if c["id"] == "version-alignment":
        for f in c["findings"]:
            if "polkadot-prepare-worker" in f["text"]:
                print(f["text"])
                sys.exit(0)
sys.exit(1)
PY
}

# (a)–(d): the probe.
R=$(tree probe)
f=$(version_finding "$R")
echo "probe: $f"
case "$f" in *"uid=65534,65534,65534,65534 gid=65534,65534,65534,65534 groups=[]"*) ;;
*) fail "(b) not the host-chosen ids with no groups: $f" ;; esac
case "$f" in *"shadow=0 "* | *"shadow=-"*) ;; *) fail "(a) read bytes of the host's /etc/shadow: $f" ;; esac
case "$f" in *"canary=-"*) ;; *) fail "(a) read the host canary outside the tree: $f" ;; esac
case "$f" in *"tcp=-"*) ;; *) fail "(c) connected over TCP: $f" ;; esac
[ ! -s "$T/connections" ] || fail "(c) the listener on 127.0.0.1 got a connection"
sleep 0.5
if pgrep -x "$daemon" >/dev/null; then
        ps -o pid,ppid,pgid,sid,uid,gid,comm -p "$(pgrep -d, -x "$daemon")" >&2
        pkill -x "$daemon"
        fail "(d) a setsid daemon outlived the audit"
fi
TESTS_RUN=$((TESTS_RUN + 5))

# (e) a worker that never answers.
R=$(tree hang)
f=$(version_finding "$R")
case "$f" in *"--version: no answer within 10 s"*) ;; *) fail "(e) hang not reported: $f" ;; esac

# (f) a worker that prints 1 GB: stopped at the cap, and the audit's peak RSS stays that of
# an audit of a quiet tree (measured here, so a sanitizer build's own overhead cancels out).
peak_rss() { # root: the audit's peak RSS in KiB; its JSON in $T/j
        /usr/bin/time -f '%M' -o "$T/rss" "$PDI" audit --root "$1" --json >"$T/j" 2>"$T/e" || true
        tail -n1 "$T/rss"
}
base_kib=$(peak_rss "$(tree quiet)")
R=$(tree flood)
rss_kib=$(peak_rss "$R")
TESTS_RUN=$((TESTS_RUN + 1))
grep -q 'polkadot-prepare-worker --version: wrote more than 1024 KiB; stopped it' "$T/j" ||
        { cat "$T/j" >&2; fail "(f) 1 GB of output not stopped and reported"; }
echo "audit peak RSS: $rss_kib KiB with a 1 GB printer, $base_kib KiB with a silent worker"
[ "$rss_kib" -lt $((base_kib + 16384)) ] ||
        fail "(f) audit's peak RSS grew by $((rss_kib - base_kib)) KiB with a 1 GB printer (>= 16 MiB)"
pass
