/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for target discovery in installer/checks/target.c (with unitfile.c and cmdline.c, the
 * unit reader and command-line splitter it uses): pdi_target_discover() on fresh roots of
 * every layout it knows (ours with /opt/polkadot/current, Parity's Debian package, a hand
 * install with a unit in /etc/systemd/system, the Docker layout), the unit's ExecStart read
 * through EnvironmentFile= and drop-ins, the node's worker search order, symlinked nodes
 * resolved inside the root (never outside it), users from the root's /etc/passwd, the
 * failure when there is no node; and the two helpers it exports: pdi_unit_load() (drop-in
 * order and overrides) and pdi_cmdline_split() (systemd's quoting and $VAR / ${VAR}, $$,
 * unbalanced quotes), and which assignment of a variable wins. */
#include "checks/checks_passwd.h"
#include "checks/cmdline.h"
#include "checks/paths.h"
#include "checks/unitfile.h"
#include "release/layout.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "testroot.h"

/* ---- fixtures ------------------------------------------------------------------------- */

/* A fresh root for every case (testroot.h's template, made again). */
static int setup(void **state)
{
        (void)state;
        memcpy(tmpl, "/tmp/pdi-unit.XXXXXX", sizeof(tmpl));
        return testroot_setup();
}

static int teardown(void **state)
{
        (void)state;
        return testroot_teardown();
}

static void mkdir_parent(const char *path)
{
        _cleanup_free_ char *parent = NULL;
        const char *base;
        assert_int_equal(pdi_path_split(path, &parent, &base), 0);
        assert_int_equal(pdi_root_mkdir_p(&root, parent, 0755), 0);
}

static void put(const char *path, const char *text, mode_t mode)
{
        mkdir_parent(path);
        assert_int_equal(pdi_root_write_atomic(&root, path, text, strlen(text), mode), 0);
}

/* path (in the root) becomes a symlink to target, written as given. */
static void link_to(const char *path, const char *target)
{
        _cleanup_free_ char *parent = NULL;
        const char *base;
        mkdir_parent(path);
        assert_int_equal(pdi_path_split(path, &parent, &base), 0);
        _cleanup_close_ int dfd = pdi_root_open(&root, parent, O_PATH | O_DIRECTORY, 0);
        assert_true(dfd >= 0);
        assert_int_equal(symlinkat(target, dfd, base), 0);
}

static void rm(const char *path)
{
        _cleanup_free_ char *parent = NULL;
        const char *base;
        assert_int_equal(pdi_path_split(path, &parent, &base), 0);
        _cleanup_close_ int dfd = pdi_root_open(&root, parent, O_PATH | O_DIRECTORY, 0);
        assert_true(dfd >= 0);
        assert_int_equal(unlinkat(dfd, base, 0), 0);
}

static void file_in(const char *dir, const char *name)
{
        _cleanup_free_ char *p = NULL;
        assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
        put(p, "#!/bin/sh\necho 1.0.0\n", 0755);
}

static void node_in(const char *dir)
{
        file_in(dir, "polkadot");
}

static void workers_in(const char *dir)
{
        file_in(dir, "polkadot-prepare-worker");
        file_in(dir, "polkadot-execute-worker");
}

static void passwd(void)
{
        put("/etc/passwd",
            "root:x:0:0:root:/root:/bin/sh\n"
            "polkadot:x:990:990::/home/polkadot:/usr/sbin/nologin\n"
            "pvf-worker:x:991:991::/nonexistent:/usr/sbin/nologin\n"
            "validator:x:1001:1001::/home/validator:/bin/sh\n",
            0644);
}

static void systemd_present(void)
{
        put("/usr/lib/systemd/systemd", "", 0755);
}

/* got equals want, or both are NULL. */
#define assert_str(got, want)                                                                      \
        do {                                                                                       \
                const char *g_ = (got), *w_ = (want);                                              \
                if (!w_) {                                                                         \
                        assert_null(g_);                                                           \
                } else {                                                                           \
                        assert_non_null(g_);                                                       \
                        assert_string_equal(g_, w_);                                               \
                }                                                                                  \
        } while (0)

static struct pdi_target discover(void)
{
        struct pdi_target t = {0};
        struct pdi_error err = {0};
        int k = pdi_target_discover(&root, &t, &err);
        if (k < 0)
                fail_msg("pdi_target_discover: %s (%s)", strerror(-k), err.msg);
        assert_ptr_equal(t.root, &root);
        return t;
}

/* ---- layouts --------------------------------------------------------------------------- */

/* Parity's package: /usr/bin, /usr/lib/polkadot, the unit in /lib with $POLKADOT_CLI_ARGS
 * from /etc/default/polkadot (a "$VAR" word: split into words). */
