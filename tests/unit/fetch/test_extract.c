/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/fetch/extract.c. Archives are built here with libarchive's write API (or a
 * hand-made ustar header where libarchive refuses to write the hostile thing), extracted into
 * a fresh staging dir, and every hostile case checks the exact code, the message, and that
 * nothing appeared outside the staging dir. The last case runs the Python fixture generator
 * used by the install-level scenario and checks each of its rows, so its regexes stay true. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "fetch/extract.h"
#include "base/fsroot.h"
#include "trust/hash.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#define BIG_SIZE (200 * 1024) /* spans several 64 KiB read blocks */

struct ent {
        const char *path;
        unsigned type;     /* AE_IF*; 0 = regular file */
        unsigned mode;     /* permission bits; 0 = 0644 */
        const char *data;  /* regular file content; NULL = the big pattern */
        const char *link;  /* symlink target or hardlink source */
        bool hard;         /* link is a hardlink */
        int64_t hdr_size;  /* header size when != 0 (libarchive pads with NULs) */
        int64_t sparse_at; /* add one sparse region when != 0 */
};

struct listed {
        const char *path;
        const char *data; /* NULL = big pattern */
        uint64_t size;    /* when != 0, overrides strlen(data) */
};

enum writer {
        W_PAX = 0,
        W_USTAR,
        W_GNUTAR,
        W_ZIP,
        W_RAW,     /* raw bytes, not an archive */
        W_RAW_TAR, /* hand-made ustar header: names libarchive will not write */
        W_GZIP_TWICE,
        W_TRUNCATED, /* pax, cut after 2 KiB */
};

struct tcase {
        const char *name;
        enum writer writer;
        enum pdi_format written;  /* compression applied; BINARY (0) = plain tar */
        enum pdi_format declared; /* 0 = as written */
        struct ent ents[4];
        struct listed files[3];
        int code;
        const char *msg;
};

static char big[BIG_SIZE + 1];

static const char *content(const char *data)
{
        return data ? data : big;
}

/* ---- staging: base/{archive,stage/} ------------------------------------------------------ */

struct stage {
        char base[64];
        char archive[96];
        int dirfd;
};

static void stage_new(struct stage *s)
{
        snprintf(s->base, sizeof(s->base), "/tmp/pdi-extract.XXXXXX");
        assert_non_null(mkdtemp(s->base));
        snprintf(s->archive, sizeof(s->archive), "%s/archive", s->base);
        char dir[96];
        snprintf(dir, sizeof(dir), "%s/stage", s->base);
        assert_int_equal(mkdir(dir, 0700), 0);
        s->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(s->dirfd >= 0);
}

static void stage_done(struct stage *s)
{
        close(s->dirfd);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", s->base);
        assert_int_equal(system(cmd), 0);
}

/* base holds only "archive" and "stage"; stage only regular files named in files[]. */
static void assert_contained(const struct stage *s, const struct listed *files)
{
        DIR *d = opendir(s->base);
        assert_non_null(d);
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.' && !streq(de->d_name, "archive"))
                        assert_string_equal(de->d_name, "stage");
        closedir(d);
        int fd = dup(s->dirfd);
        assert_true(fd >= 0);
        d = fdopendir(fd);
        assert_non_null(d);
        rewinddir(d);
        for (struct dirent *de; (de = readdir(d));) {
                if (streq(de->d_name, ".") || streq(de->d_name, ".."))
                        continue;
                struct stat st;
                assert_int_equal(fstatat(s->dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW), 0);
                assert_true(S_ISREG(st.st_mode));
                bool ok = false;
                for (size_t i = 0; i < 3 && files[i].path; i++)
                        ok = ok || streq(files[i].path, de->d_name);
                assert_true(ok);
        }
        closedir(d);
}

/* ---- writing archives ---------------------------------------------------------------------- */

static void set_format(struct archive *w, enum writer writer)
{
        int r = writer == W_USTAR    ? archive_write_set_format_ustar(w)
                : writer == W_GNUTAR ? archive_write_set_format_gnutar(w)
                : writer == W_ZIP    ? archive_write_set_format_zip(w)
                                     : archive_write_set_format_pax_restricted(w);
        assert_int_equal(r, ARCHIVE_OK);
}

