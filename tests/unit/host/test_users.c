/* SPDX-License-Identifier: Apache-2.0 */
#include "host/users.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <cmocka.h>

static char tmpl[64];
static struct pdi_root root;
static struct pdi_layout layout;
static struct pdi_report rep;
static struct pdi_state store;
static const struct pdi_distro debian = {
    "debian", "Debian", PDI_INIT_SYSTEMD, "/usr/sbin/nologin", {"sudo", "adm"}};

static void put(const char *path, const char *text, mode_t mode)
{
        assert_int_equal(pdi_root_write_atomic(&root, path, text, strlen(text), mode), 0);
}

/* noinline: gcc 12 -O2 wrongly sees a dangling pointer once this is inlined. */
__attribute__((noinline)) static char *get(const char *path)
{
        char *text = NULL;
        assert_int_equal(pdi_root_read_file(&root, path, 1 << 20, &text, NULL), 0);
        return text;
}

static int setup(void **state)
{
        (void)state;
        snprintf(tmpl, sizeof(tmpl), "/tmp/pdi-users.XXXXXX");
        assert_non_null(mkdtemp(tmpl));
        assert_int_equal(pdi_root_init(&root, tmpl), 0);
        assert_int_equal(pdi_root_mkdir_p(&root, "/etc", 0755), 0);
        put("/etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n"
            "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
            "alice:x:1000:1000:Alice:/home/alice:/bin/bash\n",
            0644);
        put("/etc/group", "root:x:0:\nadm:x:4:\nsudo:x:27:alice\nwheel:x:10:\nalice:x:1000:\n",
            0644);
        put("/etc/shadow",
            "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"
            "alice:$y$j9T$abc$def:19000:0:99999:7:::\n",
            0640);
        assert_int_equal(pdi_layout_init(&layout, NULL, NULL), 0);
        unsetenv("PDI_TEST_NO_SYSUSERS");
        unsetenv("PDI_TEST_NO_USERADD");
        unsetenv("PDI_TEST_TOOLS_IN_ROOT");
        struct pdi_error err = {0};
        assert_int_equal(pdi_state_load(&root, &store, &err), 0);
        return pdi_report_init(&rep);
}

static int teardown(void **state)
{
        (void)state;
        pdi_report_done(&rep);
        pdi_state_done(&store);
        pdi_layout_done(&layout);
        pdi_root_done(&root);
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
        return system(cmd);
}

/* Fields of name's line in a database of the root; asserts it exists. */
static void fields(const char *db, const char *name, char *buf, size_t n, char **f, size_t max)
{
        char *text = get(db);
        char pat[64];
        snprintf(pat, sizeof(pat), "\n%s:", name);
        const char *line = strstr(text, pat);
        if (!line)
                fail_msg("%s: no line for %s in:\n%s", db, name, text);
        line++;
        size_t len = strcspn(line, "\n");
        snprintf(buf, n, "%.*s", (int)len, line);
        size_t i = 0;
        for (char *s = buf; s && i < max; i++) {
                f[i] = s;
                s = strchr(s, ':');
                if (s)
                        *s++ = '\0';
        }
        for (; i < max; i++)
                f[i] = "";
        free(text);
}

static void assert_system_user(const char *name, const char *home)
{
        char b1[512], b2[512], b3[512], *pw[7], *sh[9], *gr[4];
        fields("/etc/passwd", name, b1, sizeof(b1), pw, 7);
        fields("/etc/shadow", name, b2, sizeof(b2), sh, 9);
        fields("/etc/group", name, b3, sizeof(b3), gr, 4);
        unsigned long uid = strtoul(pw[2], NULL, 10);
        if (uid < 100 || uid > 999)
                fail_msg("%s: uid %lu is not a system uid", name, uid);
        assert_string_equal(pw[3], gr[2]); /* primary group is its own */
        assert_string_equal(pw[5], home);
        assert_string_equal(pw[6], "/usr/sbin/nologin");
        assert_true(sh[1][0] == '!' || sh[1][0] == '*');
        struct pdi_user u;
        assert_int_equal(pdi_user_lookup(&root, name, &u), 0);
        assert_int_equal(u.uid, uid);
        assert_string_equal(u.home, home);
        assert_int_equal(u.n_groups, 1);
        assert_int_equal(u.groups[0], u.gid);
        pdi_user_done(&u);
}