static const char deb_unit[] = "[Unit]\n"
                               "Description=Polkadot Node\n"
                               "\n"
                               "[Service]\n"
                               "EnvironmentFile=-/etc/default/polkadot\n"
                               "ExecStart=/usr/bin/polkadot $POLKADOT_CLI_ARGS\n"
                               "User=polkadot\n"
                               "Group=polkadot\n"
                               "Restart=always\n"
                               "\n"
                               "[Install]\n"
                               "WantedBy=multi-user.target\n";

static void debian_layout(void)
{
        passwd();
        systemd_present();
        node_in("/usr/bin");
        workers_in("/usr/lib/polkadot");
        put("/lib/systemd/system/polkadot.service", deb_unit, 0644);
        put("/var/lib/dpkg/status",
            "Package: polkadot\nStatus: install ok installed\nVersion: 1.0.0\n\n", 0644);
}

static void debian_package(void **state)
{
        (void)state;
        debian_layout();
        put("/etc/default/polkadot",
            "# options for the node\nPOLKADOT_CLI_ARGS=\"--validator --base-path /srv/deb "
            "--chain polkadot\"\n",
            0644);
        struct pdi_target t = discover();
        assert_str(t.kind, "debian-package");
        assert_str(t.node, "/usr/bin/polkadot");
        assert_str(t.worker_dir, "/usr/lib/polkadot");
        assert_str(t.other_worker_dir, NULL);
        assert_str(t.unit_path, "/lib/systemd/system/polkadot.service");
        assert_str(t.base_path, "/srv/deb");
        assert_str(t.service_user, "polkadot");
        assert_str(t.worker_user, "pvf-worker");
        assert_str(t.release_dir, NULL);
        assert_null(t.manifest);
        assert_true(t.dpkg_polkadot);
        pdi_target_done(&t);
        assert_null(t.node);
}

/* The package as installed: POLKADOT_CLI_ARGS="" gives no --base-path, so the node's default
 * under the home of User=polkadot. */
static void debian_package_default_base_path(void **state)
{
        (void)state;
        debian_layout();
        put("/etc/default/polkadot", "POLKADOT_CLI_ARGS=\"\"\n", 0644);
        struct pdi_target t = discover();
        assert_str(t.kind, "debian-package");
        assert_str(t.base_path, "/home/polkadot/.local/share/polkadot");
        pdi_target_done(&t);
}

/* Without dpkg's record the layout alone (/usr/bin/polkadot with /usr/lib/polkadot) still
 * says it is the package. */
static void debian_package_without_dpkg_status(void **state)
{
        (void)state;
        debian_layout();
        rm("/var/lib/dpkg/status");
        struct pdi_target t = discover();
        assert_str(t.kind, "debian-package");
        assert_str(t.node, "/usr/bin/polkadot");
        assert_str(t.worker_dir, "/usr/lib/polkadot");
        /* EnvironmentFile=- of a missing file: $POLKADOT_CLI_ARGS is no words at all. */
        assert_str(t.base_path, "/home/polkadot/.local/share/polkadot");
        assert_false(t.dpkg_polkadot);
        pdi_target_done(&t);
}

/* A hand install: /usr/local/bin, a unit in /etc/systemd/system continued over two lines,
 * --base-path ${BASE} from an EnvironmentFile whose value holds a space ("${VAR}" is one
 * word, whitespace and all). */
static void hand_install_env_file(void **state)
{
        (void)state;
        passwd();
        systemd_present();
        node_in("/usr/local/bin");
        workers_in("/usr/local/bin");
        put("/etc/polkadot/node.env",
            "# written by hand\n"
            "BASE=\"/srv/polkadot data\"\n"
            "CHAIN='kusama'\n",
            0644);
        put("/etc/systemd/system/polkadot.service",
            "[Service]\n"
            "User=validator\n"
            "EnvironmentFile=/etc/polkadot/node.env\n"
            "EnvironmentFile=-/etc/polkadot/missing.env\n"
            "ExecStart=/usr/local/bin/polkadot --validator --chain ${CHAIN} \\\n"
            "    --base-path ${BASE} --name \"my node\"\n"
            "Restart=always\n"
            "\n"
            "[Install]\n"
            "WantedBy=multi-user.target\n",
            0644);
        struct pdi_target t = discover();
        assert_str(t.kind, "manual");
        assert_str(t.node, "/usr/local/bin/polkadot");
        assert_str(t.worker_dir, "/usr/local/bin");
        assert_str(t.other_worker_dir, NULL);
        assert_str(t.unit_path, "/etc/systemd/system/polkadot.service");
        assert_str(t.base_path, "/srv/polkadot data");
        assert_str(t.service_user, "validator");
        assert_str(t.worker_user, "pvf-worker");
        pdi_target_done(&t);
}

/* A unit without User= runs as root: the node's default base path is root's. */
static void hand_install_root_default_base_path(void **state)
{
        (void)state;
        passwd();
        systemd_present();
        node_in("/usr/local/bin");
        workers_in("/usr/local/bin");
        put("/etc/systemd/system/polkadot.service",
            "[Service]\nExecStart=/usr/local/bin/polkadot --validator\n", 0644);
        struct pdi_target t = discover();
        assert_str(t.kind, "manual");
        assert_str(t.base_path, "/root/.local/share/polkadot");
        pdi_target_done(&t);
}