static void add_filter(struct archive *w, enum pdi_format f, enum writer writer)
{
        int r = f == PDI_FORMAT_TAR_GZ    ? archive_write_add_filter_gzip(w)
                : f == PDI_FORMAT_TAR_XZ  ? archive_write_add_filter_xz(w)
                : f == PDI_FORMAT_TAR_ZST ? archive_write_add_filter_zstd(w)
                                          : archive_write_add_filter_none(w);
        assert_int_equal(r, ARCHIVE_OK);
        if (writer == W_GZIP_TWICE)
                assert_int_equal(archive_write_add_filter_gzip(w), ARCHIVE_OK);
}

static void write_entry(struct archive *w, const struct ent *e)
{
        struct archive_entry *ae = archive_entry_new();
        const char *data = content(e->data);
        archive_entry_set_pathname(ae, e->path);
        archive_entry_set_filetype(ae, e->type ? e->type : AE_IFREG);
        archive_entry_set_perm(ae, e->mode ? e->mode : 0644);
        archive_entry_set_uid(ae, 0);
        archive_entry_set_gid(ae, 0);
        archive_entry_set_mtime(ae, 1700000000, 0);
        bool has_data = !e->type && !e->hard;
        archive_entry_set_size(ae, !has_data     ? 0
                                   : e->hdr_size ? e->hdr_size
                                                 : (int64_t)strlen(data));
        if (e->type == AE_IFLNK)
                archive_entry_set_symlink(ae, e->link);
        if (e->hard)
                archive_entry_set_hardlink(ae, e->link);
        if (e->type == AE_IFCHR || e->type == AE_IFBLK)
                archive_entry_set_rdev(ae, makedev(1, 3));
        if (e->sparse_at)
                archive_entry_sparse_add_entry(ae, 0, e->sparse_at);
        assert_int_equal(archive_write_header(w, ae), ARCHIVE_OK);
        if (has_data)
                assert_int_equal(archive_write_data(w, data, strlen(data)),
                                 (la_ssize_t)strlen(data));
        archive_entry_free(ae);
}

/* A ustar header by hand, for names libarchive's writer normalises or refuses. */
static void octal(char *dst, int width, unsigned long v)
{
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%0*lo", width - 1, v);
        memcpy(dst, tmp, (size_t)width - 1);
}

static void write_raw_tar(int fd, const struct ent *ents)
{
        static const char pad[1024];
        for (const struct ent *e = ents; e->path; e++) {
                char h[512] = {0};
                size_t len = strlen(content(e->data)), padded = (512 - len % 512) % 512;
                memcpy(h, e->path, strnlen(e->path, 99));
                octal(h + 100, 8, e->mode ? e->mode : 0644);
                octal(h + 108, 8, 0);
                octal(h + 116, 8, 0);
                octal(h + 124, 12, len);
                octal(h + 136, 12, 0);
                h[156] = '0';
                memcpy(h + 257,
                       "ustar\0"
                       "00",
                       8);
                memset(h + 148, ' ', 8);
                unsigned long sum = 0;
                for (size_t i = 0; i < 512; i++)
                        sum += (unsigned char)h[i];
                octal(h + 148, 7, sum);
                assert_int_equal(write(fd, h, 512), 512);
                assert_int_equal(write(fd, content(e->data), len), (ssize_t)len);
                assert_int_equal(write(fd, pad, padded), (ssize_t)padded);
        }
        assert_int_equal(write(fd, pad, sizeof(pad)), (ssize_t)sizeof(pad));
}

static void write_archive(const char *path, const struct tcase *c)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        if (c->writer == W_RAW) {
                assert_int_equal(write(fd, c->ents[0].data, strlen(c->ents[0].data)),
                                 (ssize_t)strlen(c->ents[0].data));
        } else if (c->writer == W_RAW_TAR) {
                write_raw_tar(fd, c->ents);
        } else {
                struct archive *w = archive_write_new();
                set_format(w, c->writer);
                add_filter(w, c->written, c->writer);
                assert_int_equal(archive_write_open_fd(w, fd), ARCHIVE_OK);
                for (const struct ent *e = c->ents; e->path; e++)
                        write_entry(w, e);
                assert_int_equal(archive_write_close(w), ARCHIVE_OK);
                archive_write_free(w);
                if (c->writer == W_TRUNCATED)
                        assert_int_equal(ftruncate(fd, 2048), 0);
        }
        close(fd);
}

/* ---- running one case ---------------------------------------------------------------------- */