static bool action_contains(const char *needle)
{
        size_t i;
        json_t *v;
        json_array_foreach(rep.actions, i, v) if (strstr(json_string_value(v), needle)) return true;
        return false;
}

static void creates_and_is_idempotent(const char *how)
{
        struct pdi_error err = {0};
        int k = pdi_users_ensure(&root, &layout, &debian, &store, &rep, &err);
        if (k != 0)
                fail_msg("ensure: %s", err.msg);
        assert_system_user("polkadot", "/var/lib/polkadot");
        assert_system_user("pvf-worker", "/");
        assert_true(action_contains("created system user polkadot"));
        assert_true(action_contains(how));
        char *snippet = get("/etc/sysusers.d/polkadot.conf");
        assert_non_null(strstr(snippet, "u polkadot -:polkadot \"Polkadot node\" "
                                        "/var/lib/polkadot /usr/sbin/nologin\n"));
        assert_non_null(strstr(snippet, "u pvf-worker -:pvf-worker"));
        free(snippet);
        char *before = get("/etc/passwd"), *sbefore = get("/etc/shadow");
        pdi_report_done(&rep);
        assert_int_equal(pdi_report_init(&rep), 0);
        assert_int_equal(pdi_users_ensure(&root, &layout, &debian, &store, &rep, &err), 0);
        assert_false(rep.changed);
        char *after = get("/etc/passwd"), *safter = get("/etc/shadow");
        assert_string_equal(before, after);
        assert_string_equal(sbefore, safter);
        free(before), free(after), free(sbefore), free(safter);
        struct stat st;
        assert_int_equal(fstatat(root.fd, "etc/shadow", &st, 0), 0);
        assert_int_equal(st.st_mode & 0777, 0640);
}

static bool have(const char *prog)
{
        char path[128];
        snprintf(path, sizeof(path), "/usr/bin/%s", prog);
        if (access(path, X_OK) == 0)
                return true;
        snprintf(path, sizeof(path), "/usr/sbin/%s", prog);
        return access(path, X_OK) == 0;
}

static void with_sysusers(void **state)
{
        (void)state;
        if (!have("systemd-sysusers")) {
                print_message("skipped: no systemd-sysusers here\n");
                skip();
        }
        setenv("PDI_TEST_TOOLS_IN_ROOT", "1", 1); /* this tree is ours, not an attacker's */
        creates_and_is_idempotent("with systemd-sysusers");
}

static void with_useradd(void **state)
{
        (void)state;
        if (!have("useradd")) {
                print_message("skipped: no useradd here\n");
                skip();
        }
        setenv("PDI_TEST_TOOLS_IN_ROOT", "1", 1);
        setenv("PDI_TEST_NO_SYSUSERS", "1", 1);
        creates_and_is_idempotent("with useradd");
}

/* No tool that can write into another root: the entries are written directly. */
static void written_directly(void **state)
{
        (void)state;
        setenv("PDI_TEST_TOOLS_IN_ROOT", "1", 1);
        setenv("PDI_TEST_NO_SYSUSERS", "1", 1);
        setenv("PDI_TEST_NO_USERADD", "1", 1);
        creates_and_is_idempotent("written directly");
}

/* A --root that is not the host never gets a tool, even where sysusers and useradd exist:
 * they resolve the tree's links themselves (tests/scenario/test_hostile_root.sh). */
static void other_root_written_directly(void **state)
{
        (void)state;
        creates_and_is_idempotent("written directly");
}