/* A unit in /etc/systemd/system hides the package's unit of the same name in /lib. */
static void etc_unit_wins_over_lib(void **state)
{
        (void)state;
        debian_layout();
        node_in("/opt/own");
        put("/etc/systemd/system/polkadot.service",
            "[Service]\nExecStart=/opt/own/polkadot -d /srv/own\n", 0644);
        struct pdi_target t = discover();
        assert_str(t.unit_path, "/etc/systemd/system/polkadot.service");
        assert_str(t.node, "/opt/own/polkadot");
        assert_str(t.base_path, "/srv/own");
        /* No set next to /opt/own/polkadot: the node falls back to /usr/lib/polkadot. */
        assert_str(t.worker_dir, "/usr/lib/polkadot");
        assert_str(t.other_worker_dir, NULL);
        pdi_target_done(&t);
}

/* `systemctl edit`: a drop-in resets ExecStart= and sets its own. Drop-ins apply sorted by
 * file name (10- before 50-), and /etc's 50-override.conf replaces /usr/lib's file of the
 * same name. The unit path stays the main unit's. */
static void dropin_overrides_exec_start(void **state)
{
        (void)state;
        passwd();
        systemd_present();
        node_in("/usr/bin");
        node_in("/opt/custom");
        workers_in("/opt/custom");
        put("/lib/systemd/system/polkadot.service",
            "[Service]\nUser=polkadot\nExecStart=/usr/bin/polkadot --base-path /srv/main\n", 0644);
        put("/usr/lib/systemd/system/polkadot.service.d/50-override.conf",
            "[Service]\nExecStart=\nExecStart=/usr/bin/polkadot --base-path /srv/usrlib\n", 0644);
        put("/etc/systemd/system/polkadot.service.d/50-override.conf",
            "[Service]\nExecStart=\nExecStart=-/opt/custom/polkadot --base-path /srv/custom\n",
            0644);
        put("/etc/systemd/system/polkadot.service.d/10-early.conf",
            "[Service]\nExecStart=\nExecStart=/usr/bin/polkadot --base-path /srv/early\n", 0644);
        put("/etc/systemd/system/polkadot.service.d/90-late.conf", "[Service]\nRestart=always\n",
            0644);
        put("/etc/systemd/system/polkadot.service.d/99-not-a-dropin.txt",
            "[Service]\nExecStart=\nExecStart=/usr/bin/polkadot --base-path /srv/txt\n", 0644);
        struct pdi_target t = discover();
        assert_str(t.unit_path, "/lib/systemd/system/polkadot.service");
        assert_str(t.node, "/opt/custom/polkadot");
        assert_str(t.base_path, "/srv/custom");
        assert_str(t.worker_dir, "/opt/custom");
        assert_str(t.kind, "manual");
        pdi_target_done(&t);
}

/* The Docker layout: everything in /usr/local/bin, no unit and no systemd; the image's user
 * is parity (home /polkadot). */
static void docker_layout(void **state)
{
        (void)state;
        put("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nparity:x:1000:1000::/polkadot:/bin/sh\n",
            0644);
        node_in("/usr/local/bin");
        workers_in("/usr/local/bin");
        struct pdi_target t = discover();
        assert_str(t.kind, "docker");
        assert_str(t.node, "/usr/local/bin/polkadot");
        assert_str(t.worker_dir, "/usr/local/bin");
        assert_str(t.other_worker_dir, NULL);
        assert_str(t.unit_path, NULL);
        assert_str(t.service_user, "parity");
        assert_str(t.worker_user, NULL);
        assert_str(t.base_path, "/polkadot/.local/share/polkadot");
        pdi_target_done(&t);
}

/* No unit but systemd is there: not Docker, a hand install found through PATH
 * (/usr/local/bin before /usr/bin). */
static void no_unit_with_systemd_is_manual(void **state)
{
        (void)state;
        passwd();
        put("/lib/systemd/systemd", "", 0755);
        node_in("/usr/local/bin");
        node_in("/usr/bin");
        workers_in("/usr/local/bin");
        struct pdi_target t = discover();
        assert_str(t.kind, "manual");
        assert_str(t.node, "/usr/local/bin/polkadot");
        assert_str(t.unit_path, NULL);
        /* Without a unit the base path is the service user's default. */
        assert_str(t.base_path, "/home/polkadot/.local/share/polkadot");
        pdi_target_done(&t);
}

/* Ours, set up from layout.c's paths: /opt/polkadot/current -> releases/1.0.0, the unit
 * rendered from templates/polkadot.service.in (ExecStart through `current`, $POLKADOT_ARGS
 * from /etc/polkadot-installer/polkadot.env) and a minimal state.json naming the rendered
 * unit's hash. No manifest and no record of the release: discovery still works and keeps
 * both reasons for the integrity check, which reports them. */
