#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A throwaway lighttpd on 127.0.0.1 for tests (it honours HTTP range requests, which resume
# tests need). Nothing from /etc/lighttpd or systemd is used; everything lives in STATEDIR.
#
#   tests/lighttpd.sh start DOCROOT STATEDIR [EXTRA_CONF_LINE]...   prints the port
#   tests/lighttpd.sh stop STATEDIR                                 kills it and waits
#
# start writes STATEDIR/port, STATEDIR/pid, STATEDIR/lighttpd.conf, and logs to
# STATEDIR/error.log and STATEDIR/access.log (one line per request: "STATUS BYTES METHOD PATH",
# BYTES being the body bytes sent). Extra arguments are appended to the config as lines, e.g.
# 'connection.kbytes-per-second = 64' to throttle.
# Environment:
#   PORT=N                  bind exactly this port (e.g. to restart a killed server on its port)
#   LIGHTTPD_OWNER_PID=PID  also start a watchdog that kills the server once PID is gone, so a
#                           crashed test never leaves a server behind
#   LIGHTTPD=/path          the binary (default /usr/sbin/lighttpd)
#   TLS_PEM=FILE            serve https with this certificate and key (one PEM file)
set -euo pipefail

LIGHTTPD=${LIGHTTPD:-/usr/sbin/lighttpd}

die() {
        echo "lighttpd.sh: $*" >&2
        exit 1
}

# True while PID exists and is not a zombie (an orphan may stay a zombie if init is slow).
alive() {
        local state
        state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
        [[ -n $state && $state != Z ]]
}

write_conf() { # docroot statedir port extra...
        local docroot=$1 statedir=$2 port=$3
        shift 3
        cat >"$statedir/lighttpd.conf" <<EOF
server.modules = ( "mod_accesslog" )
server.document-root = "$docroot"
server.bind = "127.0.0.1"
server.port = $port
server.pid-file = "$statedir/pid"
server.errorlog = "$statedir/error.log"
server.tag = "lighttpd-test"
accesslog.filename = "$statedir/access.log"
accesslog.format = "%s %b %m %U"
mimetype.assign = ( "" => "application/octet-stream" )
EOF
        if [[ -n ${TLS_PEM:-} ]]; then
                printf '%s\n' 'server.modules += ( "mod_openssl" )' 'ssl.engine = "enable"' \
                        "ssl.pemfile = \"$TLS_PEM\"" >>"$statedir/lighttpd.conf"
        fi
        local line
        for line in "$@"; do
                printf '%s\n' "$line" >>"$statedir/lighttpd.conf"
        done
}

# Wait until the server answers anything at all over HTTP(S) (a 404 counts).
wait_ready() { # port pid
        local scheme=http
        [[ -n ${TLS_PEM:-} ]] && scheme=https
        for _ in $(seq 1 100); do
                if curl -ks -o /dev/null --max-time 1 "$scheme://127.0.0.1:$1/"; then
                        return 0
                fi
                alive "$2" || return 1
                sleep 0.05
        done
        return 1
}

start_watchdog() { # server-pid owner-pid statedir
        (
                trap '' HUP
                while alive "$1" && alive "$2"; do
                        sleep 0.5
                done
                kill -9 "$1" 2>/dev/null || true
        ) </dev/null >/dev/null 2>&1 &
        echo $! >"$3/watchdog.pid"
}

# One try on one port; returns 0 when the server is up.
try_port() { # docroot statedir port extra...
        local statedir=$2 port=$3 pid
        write_conf "$@"
        rm -f "$statedir/pid"
        # Daemon mode: lighttpd binds before it forks, so a busy port is a failed exit here.
        "$LIGHTTPD" -f "$statedir/lighttpd.conf" </dev/null >>"$statedir/stdout.log" 2>&1 ||
                return 1
        for _ in $(seq 1 50); do
                [[ -s $statedir/pid ]] && break
                sleep 0.02
        done
        pid=$(cat "$statedir/pid" 2>/dev/null) || return 1
        if ! wait_ready "$port" "$pid"; then
                kill -9 "$pid" 2>/dev/null || true
                return 1
        fi
        echo "$port" >"$statedir/port"
        if [[ -n ${LIGHTTPD_OWNER_PID:-} ]]; then
                start_watchdog "$pid" "$LIGHTTPD_OWNER_PID" "$statedir"
        fi
        return 0
}

cmd_start() {
        [[ $# -ge 2 ]] || die "usage: start DOCROOT STATEDIR [EXTRA_CONF_LINE]..."
        local docroot statedir port
        docroot=$(realpath "$1")
        mkdir -p "$2"
        statedir=$(realpath "$2")
        shift 2
        [[ -x $LIGHTTPD ]] || die "$LIGHTTPD not found"
        [[ -d $docroot ]] || die "$docroot: not a directory"
        for _ in $(seq 1 40); do
                if [[ -n ${PORT:-} ]]; then
                        port=$PORT
                else
                        port=$((20000 + RANDOM % 40001))
                fi
                if try_port "$docroot" "$statedir" "$port" "$@"; then
                        echo "$port"
                        return 0
                fi
                # A fixed port may still be held for a moment by a server just killed.
                [[ -n ${PORT:-} ]] && sleep 0.1
        done
        die "could not start lighttpd (see $statedir/error.log, $statedir/stdout.log)"
}

stop_pid() { # pid
        alive "$1" || return 0
        kill -TERM "$1" 2>/dev/null || return 0
        for _ in $(seq 1 100); do
                alive "$1" || return 0
                sleep 0.05
        done
        kill -9 "$1" 2>/dev/null || true
        for _ in $(seq 1 100); do
                alive "$1" || return 0
                sleep 0.05
        done
        die "pid $1 does not die"
}

cmd_stop() {
        [[ $# -eq 1 ]] || die "usage: stop STATEDIR"
        local statedir=$1 pid
        if [[ -s $statedir/pid ]]; then
                pid=$(cat "$statedir/pid")
                stop_pid "$pid"
        fi
        if [[ -s $statedir/watchdog.pid ]]; then
                pid=$(cat "$statedir/watchdog.pid")
                kill "$pid" 2>/dev/null || true
        fi
        rm -f "$statedir/pid" "$statedir/watchdog.pid"
}

case "${1:-}" in
start)
        shift
        cmd_start "$@"
        ;;
stop)
        shift
        cmd_stop "$@"
        ;;
*)
        die "usage: $0 start DOCROOT STATEDIR [EXTRA_CONF_LINE]... | stop STATEDIR"
        ;;
esac