static const struct {
        const char *passwd, *shadow, *group, *reason;
} hostile[] = {
    {"polkadot:x:998:998::/home/polkadot:/bin/bash", "polkadot:!:19000::::::", NULL,
     "can log in (shell /bin/bash)"},
    {"polkadot:x:998:998::/var/lib/polkadot:", "polkadot:!:19000::::::", NULL,
     "can log in (shell /bin/sh)"},
    {"polkadot:x:998:998::/var/lib/polkadot:/usr/sbin/nologin",
     "polkadot:$6$salt$hash:19000::::::", NULL, "has a password"},
    {"polkadot:x:0:0::/var/lib/polkadot:/usr/sbin/nologin", "polkadot:!:19000::::::", NULL,
     "has uid 0"},
    {"polkadot:x:998:998::/var/lib/polkadot:/usr/sbin/nologin",
     "polkadot:*:19000::::::", "sudo:x:27:alice,polkadot", "in group sudo, which grants root"},
    {"polkadot:x:998:10::/var/lib/polkadot:/usr/sbin/nologin", "polkadot:*:19000::::::", NULL,
     "in group wheel, which grants root"},
    {"polkadot:x:998:0::/var/lib/polkadot:/usr/sbin/nologin", "polkadot:*:19000::::::", NULL,
     "in group root, which grants root"},
    {"polkadot:x:998:998::/var/lib/polkadot:/usr/sbin/nologin",
     "polkadot:*:19000::::::", "docker:x:130:polkadot", "in group docker, which grants root"},
    {"polkadot:x:998:6::/var/lib/polkadot:/usr/sbin/nologin",
     "polkadot:*:19000::::::", "disk:x:6:", "in group disk, which grants root"},
    {"polkadot:x:998:998::/var/lib/polkadot:/usr/sbin/nologin",
     "polkadot:*:19000::::::", "shadow:x:42:alice,polkadot", "in group shadow, which grants root"},
    {"polkadot:x:998:998::/var/lib/polkadot:/usr/sbin/nologin",
     "polkadot:*:19000::::::", "lxd:x:131:polkadot", "in group lxd, which grants root"},
    {"polkadot:x:998:998::/var/lib/polkadot:/usr/sbin/nologin",
     "polkadot:*:19000::::::", "toor:x:0:polkadot", "in group toor, which grants root"},
};

static void append(const char *path, const char *line)
{
        char *text = get(path), *joined = NULL;
        assert_true(asprintf(&joined, "%s%s\n", text, line) > 0);
        put(path, joined, 0644);
        free(text), free(joined);
}

static void hostile_users_refused(void **state)
{
        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                teardown(NULL);
                setup(NULL);
                append("/etc/passwd", hostile[i].passwd);
                append("/etc/shadow", hostile[i].shadow);
                if (hostile[i].group) {
                        char g[256];
                        snprintf(g, sizeof(g), "root:x:0:\nstaffer:x:50:polkadot\n%s\n",
                                 hostile[i].group);
                        put("/etc/group", g, 0644);
                }
                char *before = get("/etc/passwd");
                struct pdi_error err = {0};
                assert_int_equal(pdi_users_ensure(&root, &layout, &debian, &store, &rep, &err),
                                 -PDI_E_POLICY);
                assert_int_equal(pdi_exit_code(err.code), PDI_EXIT_REFUSED);
                if (!strstr(err.msg, "user polkadot exists") || !strstr(err.msg, hostile[i].reason))
                        fail_msg("case %zu: message '%s' lacks '%s'", i, err.msg,
                                 hostile[i].reason);
                char *after = get("/etc/passwd");
                assert_string_equal(before, after);
                free(before), free(after);
        }
}

static void proper_user_reused(void **state)
{
        (void)state;
        append("/etc/group", "polkadot:x:990:");
        append("/etc/passwd", "polkadot:x:990:990:Polkadot:/var/lib/polkadot:/usr/sbin/nologin");
        append("/etc/shadow", "polkadot:!:19000::::::");
        struct pdi_error err = {0};
        int k = pdi_users_ensure(&root, &layout, &debian, &store, &rep, &err);
        if (k != 0)
                fail_msg("ensure: %s", err.msg);
        struct pdi_user u;
        assert_int_equal(pdi_user_lookup(&root, "polkadot", &u), 0);
        assert_int_equal(u.uid, 990);
        pdi_user_done(&u);
        assert_false(action_contains("created system user polkadot"));
        assert_true(action_contains("created system user pvf-worker"));
}