static void ours_layout(void **state)
{
        (void)state;
        static const char sha[] =
            "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        passwd();
        systemd_present();
        node_in("/opt/polkadot/releases/1.0.0");
        workers_in("/opt/polkadot/releases/1.0.0");
        link_to("/opt/polkadot/current", "releases/1.0.0");
        link_to("/usr/local/bin/polkadot", "/opt/polkadot/current/polkadot");
        put("/etc/polkadot-installer/polkadot.env",
            "POLKADOT_ARGS=\"--validator --chain polkadot\"\n", 0644);
        put("/etc/systemd/system/polkadot.service",
            "[Service]\n"
            "User=polkadot\n"
            "EnvironmentFile=/etc/polkadot-installer/polkadot.env\n"
            "ExecStart=/opt/polkadot/current/polkadot $POLKADOT_ARGS\n",
            0644);
        _cleanup_free_ char *st = NULL;
        assert_true(asprintf(&st,
                             "{\"schema\": 1, \"products\": {}, \"rendered\": "
                             "{\"/etc/systemd/system/polkadot.service\": \"%s\"}}\n",
                             sha) > 0);
        put("/var/lib/polkadot-installer/state.json", st, 0644);
        struct pdi_target t = discover();
        assert_str(t.kind, "polkadot-installer");
        assert_str(t.node, "/opt/polkadot/releases/1.0.0/polkadot");
        assert_str(t.worker_dir, "/opt/polkadot/releases/1.0.0");
        assert_str(t.other_worker_dir, NULL);
        assert_str(t.release_dir, "/opt/polkadot/releases/1.0.0");
        assert_str(t.unit_path, "/etc/systemd/system/polkadot.service");
        assert_str(t.unit_expected_sha256, sha);
        assert_str(t.base_path, "/var/lib/polkadot");
        assert_str(t.service_user, "polkadot");
        assert_null(t.manifest);
        assert_str(t.manifest_error, "cannot read: No such file or directory");
        assert_str(t.recorded_sha256, NULL);
        assert_str(t.record_error,
                   "/var/lib/polkadot-installer/state.json has no record of release 1.0.0");
        assert_false(t.record_unreadable);
        pdi_target_done(&t);
}

/* ---- the node's worker search order ----------------------------------------------------- */
/* Followed: /work/shared/POLKADOT.md ("Where the node looks for its workers", from upstream's
 * polkadot/node/service/src/workers.rs) and target.c's workers_find(), which agree:
 * --workers-path alone if given; else the directory of the resolved executable, then
 * /usr/lib/polkadot; both holding a set → the executable's directory is used and the node
 * warns "multiple sets of worker binaries found". No /usr/libexec/polkadot in that order. */

/* --workers-path (both spellings) wins over every other set. */
static void workers_path_argument(void **state)
{
        (void)state;
        passwd();
        systemd_present();
        node_in("/usr/local/bin");
        workers_in("/usr/local/bin");
        workers_in("/usr/lib/polkadot");
        workers_in("/srv/w");
        put("/etc/systemd/system/polkadot.service",
            "[Service]\nExecStart=/usr/local/bin/polkadot --workers-path /srv/w "
            "--base-path=/srv/b\n",
            0644);
        struct pdi_target t = discover();
        assert_str(t.worker_dir, "/srv/w");
        assert_str(t.other_worker_dir, NULL);
        assert_str(t.base_path, "/srv/b");
        pdi_target_done(&t);

        put("/etc/systemd/system/polkadot.service",
            "[Service]\nExecStart=/usr/local/bin/polkadot --workers-path=/srv/w\n", 0644);
        t = discover();
        assert_str(t.worker_dir, "/srv/w");
        assert_str(t.other_worker_dir, NULL);
        pdi_target_done(&t);
}

/* A set next to the node and one in /usr/lib/polkadot: the node's own, and the other named. */
static void workers_both_sets(void **state)
{
        (void)state;
        node_in("/usr/local/bin");
        workers_in("/usr/local/bin");
        workers_in("/usr/lib/polkadot");
        struct pdi_target t = discover();
        assert_str(t.worker_dir, "/usr/local/bin");
        assert_str(t.other_worker_dir, "/usr/lib/polkadot");
        pdi_target_done(&t);
}

/* Half a set next to the node is no set: /usr/lib/polkadot is used. */
static void workers_half_set_falls_back(void **state)
{
        (void)state;
        node_in("/usr/local/bin");
        file_in("/usr/local/bin", "polkadot-prepare-worker");
        workers_in("/usr/lib/polkadot");
        struct pdi_target t = discover();
        assert_str(t.worker_dir, "/usr/lib/polkadot");
        assert_str(t.other_worker_dir, NULL);
        pdi_target_done(&t);
}