static void make_artifact(const struct tcase *c, struct pdi_manifest_artifact *a,
                          struct pdi_manifest_file *files)
{
        memset(a, 0, sizeof(*a));
        a->name = (char *)"workers.tar";
        a->format = c->declared ? c->declared : c->written ? c->written : PDI_FORMAT_TAR;
        a->files = files;
        for (size_t i = 0; i < 3 && c->files[i].path; i++) {
                const char *data = content(c->files[i].data);
                files[i].path = (char *)c->files[i].path;
                files[i].size = c->files[i].size ? c->files[i].size : strlen(data);
                assert_int_equal(pdi_sha256_buf(data, strlen(data), files[i].sha256), 0);
                a->n_files++;
        }
}

static int run_case(const struct tcase *c, struct stage *s, struct pdi_error *err)
{
        struct pdi_manifest_artifact a;
        struct pdi_manifest_file files[3];
        make_artifact(c, &a, files);
        write_archive(s->archive, c);
        int fd = open(s->archive, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        int r = pdi_extract(fd, &a, s->dirfd, err);
        close(fd);
        return r;
}

static void assert_file(int dirfd, const char *name, const char *data)
{
        char *buf = NULL;
        size_t len = 0;
        int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        assert_true(fd >= 0);
        struct stat st;
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_mode & 07777, 0600);
        assert_int_equal(st.st_uid, getuid());
        close(fd);
        assert_int_equal(pdi_read_file_at(dirfd, name, 1 << 20, &buf, &len), 0);
        assert_int_equal(len, strlen(data));
        assert_memory_equal(buf, data, len);
        free(buf);
}

/* ---- cases --------------------------------------------------------------------------------- */

#define W "polkadot-execute-worker"
#define REG(p, m, d)                                                                               \
        {                                                                                          \
                .path = (p), .mode = (m), .data = (d)                                              \
        }
#define BIG(p, m)                                                                                  \
        {                                                                                          \
                .path = (p), .mode = (m)                                                           \
        }
#define DIR(p, m)                                                                                  \
        {                                                                                          \
                .path = (p), .type = AE_IFDIR, .mode = (m)                                         \
        }
#define NODE(p, t)                                                                                 \
        {                                                                                          \
                .path = (p), .type = (t)                                                           \
        }
#define SYM(p, t)                                                                                  \
        {                                                                                          \
                .path = (p), .type = AE_IFLNK, .mode = 0777, .link = (t)                           \
        }
#define HARD(p, t)                                                                                 \
        {                                                                                          \
                .path = (p), .link = (t), .hard = true                                             \
        }
#define RAW(d)                                                                                     \
        {                                                                                          \
                .path = "", .data = (d)                                                            \
        }
#define L(p, d)                                                                                    \
        {                                                                                          \
                .path = (p), .data = (d)                                                           \
        }
#define LIST1                                                                                      \
        {                                                                                          \
                L(W, "hello")                                                                      \
        }
#define LIST2                                                                                      \
        {                                                                                          \
                L(W, "hello"), L("b", "bye")                                                       \
        }
#define E_AR (-PDI_E_ARCHIVE)
#define E_INT (-PDI_E_INTEGRITY)
#define SHA_HELLO "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
#define SHA_UPPER "3733cd977ff8eb18b987357e22ced99f46097f31ecb239e878ae63760e83e4d5"

/* clang-format off */
/* Hostile-looking archive metadata (mode 0777, owner 0/0, "./" prefixes) must not matter. */
static const struct tcase valid_cases[] = {
        {"valid tar (ustar)", W_USTAR, PDI_FORMAT_TAR, 0,
         {DIR("./", 0755), REG("./" W, 0777, "hello"), BIG("big", 0777)},
         {L(W, "hello"), L("big", NULL)}, 0, NULL},
        {"valid tar.gz (gnutar)", W_GNUTAR, PDI_FORMAT_TAR_GZ, 0,
         {DIR(".", 0755), REG(W, 0777, "hello"), BIG("./big", 0700)},
         {L(W, "hello"), L("big", NULL)}, 0, NULL},
        {"valid tar.xz (pax)", W_PAX, PDI_FORMAT_TAR_XZ, 0, {REG(W, 0777, "hello"), BIG("big", 0)},
         {L(W, "hello"), L("big", NULL)}, 0, NULL},
        {"valid tar.zst (pax)", W_PAX, PDI_FORMAT_TAR_ZST, 0,
         {BIG("big", 0777), REG("./" W, 0777, "hello")}, {L(W, "hello"), L("big", NULL)}, 0,
         NULL},
};

