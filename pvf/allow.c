/* SPDX-License-Identifier: Apache-2.0 */
/* The spawner's allow list: see allow.h. Hashing a 100 MiB worker takes a tenth of a second,
 * so a file whose identity (device, inode, size, mtime, ctime) was verified before is not
 * hashed again: any write to it, by anyone, changes its ctime. */
#include "allow.h"
#include "proto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ALLOW_MAX_BYTES (256 * 1024)
#define SEEN_MAX 64

struct seen {
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime, ctime;
        char sha[65];
};

static struct seen seen[SEEN_MAX];
static size_t n_seen;

void pvf_allow_forget(void)
{
        n_seen = 0;
}

static bool same_file(const struct seen *s, const struct stat *st)
{
        return s->dev == st->st_dev && s->ino == st->st_ino && s->size == st->st_size &&
               s->mtime.tv_sec == st->st_mtim.tv_sec && s->mtime.tv_nsec == st->st_mtim.tv_nsec &&
               s->ctime.tv_sec == st->st_ctim.tv_sec && s->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

static void remember(const struct stat *st, const char *sha)
{
        struct seen *s = &seen[n_seen < SEEN_MAX ? n_seen++ : (size_t)(st->st_ino % SEEN_MAX)];

        *s = (struct seen){st->st_dev, st->st_ino, st->st_size, st->st_mtim, st->st_ctim, ""};
        memcpy(s->sha, sha, 65);
}

static const struct seen *recall(const struct stat *st)
{
        for (size_t i = 0; i < n_seen; i++)
                if (same_file(&seen[i], st))
                        return &seen[i];
        return NULL;
}

static int sha256_fd(int fd, char ret_hex[65])
{
        unsigned char md[32], buf[1 << 16];
        unsigned int mdlen = 0;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        ssize_t n = 0;
        int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);

        for (off_t off = 0; ok && (n = pread(fd, buf, sizeof(buf), off)) > 0; off += n)
                ok = EVP_DigestUpdate(ctx, buf, (size_t)n);
        ok = ok && n == 0 && EVP_DigestFinal_ex(ctx, md, &mdlen);
        EVP_MD_CTX_free(ctx);
        if (!ok)
                return -EIO;
        for (int i = 0; i < 32; i++)
                snprintf(ret_hex + 2 * i, 3, "%02x", md[i]);
        return 0;
}

/* The list's line for relay: the worker's path, hash and size. -ENOENT when none names it. */
static int find_line(const char *list, const char *relay, char *ret_worker, char ret_sha[65],
                     long long *ret_size)
{
        const char *p = list;

        while (*p) {
                const char *nl = strchr(p, '\n');
                size_t len = nl ? (size_t)(nl - p) : strlen(p);
                char sha[65], from[PATH_MAX + 1], to[PATH_MAX + 1];
                long long size;
                char line[2 * PATH_MAX + 96];

                if (len < sizeof(line)) {
                        memcpy(line, p, len);
                        line[len] = '\0';
                        if (sscanf(line, "%64[0-9a-f] %lld %4096s %4096s", sha, &size, from, to) ==
                                4 &&
                            strlen(sha) == 64 && !strcmp(from, relay) && to[0] == '/') {
                                memcpy(ret_sha, sha, 65);
                                memcpy(ret_worker, to, strlen(to) + 1);
                                *ret_size = size;
                                return 0;
                        }
                }
                p += len + (nl ? 1 : 0);
        }
        return -ENOENT;
}

static int read_list(const char *list_path, char *buf, size_t size)
{
        int fd = open(list_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = read(fd, buf, size - 1);
        int e = errno;
        close(fd);
        if (n < 0)
                return -e;
        if ((size_t)n == size - 1)
                return -EFBIG;
        buf[n] = '\0';
        return 0;
}

static bool path_ok(const char *release)
{
        return release[0] == '/' && !strstr(release, "/../") && !strstr(release, "/./") &&
               strlen(release) < PATH_MAX - 64 && !strchr(release, '\n') && !strchr(release, ' ');
}

static int verify_fd(int fd, const char *sha, long long size, char *why, size_t why_size)
{
        struct stat st;
        char got[65];
        const struct seen *s;

        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
                return snprintf(why, why_size, "not a regular file"), -EPERM;
        if (st.st_size != size)
                return snprintf(why, why_size, "size %lld, the state says %lld",
                                (long long)st.st_size, size),
                       -EPERM;
        if ((s = recall(&st)) && !strcmp(s->sha, sha))
                return 0;
        if (sha256_fd(fd, got) < 0)
                return snprintf(why, why_size, "cannot read it"), -EIO;
        if (strcmp(got, sha))
                return snprintf(why, why_size, "sha256 %s, the state says %s", got, sha), -EPERM;
        remember(&st, got);
        return 0;
}

int pvf_allow_open(const char *list_path, const char *release, const char *name, int *ret_fd,
                   char *why, size_t why_size)
{
        static char list[ALLOW_MAX_BYTES];
        char relay[PATH_MAX], path[PATH_MAX + 1], sha[65];
        long long size;
        int r, fd;

        if (pvf_worker_name_ok(name) < 0)
                return snprintf(why, why_size, "'%.64s' is not a worker name", name), -EPERM;
        if (!path_ok(release))
                return snprintf(why, why_size, "release path '%.200s' is not canonical", release),
                       -EPERM;
        snprintf(relay, sizeof(relay), "%s/%s", release, name);
        if ((r = read_list(list_path, list, sizeof(list))) < 0)
                return snprintf(why, why_size, "%s: %s", list_path, strerror(-r)), r;
        if (find_line(list, relay, path, sha, &size) < 0)
                return snprintf(why, why_size, "%s is not a worker of an installed release", relay),
                       -EPERM;
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return r = -errno, snprintf(why, why_size, "%s: %s", path, strerror(-r)), r;
        if ((r = verify_fd(fd, sha, size, why, why_size)) < 0) {
                close(fd);
                return r;
        }
        *ret_fd = fd;
        return 0;
}