/* No set anywhere: the node is still found, worker_dir is NULL. */
static void workers_none(void **state)
{
        (void)state;
        node_in("/usr/local/bin");
        file_in("/usr/lib/polkadot", "polkadot-execute-worker");
        struct pdi_target t = discover();
        assert_str(t.node, "/usr/local/bin/polkadot");
        assert_str(t.worker_dir, NULL);
        assert_str(t.other_worker_dir, NULL);
        pdi_target_done(&t);
}

/* ---- symlinks ------------------------------------------------------------------------------ */

/* /usr/local/bin/polkadot -> /opt/x/polkadot: the node is the resolved path and its workers
 * are looked up there (current_exe()), not next to the link. */
static void symlinked_node(void **state)
{
        (void)state;
        node_in("/opt/x");
        workers_in("/opt/x");
        workers_in("/usr/local/bin"); /* next to the link: not where the node looks */
        link_to("/usr/local/bin/polkadot", "/opt/x/polkadot");
        struct pdi_target t = discover();
        assert_str(t.node, "/opt/x/polkadot");
        assert_str(t.worker_dir, "/opt/x");
        assert_str(t.other_worker_dir, NULL);
        pdi_target_done(&t);
}

/* ".." in a link stops at the root, as with RESOLVE_IN_ROOT. */
static void symlink_dotdot_stays_in_root(void **state)
{
        (void)state;
        node_in("/opt/y");
        link_to("/usr/local/bin/polkadot", "../../../../../../../../../../opt/y/polkadot");
        struct pdi_target t = discover();
        assert_str(t.node, "/opt/y/polkadot");
        pdi_target_done(&t);
}

/* An absolute link to a node on the host, outside the root: it is resolved inside the root,
 * where nothing is there, and the host's node and workers are never reached. */
static void symlink_absolute_stays_in_root(void **state)
{
        (void)state;
        char host[] = "/tmp/pdi-unit-host.XXXXXX";
        assert_non_null(mkdtemp(host));
        struct pdi_root h;
        assert_int_equal(pdi_root_init(&h, host), 0);
        const char *names[] = {"polkadot", "polkadot-prepare-worker", "polkadot-execute-worker"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_free_ char *p = NULL;
                assert_true(asprintf(&p, "/%s", names[i]) > 0);
                assert_int_equal(pdi_root_write_atomic(&h, p, "#!/bin/sh\n", 10, 0755), 0);
        }
        pdi_root_done(&h);
        _cleanup_free_ char *target = NULL, *msg = NULL;
        assert_true(asprintf(&target, "%s/polkadot", host) > 0);
        link_to("/usr/local/bin/polkadot", target);

        struct pdi_target t = {0};
        struct pdi_error err = {0};
        assert_int_equal(pdi_target_discover(&root, &t, &err), -ENOENT);
        assert_null(t.node);

        /* The same path inside the root, without workers: that is the node, and the host's
         * workers beside the host's file are not taken for its own. */
        node_in(host);
        t = discover();
        assert_str(t.node, target);
        assert_str(t.worker_dir, NULL);
        pdi_target_done(&t);

        assert_true(asprintf(&msg, "rm -rf '%s'", host) > 0);
        assert_int_equal(system(msg), 0);
}

/* ---- no node ----------------------------------------------------------------------------------
 */

static void no_node(void **state)
{
        (void)state;
        passwd();
        struct pdi_target t = {0};
        struct pdi_error err = {0};
        assert_int_equal(pdi_target_discover(&root, &t, &err), -ENOENT);
        assert_int_equal(err.code, -ENOENT);
        _cleanup_free_ char *want = NULL;
        assert_true(asprintf(&want,
                             "no polkadot node found under %s (no unit runs one, none in "
                             "/usr/local/sbin, /usr/local/bin, /usr/sbin, /usr/bin, /sbin, /bin)",
                             tmpl) > 0);
        assert_string_equal(err.msg, want);
        assert_null(t.node);
        assert_null(t.kind);
}

/* Without a unit the node is looked up as systemd looks up a bare ExecStart= name (and a
 * root shell's PATH): sbin directories too, each before its bin. */
static void node_in_sbin(void **state)
{
        (void)state;
        passwd();
        node_in("/usr/sbin");
        node_in("/usr/bin");
        struct pdi_target t = discover();
        assert_str(t.node, "/usr/sbin/polkadot");
        pdi_target_done(&t);
}

/* The unit names a node that is not there: an error naming the unit and the path, not a
 * quiet fall back to PATH (that is not what systemd would run). */
static void unit_node_missing(void **state)
{
        (void)state;
        node_in("/usr/bin");
        put("/etc/systemd/system/polkadot.service",
            "[Service]\nExecStart=/opt/gone/polkadot --validator\n", 0644);
        struct pdi_target t = {0};
        struct pdi_error err = {0};
        assert_int_equal(pdi_target_discover(&root, &t, &err), -ENOENT);
        assert_non_null(
            strstr(err.msg, "/etc/systemd/system/polkadot.service runs /opt/gone/polkadot"));
        assert_null(t.node);
}