static const struct tcase hostile_cases[] = {
        {"absolute path", W_PAX, 0, 0, {REG("/tmp/evil", 0, "hello")}, LIST1, E_AR,
         "entry '/tmp/evil': absolute paths are not allowed"},
        {"dotdot", W_PAX, 0, 0, {REG("../evil", 0, "hello")}, LIST1, E_AR,
         "entry '../evil': '..' is not allowed"},
        {"dotdot deep", W_PAX, PDI_FORMAT_TAR_GZ, 0, {REG("a/../../evil", 0, "hello")}, LIST1,
         E_AR, "entry 'a/../../evil': '..' is not allowed"},
        {"nested", W_PAX, 0, 0, {REG("sub/" W, 0, "hello")}, LIST1, E_AR, "nested paths"},
        {"symlink", W_PAX, 0, 0, {SYM(W, "/etc/passwd")}, LIST1, E_AR,
         "entry '" W "': symlinks are not allowed"},
        {"symlink then file", W_PAX, 0, 0, {SYM(W, "../../evil"), REG(W, 0, "hello")}, LIST1,
         E_AR, "symlinks are not allowed"},
        {"hardlink", W_PAX, 0, 0, {REG(W, 0, "hello"), HARD("b", "/etc/shadow")}, LIST2, E_AR,
         "entry 'b': hardlinks are not allowed"},
        {"char device", W_PAX, 0, 0, {NODE(W, AE_IFCHR)}, LIST1, E_AR,
         "character devices are not allowed"},
        {"block device", W_USTAR, 0, 0, {NODE(W, AE_IFBLK)}, LIST1, E_AR,
         "block devices are not allowed"},
        {"fifo", W_GNUTAR, 0, 0, {NODE(W, AE_IFIFO)}, LIST1, E_AR, "FIFOs are not allowed"},
        {"directory", W_PAX, 0, 0, {DIR("sub", 0755)}, LIST1, E_AR,
         "entry 'sub/': directories are not allowed"},
        {"dot is a file", W_RAW_TAR, 0, 0, {REG(".", 0, "hello")}, LIST1, E_AR,
         "'.' is not a directory"},
        {"setuid", W_PAX, 0, 0, {REG(W, 04755, "hello")}, LIST1, E_AR,
         "setuid, setgid and sticky bits are not allowed"},
        {"setgid", W_PAX, PDI_FORMAT_TAR_XZ, 0, {REG(W, 02755, "hello")}, LIST1, E_AR,
         "setuid, setgid and sticky bits are not allowed"},
        {"sticky", W_PAX, 0, 0, {REG(W, 01644, "hello")}, LIST1, E_AR,
         "setuid, setgid and sticky bits are not allowed"},
        {"setgid on the dot dir", W_PAX, 0, 0, {DIR(".", 02755), REG(W, 0, "hello")}, LIST1,
         E_AR, "entry './': setuid"},
        {"duplicate", W_PAX, 0, 0, {REG(W, 0, "hello"), REG("./" W, 0, "hello")}, LIST2, E_AR,
         "entry './" W "': duplicate entry"},
        {"duplicate dot", W_PAX, 0, 0, {DIR(".", 0755), DIR("./", 0755)}, LIST2, E_AR,
         "entry './': duplicate entry"},
        {"unlisted", W_PAX, 0, 0, {REG(W, 0, "hello"), REG("c", 0, "bye")}, LIST2, E_AR,
         "entry 'c': not listed in the manifest"},
        {"missing", W_PAX, 0, 0, {REG(W, 0, "hello")}, LIST2, E_AR,
         "archive workers.tar: listed file 'b' missing from the archive"},
        {"wrong content", W_PAX, PDI_FORMAT_TAR_ZST, 0, {REG(W, 0, "HELLO")}, LIST1, E_INT,
         "entry '" W "': sha256 " SHA_UPPER ", signed " SHA_HELLO},
        {"bomb: header bigger than listed", W_PAX, PDI_FORMAT_TAR_ZST, 0,
         {{.path = W, .data = "hello", .hdr_size = 64 << 20}}, LIST1, E_AR,
         "entry '" W "': size 67108864 in the archive, signed 5"},
        {"header smaller than listed", W_PAX, 0, 0, {REG(W, 0, "hell")}, {L(W, "hello")}, E_AR,
         "size 4 in the archive, signed 5"},
        {"too many entries", W_PAX, 0, 0, {DIR(".", 0755), REG(W, 0, "hello"), REG("b", 0, "bye")},
         LIST1, E_AR, "entry 'b': more entries than the 1 listed files"},
        {"sparse", W_PAX, 0, 0, {{.path = W, .data = "hello", .sparse_at = 2}}, LIST1, E_AR,
         "sparse entries are not allowed"},
        {"gzip declared tar.zst", W_PAX, PDI_FORMAT_TAR_GZ, PDI_FORMAT_TAR_ZST,
         {REG(W, 0, "hello")}, LIST1, E_AR, "workers.tar: unreadable as tar.zst"},
        {"xz declared tar", W_PAX, PDI_FORMAT_TAR_XZ, PDI_FORMAT_TAR, {REG(W, 0, "hello")}, LIST1,
         E_AR, "unreadable as tar:"},
        {"gzip twice declared tar.gz", W_GZIP_TWICE, PDI_FORMAT_TAR_GZ, 0, {REG(W, 0, "hello")},
         LIST1, E_AR, "compression layers differ from tar.gz"},
        {"truncated", W_TRUNCATED, 0, 0, {BIG("big", 0)}, {L("big", NULL)}, E_AR,
         "entry 'big': Truncated tar archive"},
        {"garbage", W_RAW, 0, 0, {RAW("this is not an archive at all\n")}, LIST1, E_AR,
         "unreadable as tar"},
        {"empty file", W_RAW, 0, 0, {RAW("")}, LIST1, E_AR, "unreadable as tar"},
        {"zip", W_ZIP, 0, 0, {REG(W, 0, "hello")}, LIST1, E_AR, "unreadable as tar"},
        {"empty name", W_RAW_TAR, 0, 0, {REG("", 0, "hello")}, LIST1, E_AR,
         "entry '': empty name"},
        {"control characters shown escaped", W_PAX, 0, 0, {REG("a\033[2J\n", 0, "x")}, LIST1,
         E_AR, "entry 'a\\x1b[2J\\x0a': not listed"},
};
/* clang-format on */

