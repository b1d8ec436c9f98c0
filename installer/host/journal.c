/* SPDX-License-Identifier: Apache-2.0 */
#include "host/journal.h"
#include "base/common.h"
#include "base/log.h"

#include <errno.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>

#include <jansson.h>
#include <systemd/sd-journal.h>

#define SYNC_REQUEST "{\"method\":\"io.systemd.Journal.Synchronize\",\"parameters\":{}}"
#define REPLY_MAX 4096
#define SYNC_TIMEOUT_MS 5000

static void journalp(sd_journal **j)
{
        sd_journal_close(*j);
}

static long long now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for fd to be ready for events before the deadline. */
static int wait_fd(int fd, short events, long long deadline)
{
        for (;;) {
                long long left = deadline - now_ms();
                if (left <= 0)
                        return -ETIMEDOUT;
                struct pollfd p = {.fd = fd, .events = events};
                int k = poll(&p, 1, (int)left);
                if (k > 0)
                        return 0;
                if (k < 0 && errno != EINTR)
                        return -errno;
        }
}

/* A varlink message is one JSON object followed by a NUL byte. */
static int read_reply(int fd, char *buf, size_t size, long long deadline)
{
        size_t len = 0;
        while (len < size) {
                int k = wait_fd(fd, POLLIN, deadline);
                if (k < 0)
                        return k;
                ssize_t n = recv(fd, buf + len, size - len, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EPROTO; /* closed before the terminating NUL */
                if (memchr(buf + len, '\0', (size_t)n))
                        return 0;
                len += (size_t)n;
        }
        return -EPROTO;
}

static int check_reply(const char *buf)
{
        _cleanup_(json_decrefp) json_t *o = json_loads(buf, 0, NULL);
        if (!json_is_object(o) || json_object_get(o, "error"))
                return -EPROTO;
        return 0;
}

int pdi_journal_sync(const char *path, unsigned timeout_ms)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        if (strlen(path) >= sizeof(a.sun_path))
                return -ENAMETOOLONG;
        memcpy(a.sun_path, path, strlen(path) + 1);
        long long deadline = now_ms() + timeout_ms;
        _cleanup_close_ int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
                if (errno != EINPROGRESS && errno != EAGAIN)
                        return -errno;
                int k = wait_fd(fd, POLLOUT, deadline);
                if (k < 0)
                        return k;
        }
        /* Small enough to go in one send on a fresh socket; the NUL is part of the message. */
        ssize_t n = send(fd, SYNC_REQUEST, sizeof(SYNC_REQUEST), MSG_NOSIGNAL);
        if (n < 0)
                return -errno;
        if ((size_t)n != sizeof(SYNC_REQUEST))
                return -EPROTO;
        char buf[REPLY_MAX + 1];
        int k = read_reply(fd, buf, REPLY_MAX, deadline);
        if (k < 0)
                return k;
        buf[REPLY_MAX] = '\0';
        return check_reply(buf);
}

/* The unit's own output, and what PID 1 says about it ("Failed with result …"). */
static int journal_match(sd_journal *j, const char *unit)
{
        _cleanup_free_ char *own = NULL, *about = NULL;
        if (asprintf(&own, "_SYSTEMD_UNIT=%s", unit) < 0 || asprintf(&about, "UNIT=%s", unit) < 0)
                return -ENOMEM;
        int k = sd_journal_add_match(j, own, 0);
        if (k >= 0)
                k = sd_journal_add_disjunction(j);
        if (k >= 0)
                k = sd_journal_add_match(j, about, 0);
        if (k >= 0)
                k = sd_journal_add_match(j, "_PID=1", 0);
        return k;
}

static char *entry_message(sd_journal *j)
{
        const void *d;
        size_t len;
        if (sd_journal_get_data(j, "MESSAGE", &d, &len) < 0 || len < 8)
                return strdup("");
        char *s = strndup((const char *)d + 8, len - 8); /* after "MESSAGE=" */
        if (s)
                s[strcspn(s, "\n")] = '\0';
        return s;
}

/* Walk back n entries from the tail, then join them oldest first. */
static char *journal_collect(sd_journal *j, unsigned n)
{
        char **lines = calloc(n ? n : 1, sizeof(char *));
        unsigned got = 0;
        size_t total = 1;
        while (lines && got < n && sd_journal_previous(j) > 0) {
                lines[got] = entry_message(j);
                if (!lines[got])
                        break;
                total += strlen(lines[got++]) + 1;
        }
        char *text = lines ? malloc(total) : NULL;
        if (text) {
                char *p = text;
                *p = '\0';
                for (unsigned i = got; i-- > 0;) {
                        size_t len = strlen(lines[i]);
                        memcpy(p, lines[i], len);
                        p += len;
                        if (i)
                                *p++ = '\n';
                }
                *p = '\0';
        }
        for (unsigned i = 0; lines && i < got; i++)
                free(lines[i]);
        free(lines);
        return text;
}

int pdi_journal_tail(const char *unit, unsigned n, char **ret_text)
{
        /* Without the sync the tail can miss the very lines that explain a failure (the
         * node's last words arrive on its stdout stream after PID 1 has seen it exit). An old
         * journald without varlink still gives what it has. */
        int k = pdi_journal_sync(PDI_JOURNAL_VARLINK, SYNC_TIMEOUT_MS);
        if (k < 0)
                log_debug("journald did not synchronize (%s); its last lines may be missing",
                          strerror(-k));
        _cleanup_(journalp) sd_journal *j = NULL;
        k = sd_journal_open(&j, SD_JOURNAL_SYSTEM | SD_JOURNAL_LOCAL_ONLY);
        if (k < 0)
                return k;
        k = journal_match(j, unit);
        if (k >= 0)
                k = sd_journal_seek_tail(j);
        if (k < 0)
                return k;
        char *text = journal_collect(j, n);
        if (!text)
                return -ENOMEM;
        *ret_text = text;
        return 0;
}