/* ---- users --------------------------------------------------------------------------------------
 */

/* No /etc/passwd in the root (the host's users are not the root's): no users, and no default
 * base path to derive from a home directory. */
static void users_absent(void **state)
{
        (void)state;
        systemd_present();
        node_in("/usr/local/bin");
        put("/etc/systemd/system/polkadot.service",
            "[Service]\nUser=polkadot\nExecStart=/usr/local/bin/polkadot\n", 0644);
        struct pdi_target t = discover();
        assert_str(t.service_user, NULL);
        assert_str(t.worker_user, NULL);
        assert_str(t.base_path, NULL);
        pdi_target_done(&t);
}

/* Users from the root's passwd: User= of the unit when it exists there, else polkadot. */
static void users_present(void **state)
{
        (void)state;
        passwd();
        systemd_present();
        node_in("/usr/local/bin");
        put("/etc/systemd/system/polkadot.service",
            "[Service]\nUser=nobody-here\nExecStart=/usr/local/bin/polkadot\n", 0644);
        struct pdi_target t = discover();
        assert_str(t.service_user, "polkadot");
        assert_str(t.worker_user, "pvf-worker");
        pdi_target_done(&t);
}

/* Ids as the kernel takes them: no sign, nothing above 2^32 - 2 ((uid_t)-1 is "unchanged"
 * to setresuid, larger numbers would wrap): such a user's line is damaged (-EBADMSG); a group
 * line with a bad gid is passed over. */
static void user_ids_in_range(void **state)
{
        (void)state;
        put("/etc/passwd",
            "minus:x:-1:5::/:/bin/sh\n"
            "max:x:4294967295:5::/:/bin/sh\n"
            "wrap:x:4294967301:5::/:/bin/sh\n"
            "gid:x:7:+7::/:/bin/sh\n"
            "top:x:4294967294:4294967294::/:/bin/sh\n",
            0644);
        put("/etc/group", "bad:x:-3:top\ngood:x:12:top\n", 0644);
        struct pdi_user u;
        static const char *const bad[] = {"minus", "max", "wrap", "gid"};
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(pdi_user_lookup(&root, bad[i], &u), -EBADMSG);
        assert_int_equal(pdi_user_lookup(&root, "top", &u), 0);
        assert_int_equal(u.uid, 4294967294u);
        assert_int_equal(u.n_groups, 2);
        assert_int_equal(u.groups[0], 4294967294u);
        assert_int_equal(u.groups[1], 12);
        pdi_user_done(&u);
}

/* ---- pdi_unit_load
 * -------------------------------------------------------------------------------- */

static void unit_load_dropins(void **state)
{
        (void)state;
        put("/lib/systemd/system/polkadot.service",
            "# comment\n"
            "[Unit]\n"
            "Description=main\n"
            "[Service]\n"
            "ExecStart=/usr/bin/polkadot \\\n"
            "  --chain polkadot\n"
            "; another comment\n"
            "User = polkadot\n",
            0644);
        put("/lib/systemd/system/polkadot.service.d/10-a.conf", "[Service]\nNice=5\n", 0644);
        put("/usr/lib/systemd/system/polkadot.service.d/20-b.conf",
            "[Service]\nUser=from-usr-lib\n", 0644);
        put("/etc/systemd/system/polkadot.service.d/20-b.conf", "[Service]\nUser=from-etc\n", 0644);
        put("/etc/systemd/system/polkadot.service.d/30-c.conf", "[Service]\nNice=\n", 0644);
        put("/etc/systemd/system/polkadot.service.d/40-d.txt", "[Service]\nUser=txt\n", 0644);

        struct pdi_unit u = {0};
        assert_int_equal(pdi_unit_load(&root, "/lib/systemd/system/polkadot.service", &u), 0);
        static const struct {
                const char *section, *key, *value, *file;
        } want[] = {
            {"Unit", "Description", "main", "/lib/systemd/system/polkadot.service"},
            {"Service", "ExecStart", NULL, "/lib/systemd/system/polkadot.service"},
            {"Service", "User", "polkadot", "/lib/systemd/system/polkadot.service"},
            {"Service", "Nice", "5", "/lib/systemd/system/polkadot.service.d/10-a.conf"},
            {"Service", "User", "from-etc", "/etc/systemd/system/polkadot.service.d/20-b.conf"},
            {"Service", "Nice", "", "/etc/systemd/system/polkadot.service.d/30-c.conf"},
        };
        assert_int_equal(u.n, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                assert_string_equal(u.kv[i].section, want[i].section);
                assert_string_equal(u.kv[i].key, want[i].key);
                if (want[i].value)
                        assert_string_equal(u.kv[i].value, want[i].value);
                assert_string_equal(u.kv[i].file, want[i].file);
        }
        /* The continued line is one assignment, the backslash gone. */
        char **argv = NULL;
        size_t n = 0;
        assert_int_equal(pdi_cmdline_split(u.kv[1].value, NULL, &argv, &n), 0);
        assert_int_equal(n, 3);
        assert_string_equal(argv[0], "/usr/bin/polkadot");
        assert_string_equal(argv[1], "--chain");
        assert_string_equal(argv[2], "polkadot");
        pdi_argv_free(argv);

        assert_str(pdi_unit_get(&u, "Service", "User"), "from-etc");
        assert_str(pdi_unit_get(&u, "Service", "Nice"), NULL); /* reset by the empty one */
        assert_str(pdi_unit_get(&u, "Unit", "Description"), "main");
        assert_str(pdi_unit_get(&u, "Service", "Description"), NULL);
        pdi_unit_done(&u);
        assert_null(u.kv);
        assert_int_equal(u.n, 0);

        assert_int_equal(pdi_unit_load(&root, "/etc/systemd/system/nope.service", &u), -ENOENT);
}

