/* SPDX-License-Identifier: Apache-2.0 */
/* Downloads with libcurl (see fetch.h). Choices worth knowing:
 * - Local paths (no scheme) are read with open(O_NOFOLLOW), never through curl.
 * - Redirects: at most 5, http(s) only (never to file://), and https only when the original
 *   URL is https, so a redirect can never downgrade TLS.
 * - A transfer is cut the moment it passes the signed size (or as soon as Content-Length says
 *   it will). Later mirrors are still tried after such a source or one serving other bytes;
 *   if all fail, the code is PDI_E_INTEGRITY when any of them did that, else PDI_E_FAILED.
 * - Bytes already in the fd are kept across retries and mirrors (mirrors serve the same
 *   signed bytes; the final sha256 decides). On any integrity failure the fd is truncated
 *   to 0 so wrong bytes are never resumed; a resumed transfer that fails the hash is tried
 *   once more from byte 0 at the same URL, since the bad bytes may be an earlier run's tail.
 * - retries counts every failed attempt per URL, progress or not, so a source that drips a
 *   few bytes per connection cannot keep us busy forever. */
#include "fetch/fetch.h"
#include "base/fsroot.h"
#include "trust/hash.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#define DEFAULT_CONNECT_TIMEOUT_S 15
#define DEFAULT_LOW_SPEED_BYTES 1024
#define DEFAULT_LOW_SPEED_TIME_S 30
#define DEFAULT_RETRIES 3
#define DEFAULT_BACKOFF_MS 500
#define MAX_BACKOFF_MS 30000
#define MAX_REDIRECTS 5
#define COPY_CHUNK (256 * 1024)
#define PROGRESS_INTERVAL_NS 200000000LL
#define REASON_MAX 512

enum outcome {
        OUT_OK,        /* all bytes received; size and hash still to be checked */
        OUT_TRANSIENT, /* worth another attempt at the same URL */
        OUT_SOURCE,    /* this URL does not work: next mirror */
        OUT_INTEGRITY, /* this URL served wrong or too many bytes: next mirror */
        OUT_LOCAL,     /* our side failed (disk): no mirror can help */
        OUT_RESTART,   /* server ignored our Range: start over from byte 0 */
};

/* Where the bytes of a transfer go: a growing buffer (documents) or an fd hashed on the way
 * (artifacts). `have` counts every byte kept, including a prefix from an earlier attempt. */