static void test_valid(void **state)
{
        const struct tcase *c = *state;
        struct stage s;
        struct pdi_error err = {0};
        stage_new(&s);
        int r = run_case(c, &s, &err);
        if (r != 0)
                print_message("%s: %s\n", c->name, err.msg);
        assert_int_equal(r, 0);
        for (size_t i = 0; i < 3 && c->files[i].path; i++)
                assert_file(s.dirfd, c->files[i].path, content(c->files[i].data));
        assert_contained(&s, c->files);
        stage_done(&s);
}

static void test_hostile(void **state)
{
        const struct tcase *c = *state;
        struct stage s;
        struct pdi_error err = {0};
        bool evil_before = access("/tmp/evil", F_OK) == 0;
        stage_new(&s);
        int r = run_case(c, &s, &err);
        print_message("%s: %s\n", c->name, err.msg);
        assert_int_equal(r, c->code);
        assert_int_equal(err.code, c->code);
        assert_non_null(strstr(err.msg, c->msg));
        assert_contained(&s, c->files);
        assert_true(evil_before || access("/tmp/evil", F_OK) != 0);
        stage_done(&s);
}

static void test_bad_arguments(void **state)
{
        (void)state;
        struct pdi_manifest_artifact a = {.name = (char *)"x", .format = PDI_FORMAT_BINARY};
        struct pdi_error err = {0};
        assert_int_equal(pdi_extract(0, &a, 0, &err), -EINVAL);
        assert_int_equal(pdi_extract(-1, &a, 0, &err), -EINVAL);
}

/* ---- the Python fixture generator ----------------------------------------------------------- */