/* ---- pdi_cmdline_split ------------------------------------------------------------------------
 */

/* Splits s with env and compares with the NULL-terminated want. */
static void split_is(const char *s, char *const *env, const char *const *want)
{
        char **argv = NULL;
        size_t n = 0, nw = 0;
        int k = pdi_cmdline_split(s, env, &argv, &n);
        if (k < 0)
                fail_msg("pdi_cmdline_split(%s): %s", s, strerror(-k));
        while (want[nw])
                nw++;
        for (size_t i = 0; i < n || i < nw; i++)
                if (i >= n || i >= nw || !streq(argv[i], want[i]))
                        fail_msg("%s: word %zu is [%s], want [%s]", s, i, i < n ? argv[i] : "-",
                                 i < nw ? want[i] : "-");
        assert_null(argv[n]);
        pdi_argv_free(argv);
}

#define SPLIT(s, env, ...) split_is((s), (env), (const char *const[]){__VA_ARGS__, NULL})

static void cmdline_quoting(void **state)
{
        (void)state;
        SPLIT("/bin/x a \"b c\" 'd e'", NULL, "/bin/x", "a", "b c", "d e");
        SPLIT("  a\t\tb  ", NULL, "a", "b");
        /* Quotes inside a word: removed, the word stays one. */
        SPLIT("--name=\"my node\" --x='1 2'y", NULL, "--name=my node", "--x=1 2y");
        /* Backslash escapes: a space, a quote inside double quotes, a backslash. */
        SPLIT("a\\ b \"x\\\"y\" c\\\\d", NULL, "a b", "x\"y", "c\\d");
        /* The other quote is a plain character inside quotes. */
        SPLIT("\"it's\" 'say \"hi\"'", NULL, "it's", "say \"hi\"");
        SPLIT("\"\" x", NULL, "", "x");

        char **argv = NULL;
        size_t n = 1;
        assert_int_equal(pdi_cmdline_split(" \t ", NULL, &argv, &n), 0);
        assert_int_equal(n, 0);
        assert_non_null(argv);
        assert_null(argv[0]);
        pdi_argv_free(argv);
}

static void cmdline_variables(void **state)
{
        (void)state;
        char *env[] = {(char *)"ARGS_MORE=wrong", (char *)"ARGS=--validator  --base-path /b",
                       (char *)"DIR=/srv/my dir", (char *)"EMPTY=", NULL};
        /* $VAR as a word: split at whitespace; ${VAR}: one word, spaces kept, also inside a
         * word. The name must match whole (ARGS is not ARGS_MORE). */
        SPLIT("/n $ARGS ${DIR} --x=${DIR}/db", env, "/n", "--validator", "--base-path", "/b",
              "/srv/my dir", "--x=/srv/my dir/db");
        SPLIT("a ${ARGS} b", env, "a", "--validator  --base-path /b", "b");
        /* Unknown or empty: $VAR is no word at all, ${VAR} an empty word or nothing in one. */
        SPLIT("a $NOPE b $EMPTY c", env, "a", "b", "c");
        SPLIT("a ${NOPE} b", env, "a", "", "b");
        SPLIT("--x=${NOPE}/y", env, "--x=/y");
        /* No environment at all. */
        SPLIT("a $ARGS ${ARGS} z", NULL, "a", "", "z");
        /* An unterminated ${ is left as written. */
        SPLIT("a ${ARGS", env, "a", "${ARGS");
}

/* A word longer than the splitter's buffer is refused, not cut. */
static void cmdline_too_long(void **state)
{
        (void)state;
        char *s = malloc(5001);
        assert_non_null(s);
        memset(s, 'a', 5000);
        s[5000] = '\0';
        char **argv = NULL;
        size_t n = 0;
        assert_int_equal(pdi_cmdline_split(s, NULL, &argv, &n), -E2BIG);
        free(s);
}

/* ---- where target.c once disagreed with systemd ------------------------------------------ */

