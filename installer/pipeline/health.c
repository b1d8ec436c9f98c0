/* SPDX-License-Identifier: Apache-2.0 */
#include "pipeline/health.h"

#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <time.h>

#define HEALTH_REPLY_MAX 65536

struct reply {
        char buf[HEALTH_REPLY_MAX];
        size_t len;
};

static size_t collect(char *p, size_t size, size_t n, void *userdata)
{
        struct reply *r = userdata;
        size_t len = size * n;
        if (len > sizeof(r->buf) - 1 - r->len)
                return 0; /* too long for a health answer: abort */
        memcpy(r->buf + r->len, p, len);
        r->len += len;
        r->buf[r->len] = '\0';
        return len;
}

/* One request; 0 with a "result" object, else a reason in err. */
static int ask(CURL *c, unsigned port, struct pdi_error *err)
{
        static const char body[] =
            "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"system_health\",\"params\":[]}";
        char url[64];
        struct reply *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        snprintf(url, sizeof(url), "http://127.0.0.1:%u/", port);
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        curl_easy_reset(c);
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
        curl_easy_setopt(c, CURLOPT_NOPROXY, "*"); /* 127.0.0.1 is never proxied */
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, r);
        CURLcode rc = curl_easy_perform(c);
        curl_slist_free_all(h);
        json_t *j = rc == CURLE_OK ? json_loadb(r->buf, r->len, 0, NULL) : NULL;
        int k = json_is_object(json_object_get(j, "result")) ? 0 : -PDI_E_FAILED;
        if (k < 0)
                pdi_error_set(err, k, "system_health on 127.0.0.1:%u: %s", port,
                              rc != CURLE_OK ? curl_easy_strerror(rc)
                              : j            ? "no result in the answer"
                                             : "not a JSON answer");
        json_decref(j);
        free(r);
        return k;
}

/* Milliseconds on the monotonic clock: whole wall-clock seconds would cut a 1 s timeout to
 * anything down to nothing, and the wall clock may jump. */
static uint64_t now_ms(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int pdi_health_rpc(unsigned port, unsigned timeout_s, struct pdi_error *err)
{
        curl_global_init(CURL_GLOBAL_DEFAULT);
        CURL *c = curl_easy_init();
        if (!c)
                return -ENOMEM;
        uint64_t end = now_ms() + (uint64_t)timeout_s * 1000u;
        struct pdi_error last = {0};
        int k;
        for (;;) {
                last = (struct pdi_error){0};
                k = ask(c, port, &last);
                if (k == 0 || k == -ENOMEM || now_ms() >= end)
                        break;
                nanosleep(&(struct timespec){.tv_nsec = 500 * 1000 * 1000}, NULL);
        }
        curl_easy_cleanup(c);
        if (k < 0)
                pdi_error_set(err, k, "%s (for %u s)", last.msg, timeout_s);
        return k;
}