struct sink {
        const struct pdi_fetch_opts *opts;
        int fd; /* -1: memory */
        struct pdi_sha256 hash;
        char *buf;
        size_t cap;
        uint64_t have;
        uint64_t limit;
        bool too_big;
        bool not_found;
        int write_error;
        CURL *curl;
        bool length_checked;
        uint64_t attempt_start; /* `have` when the current attempt began */
        struct timespec drawn;
        bool bar_shown;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init(void)
{
        curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void fmt_bytes(uint64_t n, char *buf, size_t len)
{
        snprintf(buf, len, "%.1f MiB", (double)n / (1024.0 * 1024.0));
}

static void progress_draw(struct sink *s, uint64_t now, uint64_t total, bool final)
{
        char a[32], b[32], bar[31];
        size_t fill = total ? (size_t)(now * 30 / total) : 0;
        if (fill > 30)
                fill = 30;
        memset(bar, '#', fill);
        memset(bar + fill, ' ', 30 - fill);
        bar[30] = '\0';
        fmt_bytes(now, a, sizeof(a));
        fmt_bytes(total, b, sizeof(b));
        fprintf(stderr, "\r%s [%s] %s / %s%s", s->opts->label ? s->opts->label : "download", bar, a,
                b, final ? "\n" : "");
        s->bar_shown = !final;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
        (void)dltotal, (void)ultotal, (void)ulnow;
        struct sink *s = userdata;
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        long long ns = (t.tv_sec - s->drawn.tv_sec) * 1000000000LL + (t.tv_nsec - s->drawn.tv_nsec);
        if (ns < PROGRESS_INTERVAL_NS)
                return 0;
        s->drawn = t;
        progress_draw(s, s->attempt_start + (uint64_t)dlnow, s->limit, false);
        return 0;
}

static void progress_end(struct sink *s)
{
        if (s->bar_shown)
                progress_draw(s, s->have, s->limit, true);
}

static int sink_grow(struct sink *s, size_t len)
{
        if (s->buf && s->have + len <= s->cap)
                return 0;
        size_t cap = s->cap ? s->cap : 16384;
        while (cap < s->have + len)
                cap *= 2;
        char *p = realloc(s->buf, cap + 1); /* + 1: room for the terminating NUL */
        if (!p)
                return -ENOMEM;
        s->buf = p;
        s->cap = cap;
        return 0;
}

/* Keep len more bytes; false (with the reason recorded in s) to stop the transfer. */
static bool sink_write(struct sink *s, const void *data, size_t len)
{
        if (len > s->limit - s->have) {
                s->too_big = true;
                return false;
        }
        int r;
        if (s->fd < 0) {
                r = sink_grow(s, len);
                if (r == 0)
                        memcpy(s->buf + s->have, data, len);
        } else {
                r = pdi_write_all(s->fd, data, len);
                if (r == 0)
                        r = pdi_sha256_update(&s->hash, data, len);
        }
        if (r < 0) {
                s->write_error = r;
                return false;
        }
        s->have += len;
        return true;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct sink *s = userdata;
        if (!s->length_checked) {
                /* Refuse before the first byte when the server announces too much. */
                curl_off_t cl = -1;
                s->length_checked = true;
                if (curl_easy_getinfo(s->curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) ==
                        CURLE_OK &&
                    cl > 0 && (uint64_t)cl > s->limit - s->have) {
                        s->too_big = true;
                        return 0;
                }
        }
        return sink_write(s, data, size * nmemb) ? size * nmemb : 0;
}

/* Forget every byte kept so far (the fd too): wrong bytes must never be resumed. */
static int sink_reset(struct sink *s)
{
        s->have = 0;
        if (s->fd < 0)
                return 0;
        pdi_sha256_done(&s->hash);
        if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0)
                return -errno;
        return pdi_sha256_init(&s->hash);
}

static void sink_done(struct sink *s)
{
        pdi_sha256_done(&s->hash);
        free(s->buf);
        s->buf = NULL;
}

static struct pdi_fetch_opts opts_resolve(const struct pdi_fetch_opts *o)
{
        struct pdi_fetch_opts r = o ? *o : (struct pdi_fetch_opts){0};
        r.connect_timeout_s =
            r.connect_timeout_s > 0 ? r.connect_timeout_s : DEFAULT_CONNECT_TIMEOUT_S;
        r.low_speed_bytes = r.low_speed_bytes > 0 ? r.low_speed_bytes : DEFAULT_LOW_SPEED_BYTES;
        r.low_speed_time_s = r.low_speed_time_s > 0 ? r.low_speed_time_s : DEFAULT_LOW_SPEED_TIME_S;
        r.retries = r.retries ? r.retries : DEFAULT_RETRIES;
        r.backoff_ms = r.backoff_ms ? r.backoff_ms : DEFAULT_BACKOFF_MS;
        return r;
}

static CURL *easy_new(struct sink *s, const char *url, char *errbuf)
{
        const struct pdi_fetch_opts *o = s->opts;
        CURL *c = curl_easy_init();
        if (!c)
                return NULL;
        bool https = pdi_url_scheme_is(url, "https");
        int bad = 0;
        bad |= curl_easy_setopt(c, CURLOPT_URL, url);
        bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
        bad |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, https ? "https" : "http,https");
        bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
        bad |= curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
        bad |= curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        if (o->cacert)
                bad |= curl_easy_setopt(c, CURLOPT_CAINFO, o->cacert);
        bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout_s);
        bad |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, o->low_speed_bytes);
        bad |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
        bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
        bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "polkadot-installer/" PDI_VERSION);
        bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, s);
        if (o->progress && s->fd >= 0) {
                bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
                bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, s);
                bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
        }
        if (bad) {
                curl_easy_cleanup(c);
                return NULL;
        }
        return c;
}

static bool curl_transient(CURLcode rc)
{
        static const CURLcode codes[] = {
            CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_PARTIAL_FILE,
            CURLE_RECV_ERROR,           CURLE_SEND_ERROR,      CURLE_OPERATION_TIMEDOUT,
            CURLE_GOT_NOTHING,          CURLE_HTTP2,           CURLE_HTTP2_STREAM,
        };
        for (size_t i = 0; i < ELEMENTSOF(codes); i++)
                if (codes[i] == rc)
                        return true;
        return false;
}

static enum outcome classify_http(struct sink *s, long status, char *reason)
{
        snprintf(reason, REASON_MAX, "HTTP %ld", status);
        s->not_found = status == 404;
        if (status == 408 || status == 429 || status >= 500)
                return OUT_TRANSIENT;
        return OUT_SOURCE;
}