static void base_path_created_and_repaired(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        struct pdi_settings s;
        struct pdi_user u;
        struct stat st;
        setenv("PDI_TEST_NO_SYSUSERS", "1", 1);
        setenv("PDI_TEST_NO_USERADD", "1", 1);
        assert_int_equal(pdi_users_ensure(&root, &layout, &debian, &store, &rep, &err), 0);
        assert_int_equal(pdi_user_lookup(&root, "polkadot", &u), 0);
        uid_t uid = u.uid;
        gid_t gid = u.gid;
        pdi_user_done(&u);
        pdi_settings_init(&s, &layout);
        assert_int_equal(pdi_dirs_ensure(&root, &layout, &s, &store, &rep, &err), 0);
        assert_int_equal(fstatat(root.fd, "var/lib/polkadot", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_uid, uid);
        assert_int_equal(st.st_gid, gid);
        assert_int_equal(st.st_mode & 07777, 0750);
        char *t = get("/etc/tmpfiles.d/polkadot.conf");
        assert_non_null(strstr(t, "\nd /var/lib/polkadot 0750 polkadot polkadot -\n"));
        free(t);
        /* unchanged on a second run */
        pdi_report_done(&rep);
        assert_int_equal(pdi_report_init(&rep), 0);
        assert_int_equal(pdi_dirs_ensure(&root, &layout, &s, &store, &rep, &err), 0);
        assert_false(rep.changed);
        /* a snapshot restored as root */
        assert_int_equal(fchownat(root.fd, "var/lib/polkadot", 0, 0, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(fchmodat(root.fd, "var/lib/polkadot", 0755, 0), 0);
        assert_int_equal(pdi_dirs_ensure(&root, &layout, &s, &store, &rep, &err), 0);
        assert_true(
            action_contains("repaired ownership of /var/lib/polkadot (was root:root 0755)"));
        assert_int_equal(fstatat(root.fd, "var/lib/polkadot", &st, AT_SYMLINK_NOFOLLOW), 0);
        assert_int_equal(st.st_uid, uid);
        assert_int_equal(st.st_mode & 07777, 0750);
        /* The operator's edit of the snippet is kept; ours goes beside it. */
        char *ours = get("/etc/tmpfiles.d/polkadot.conf"), *edited = NULL;
        assert_true(
            asprintf(&edited, "%sd /var/lib/polkadot/extra 0750 polkadot polkadot -\n", ours) > 0);
        put("/etc/tmpfiles.d/polkadot.conf", edited, 0644);
        assert_int_equal(pdi_dirs_ensure(&root, &layout, &s, &store, &rep, &err), 0);
        t = get("/etc/tmpfiles.d/polkadot.conf");
        assert_string_equal(t, edited);
        free(t);
        t = get("/etc/tmpfiles.d/polkadot.conf.new");
        assert_string_equal(t, ours);
        free(t);
        free(ours);
        free(edited);
        pdi_settings_done(&s);
}

static void dirs_need_the_user(void **state)
{
        (void)state;
        struct pdi_error err = {0};
        assert_true(pdi_dirs_ensure(&root, &layout, NULL, &store, &rep, &err) < 0);
        assert_non_null(strstr(err.msg, "user polkadot"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(with_sysusers, setup, teardown),
            cmocka_unit_test_setup_teardown(with_useradd, setup, teardown),
            cmocka_unit_test_setup_teardown(written_directly, setup, teardown),
            cmocka_unit_test_setup_teardown(other_root_written_directly, setup, teardown),
            cmocka_unit_test_setup_teardown(hostile_users_refused, setup, teardown),
            cmocka_unit_test_setup_teardown(proper_user_reused, setup, teardown),
            cmocka_unit_test_setup_teardown(base_path_created_and_repaired, setup, teardown),
            cmocka_unit_test_setup_teardown(dirs_need_the_user, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