/* An unbalanced quote is refused, as systemd refuses such a command line ("Unbalanced
 * quoting"): the unit does not start at all, so discovery must not guess. */
static void cmdline_unbalanced_quote(void **state)
{
        (void)state;
        char **argv = NULL;
        size_t n = 0;
        int k = pdi_cmdline_split("a \"b c", NULL, &argv, &n);
        if (k == 0)
                pdi_argv_free(argv);
        assert_true(k < 0);
        k = pdi_cmdline_split("a 'b", NULL, &argv, &n);
        if (k == 0)
                pdi_argv_free(argv);
        assert_true(k < 0);
}

/* "$$" is systemd's literal dollar (systemd.service(5): "To pass a literal dollar sign, use
 * $$"): "$$HOME" is not the variable $HOME, and "--x=$$y" is "--x=$y". */
static void cmdline_literal_dollar(void **state)
{
        (void)state;
        char *env[] = {(char *)"HOME=/root", NULL};
        SPLIT("a $$HOME --x=$$y", env, "a", "$HOME", "--x=$y");
}

/* systemd.service(5) on "$FOO": "For this type of expansion, quotes are respected when
 * splitting into words, and afterwards removed": a quoted value in POLKADOT_CLI_ARGS stays
 * one word, not ["--base-path", "\"/srv/my", "base\""]. */
static void cmdline_split_var_respects_quotes(void **state)
{
        (void)state;
        char *env[] = {(char *)"ARGS=--base-path \"/srv/my base\" --name 'a b'", NULL};
        SPLIT("/n $ARGS", env, "/n", "--base-path", "/srv/my base", "--name", "a b");
}

/* The last assignment of a variable wins, as in systemd (a drop-in's Environment= overrides
 * the unit's, and EnvironmentFile= overrides Environment=): the drop-in from `systemctl
 * edit` moves the base path. */
static void env_last_assignment_wins(void **state)
{
        (void)state;
        passwd();
        systemd_present();
        node_in("/usr/local/bin");
        put("/etc/systemd/system/polkadot.service",
            "[Service]\nEnvironment=\"ARGS=--base-path /srv/old\"\n"
            "ExecStart=/usr/local/bin/polkadot $ARGS\n",
            0644);
        put("/etc/systemd/system/polkadot.service.d/override.conf",
            "[Service]\nEnvironment=\"ARGS=--base-path /srv/new\"\n", 0644);
        struct pdi_target t = discover();
        assert_str(t.base_path, "/srv/new");
        pdi_target_done(&t);
}

/* EnvironmentFile= overrides Environment= wherever it appears; an empty Environment= drops
 * what came before it; Environment= values are taken as written, not expanded. */
static void env_file_overrides_environment(void **state)
{
        (void)state;
        passwd();
        systemd_present();
        node_in("/usr/local/bin");
        put("/etc/polkadot.env", "BASE=/srv/file\n", 0644);
        put("/etc/systemd/system/polkadot.service",
            "[Service]\nEnvironmentFile=/etc/polkadot.env\nEnvironment=BASE=/srv/unit\n"
            "Environment=NAME=gone\nEnvironment=\nEnvironment=NAME=${BASE}x\n"
            "ExecStart=/usr/local/bin/polkadot --base-path ${BASE} --name ${NAME}\n",
            0644);
        struct pdi_target t = discover();
        assert_str(t.base_path, "/srv/file");
        pdi_target_done(&t);
        char *env[] = {(char *)"NAME=a", (char *)"NAME=${BASE}x", NULL};
        SPLIT("--name ${NAME}", env, "--name", "${BASE}x");
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        const struct CMUnitTest tests[] = {
            T(debian_package),
            T(debian_package_default_base_path),
            T(debian_package_without_dpkg_status),
            T(hand_install_env_file),
            T(hand_install_root_default_base_path),
            T(etc_unit_wins_over_lib),
            T(dropin_overrides_exec_start),
            T(docker_layout),
            T(no_unit_with_systemd_is_manual),
            T(ours_layout),
            T(workers_path_argument),
            T(workers_both_sets),
            T(workers_half_set_falls_back),
            T(workers_none),
            T(symlinked_node),
            T(symlink_dotdot_stays_in_root),
            T(symlink_absolute_stays_in_root),
            T(no_node),
            T(node_in_sbin),
            T(unit_node_missing),
            T(users_absent),
            T(users_present),
            T(user_ids_in_range),
            T(unit_load_dropins),
            cmocka_unit_test(cmdline_quoting),
            cmocka_unit_test(cmdline_variables),
            cmocka_unit_test(cmdline_too_long),
            cmocka_unit_test(cmdline_unbalanced_quote),
            cmocka_unit_test(cmdline_literal_dollar),
            cmocka_unit_test(cmdline_split_var_respects_quotes),
            T(env_last_assignment_wins),
            T(env_file_overrides_environment),
        };
#undef T
        return cmocka_run_group_tests(tests, NULL, NULL);
}