static enum outcome classify(struct sink *s, CURLcode rc, const char *errbuf, char *reason)
{
        if (s->too_big && s->fd >= 0) {
                snprintf(reason, REASON_MAX, "server sent more than the signed size %" PRIu64,
                         s->limit);
                return OUT_INTEGRITY;
        }
        if (s->too_big) {
                snprintf(reason, REASON_MAX, "larger than %" PRIu64 " bytes", s->limit);
                return OUT_INTEGRITY;
        }
        if (s->write_error) {
                snprintf(reason, REASON_MAX, "writing: %s", strerror(-s->write_error));
                return OUT_LOCAL;
        }
        if (rc == CURLE_OK)
                return OUT_OK;
        long status = 0;
        if (rc == CURLE_HTTP_RETURNED_ERROR &&
            curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
                return classify_http(s, status, reason);
        long os_errno = 0;
        const char *to = NULL;
        long hops = 0;
        if (rc == CURLE_UNSUPPORTED_PROTOCOL &&
            curl_easy_getinfo(s->curl, CURLINFO_REDIRECT_COUNT, &hops) == CURLE_OK && hops > 0 &&
            curl_easy_getinfo(s->curl, CURLINFO_EFFECTIVE_URL, &to) == CURLE_OK && to)
                snprintf(reason, REASON_MAX,
                         "redirect to %s refused (https only to https, never to file://)", to);
        else if (rc == CURLE_COULDNT_CONNECT &&
                 curl_easy_getinfo(s->curl, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK &&
                 os_errno > 0)
                snprintf(reason, REASON_MAX, "cannot connect: %s", strerror((int)os_errno));
        else
                snprintf(reason, REASON_MAX, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
        if (rc == CURLE_RANGE_ERROR && s->have > 0)
                return OUT_RESTART;
        s->not_found = rc == CURLE_FILE_COULDNT_READ_FILE;
        return curl_transient(rc) ? OUT_TRANSIENT : OUT_SOURCE;
}

static enum outcome attempt_curl(struct sink *s, char *errbuf, char *reason)
{
        if (s->fd < 0)
                s->have = 0; /* documents are small: always start over */
        else if (lseek(s->fd, (off_t)s->have, SEEK_SET) < 0)
                s->write_error = -errno;
        if (s->write_error)
                return classify(s, CURLE_OK, errbuf, reason);
        if (s->fd >= 0 && s->have == s->limit)
                return OUT_OK; /* an earlier run got everything; the hash decides */
        errbuf[0] = '\0';
        s->length_checked = false;
        s->attempt_start = s->have;
        curl_easy_setopt(s->curl, CURLOPT_RESUME_FROM_LARGE, (curl_off_t)s->have);
        CURLcode rc = curl_easy_perform(s->curl);
        progress_end(s);
        return classify(s, rc, errbuf, reason);
}

static void sleep_ms(unsigned ms)
{
        struct timespec t = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
        while (nanosleep(&t, &t) < 0 && errno == EINTR)
                ;
}

/* One URL through curl, with retries and backoff for transient failures. */
static enum outcome fetch_curl(struct sink *s, const char *url, char *reason)
{
        char errbuf[CURL_ERROR_SIZE];
        pthread_once(&curl_once, curl_init);
        if (curl_init_result != CURLE_OK) {
                snprintf(reason, REASON_MAX, "%s", curl_easy_strerror(curl_init_result));
                return OUT_LOCAL;
        }
        s->curl = easy_new(s, url, errbuf);
        if (!s->curl) {
                snprintf(reason, REASON_MAX, "cannot set up libcurl");
                return OUT_LOCAL;
        }
        unsigned delay = s->opts->backoff_ms;
        enum outcome out;
        unsigned failed = 0;
        for (;;) {
                out = attempt_curl(s, errbuf, reason);
                if (out == OUT_RESTART) {
                        int r = sink_reset(s);
                        if (r == 0)
                                continue; /* not a failure of the source: no retry used */
                        snprintf(reason, REASON_MAX, "truncating: %s", strerror(-r));
                        out = OUT_LOCAL;
                }
                if (out != OUT_TRANSIENT || failed++ >= s->opts->retries)
                        break;
                sleep_ms(delay);
                delay = delay > MAX_BACKOFF_MS / 2 ? MAX_BACKOFF_MS : delay * 2;
        }
        curl_easy_cleanup(s->curl);
        s->curl = NULL;
        return out;
}

static enum outcome copy_fd(struct sink *s, int src, char *reason)
{
        _cleanup_free_ char *buf = malloc(COPY_CHUNK);
        if (!buf)
                s->write_error = -ENOMEM;
        while (buf && !s->write_error) {
                ssize_t n = pread(src, buf, COPY_CHUNK, (off_t)s->have);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        snprintf(reason, REASON_MAX, "reading: %s", strerror(errno));
                        return OUT_SOURCE;
                }
                if (n == 0 || !sink_write(s, buf, (size_t)n))
                        break;
        }
        return classify(s, CURLE_OK, "", reason);
}

/* A local path the operator gave (or one relative to it): read directly, never through curl.
 * Symlinks are followed, as for file:// URLs and any command-line tool; a FIFO or device is
 * refused without blocking. */
static enum outcome fetch_local(struct sink *s, const char *path, char *reason)
{
        struct stat st;
        if (s->fd < 0)
                s->have = 0;
        else if (lseek(s->fd, (off_t)s->have, SEEK_SET) < 0)
                s->write_error = -errno;
        _cleanup_close_ int src = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (src < 0 || fstat(src, &st) < 0) {
                s->not_found = errno == ENOENT;
                snprintf(reason, REASON_MAX, "%s", strerror(errno));
                return OUT_SOURCE;
        }
        if (!S_ISREG(st.st_mode)) {
                snprintf(reason, REASON_MAX, "not a regular file");
                return OUT_SOURCE;
        }
        if ((uint64_t)st.st_size > s->limit) {
                s->too_big = true;
                return classify(s, CURLE_OK, "", reason);
        }
        return copy_fd(s, src, reason);
}

static enum outcome fetch_one(struct sink *s, const char *url, char *reason)
{
        s->too_big = s->not_found = false;
        return pdi_url_scheme_length(url) ? fetch_curl(s, url, reason)
                                          : fetch_local(s, url, reason);
}

int pdi_fetch_memory(const struct pdi_fetch_opts *o, const char *url, size_t max, char **ret_buf,
                     size_t *ret_len, struct pdi_error *err)
{
        struct pdi_fetch_opts opts = opts_resolve(o);
        struct sink s = {.opts = &opts, .fd = -1, .limit = max};
        char reason[REASON_MAX] = "";
        enum outcome out = fetch_one(&s, url, reason);
        if (out == OUT_OK && sink_grow(&s, 0) < 0) {
                out = OUT_LOCAL;
                snprintf(reason, REASON_MAX, "%s", strerror(ENOMEM));
        }
        if (out != OUT_OK) {
                int code = s.not_found            ? -ENOENT
                           : out == OUT_INTEGRITY ? -PDI_E_INTEGRITY
                                                  : -PDI_E_FAILED;
                sink_done(&s);
                return pdi_error_set(err, code, "%s: %s", url, reason);
        }
        s.buf[s.have] = '\0';
        *ret_len = (size_t)s.have;
        *ret_buf = TAKE_PTR(s.buf);
        return 0;
}

/* Take the bytes an earlier, interrupted run left in the fd as our prefix. */
static int sink_adopt_fd(struct sink *s)
{
        struct stat st;
        int r = pdi_sha256_init(&s->hash);
        if (r < 0)
                return r;
        if (fstat(s->fd, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -EINVAL;
        if ((uint64_t)st.st_size > s->limit)
                return sink_reset(s);
        /* From the start: the offset ends where the resumed bytes will be written. */
        if (lseek(s->fd, 0, SEEK_SET) < 0)
                return -errno;
        r = pdi_sha256_update_fd(&s->hash, s->fd, (uint64_t)st.st_size);
        if (r < 0)
                return r;
        s->have = s->hash.size;
        return s->have == (uint64_t)st.st_size ? 0 : -EIO;
}

/* After all bytes arrived: size and sha256 as signed, then durable. */
static enum outcome sink_verify(struct sink *s, const char *expected_sha256, char *reason)
{
        char hex[65];
        if (s->have != s->limit) {
                snprintf(reason, REASON_MAX, "size %" PRIu64 ", signed %" PRIu64, s->have,
                         s->limit);
                return OUT_INTEGRITY;
        }
        int r = pdi_sha256_final(&s->hash, hex);
        if (r == 0)
                r = pdi_sha256_init(&s->hash);
        if (r == 0 && strcasecmp(hex, expected_sha256) != 0) {
                snprintf(reason, REASON_MAX, "sha256 %s, signed %s", hex, expected_sha256);
                return OUT_INTEGRITY;
        }
        if (r == 0 && fsync(s->fd) < 0)
                r = -errno;
        if (r < 0) {
                snprintf(reason, REASON_MAX, "%s", strerror(-r));
                return OUT_LOCAL;
        }
        return OUT_OK;
}

static void append_reason(char *list, size_t size, const char *url, const char *reason)
{
        size_t used = strlen(list);
        if (used + 1 < size)
                snprintf(list + used, size - used, "%s%s: %s", used ? "; " : "", url, reason);
}

static int fetch_artifact_urls(struct sink *s, const char *const *urls, size_t n_urls,
                               const char *expected_sha256, struct pdi_error *err)
{
        char list[PDI_ERROR_MSG_MAX] = "", reason[REASON_MAX];
        bool integrity = false;
        for (size_t i = 0; i < n_urls; i++) {
                bool resumed = s->have > 0;
                reason[0] = '\0';
                enum outcome out = fetch_one(s, urls[i], reason);
                if (out == OUT_OK)
                        out = sink_verify(s, expected_sha256, reason);
                if (out == OUT_OK)
                        return 0;
                if (out == OUT_INTEGRITY) {
                        int r = sink_reset(s);
                        if (r < 0)
                                return pdi_error_set(err, -PDI_E_FAILED, "%s: %s; truncating: %s",
                                                     urls[i], reason, strerror(-r));
                        /* The wrong bytes may be the tail a crashed run left: this source is
                         * to blame only once it serves them from byte 0. */
                        if (resumed) {
                                i--;
                                continue;
                        }
                        integrity = true;
                }
                if (out == OUT_LOCAL && s->write_error) /* e.g. -ENOSPC: the caller cleans up */
                        return pdi_error_set(err, s->write_error, "%s: %s", urls[i], reason);
                if (out == OUT_LOCAL || n_urls == 1)
                        return pdi_error_set(err, integrity ? -PDI_E_INTEGRITY : -PDI_E_FAILED,
                                             "%s: %s", urls[i], reason);
                append_reason(list, sizeof(list), urls[i], reason);
        }
        return pdi_error_set(err, integrity ? -PDI_E_INTEGRITY : -PDI_E_FAILED,
                             "all %zu sources failed: %s", n_urls, list);
}

int pdi_fetch_artifact(const struct pdi_fetch_opts *o, const char *const *urls, size_t n_urls,
                       int fd, uint64_t expected_size, const char *expected_sha256,
                       struct pdi_error *err)
{
        if (n_urls == 0 || fd < 0 || !expected_sha256)
                return pdi_error_set(err, -EINVAL, "no source to fetch from");
        struct pdi_fetch_opts opts = opts_resolve(o);
        struct sink s = {.opts = &opts, .fd = fd, .limit = expected_size};
        int r = sink_adopt_fd(&s);
        if (r < 0) {
                sink_done(&s);
                return pdi_error_set(err, -PDI_E_FAILED, "%s: reading the partial download: %s",
                                     urls[0], strerror(-r));
        }
        r = fetch_artifact_urls(&s, urls, n_urls, expected_sha256, err);
        sink_done(&s);
        return r;
}

int pdi_fetch_unpinned(const struct pdi_fetch_opts *o, const char *url, int fd, uint64_t max,
                       char ret_sha256[65], uint64_t *ret_size, struct pdi_error *err)
{
        struct pdi_fetch_opts opts = opts_resolve(o);
        struct sink s = {.opts = &opts, .fd = fd, .limit = max};
        char reason[REASON_MAX] = "";
        int r = pdi_sha256_init(&s.hash);
        enum outcome out = r < 0 ? OUT_LOCAL : fetch_one(&s, url, reason);
        if (out == OUT_OK && ((r = pdi_sha256_final(&s.hash, ret_sha256)) < 0 || fsync(fd) < 0))
                out = OUT_LOCAL;
        sink_done(&s);
        if (out == OUT_OK) {
                *ret_size = s.have;
                return 0;
        }
        if (!reason[0])
                snprintf(reason, REASON_MAX, "%s", strerror(r < 0 ? -r : errno));
        return pdi_error_set(err,
                             s.not_found            ? -ENOENT
                             : out == OUT_INTEGRITY ? -PDI_E_INTEGRITY
                                                    : -PDI_E_FAILED,
                             "%s: %s", url, reason);
}