static void row_artifact(const char *name, const char *format, const char *files_json,
                         struct pdi_manifest_artifact *a, struct pdi_manifest_file *files)
{
        static const char *const formats[] = {"tar", "tar.gz", "tar.xz", "tar.zst"};
        memset(a, 0, sizeof(*a));
        a->name = (char *)name;
        a->format = _PDI_FORMAT_MAX;
        for (size_t i = 0; i < ELEMENTSOF(formats); i++)
                if (streq(format, formats[i]))
                        a->format = PDI_FORMAT_TAR + i;
        assert_int_not_equal(a->format, _PDI_FORMAT_MAX);
        json_t *arr = json_loads(files_json, 0, NULL);
        assert_true(json_is_array(arr) && json_array_size(arr) <= 8);
        size_t i;
        json_t *v;
        json_array_foreach(arr, i, v)
        {
                files[i].path = strdup(json_string_value(json_object_get(v, "path")));
                snprintf(files[i].sha256, 65, "%s",
                         json_string_value(json_object_get(v, "sha256")));
                files[i].size = json_integer_value(json_object_get(v, "size"));
                a->n_files++;
        }
        a->files = files;
        json_decref(arr);
}

static void check_row(const char *dir, char *line)
{
        char *cols[5], *save = NULL;
        for (size_t i = 0; i < 5; i++) /* an empty regex (the good rows) ends the line */
                cols[i] = strtok_r(i ? NULL : line, "\t\n", &save);
        assert_true(cols[0] && cols[1] && cols[2] && cols[3]);
        struct pdi_manifest_artifact a;
        struct pdi_manifest_file files[8] = {0};
        row_artifact(cols[0], cols[1], cols[2], &a, files);
        struct stage s;
        struct pdi_error err = {0};
        stage_new(&s);
        char path[512];
        snprintf(path, sizeof(path), "%s/%s", dir, cols[0]);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        int r = pdi_extract(fd, &a, s.dirfd, &err);
        close(fd);
        print_message("%s: %d %s\n", cols[0], r, err.msg);
        assert_int_equal(pdi_exit_code(r), (int)strtol(cols[3], NULL, 10));
        if (cols[4]) {
                regex_t re;
                assert_int_equal(regcomp(&re, cols[4], REG_EXTENDED | REG_NOSUB), 0);
                assert_int_equal(regexec(&re, err.msg, 0, NULL, 0), 0);
                regfree(&re);
        }
        stage_done(&s);
        for (size_t i = 0; i < a.n_files; i++)
                free(files[i].path);
}

static void test_python_fixtures(void **state)
{
        (void)state;
        const char *src = getenv("PDI_SOURCE_DIR") ?: PDI_SOURCE_DIR;
        if (system("python3 -c '' 2>/dev/null") != 0)
                skip();
        char dir[] = "/tmp/pdi-hostile.XXXXXX", cmd[1024];
        assert_non_null(mkdtemp(dir));
        snprintf(cmd, sizeof(cmd), "python3 '%s/tests/fixtures/hostile_archives.py' '%s'", src,
                 dir);
        assert_int_equal(system(cmd), 0);
        snprintf(cmd, sizeof(cmd), "%s/cases.tsv", dir);
        FILE *f = fopen(cmd, "re");
        assert_non_null(f);
        char line[8192];
        size_t rows = 0;
        assert_non_null(fgets(line, sizeof(line), f)); /* header */
        while (fgets(line, sizeof(line), f)) {
                check_row(dir, line);
                rows++;
        }
        fclose(f);
        assert_true(rows >= 16);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
}

int main(void)
{
        for (size_t i = 0; i < BIG_SIZE; i++)
                big[i] = (char)('a' + (i * 7 + i / 1000) % 26);
        static struct CMUnitTest tests[ELEMENTSOF(valid_cases) + ELEMENTSOF(hostile_cases) + 2];
        size_t n = 0;
        for (size_t i = 0; i < ELEMENTSOF(valid_cases); i++)
                tests[n++] = (struct CMUnitTest){valid_cases[i].name, test_valid, NULL, NULL,
                                                 (void *)&valid_cases[i]};
        for (size_t i = 0; i < ELEMENTSOF(hostile_cases); i++)
                tests[n++] = (struct CMUnitTest){hostile_cases[i].name, test_hostile, NULL, NULL,
                                                 (void *)&hostile_cases[i]};
        tests[n++] = (struct CMUnitTest){"bad arguments", test_bad_arguments, NULL, NULL, NULL};
        tests[n++] = (struct CMUnitTest){"python fixtures", test_python_fixtures, NULL, NULL, NULL};
        return _cmocka_run_group_tests("extract", tests, n, NULL, NULL);
}
