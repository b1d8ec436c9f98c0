/* SPDX-License-Identifier: Apache-2.0 */
/* Live test of installer/systemd.c, run inside a booted container (never on the host):
 *   systemd-probe good NODE   a unit running the fake node: reload, enable, restart, wait,
 *                             status, journal, restart again, stop, disable; offline links
 *   systemd-probe bad NODE    a unit whose node fails at start: wait_active must fail, the
 *                             journal tail must hold the node's error
 * Before each journal tail: journald answers our Synchronize call.
 * Prints one "ok:" line per check; exits 1 at the first failed one. */
#include "base/error.h"
#include "base/fsroot.h"
#include "host/journal.h"
#include "release/layout.h"
#include "base/report.h"
#include "host/systemd.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/stat.h>

#define INSTANCE "pdi-probe"
#define UNIT INSTANCE ".service"
#define UNIT_PATH "/etc/systemd/system/" UNIT
#define WANTS "/etc/systemd/system/multi-user.target.wants/" UNIT
#define REPORT "/run/pdi-probe.report"

static _printf_(2, 3) void check(bool ok, const char *fmt, ...)
{
        va_list ap;
        va_start(ap, fmt);
        fputs(ok ? "ok: " : "FAIL: ", ok ? stdout : stderr);
        vfprintf(ok ? stdout : stderr, fmt, ap);
        fputc('\n', ok ? stdout : stderr);
        va_end(ap);
        if (!ok)
                exit(1);
}

static void check_call(int k, const struct pdi_error *err, const char *what)
{
        check(k >= 0, "%s%s%s", what, k < 0 ? ": " : "", k < 0 ? err->msg : "");
}

static void write_unit(const char *node, const char *extra)
{
        FILE *f = fopen(UNIT_PATH, "we");
        check(f != NULL, "open %s", UNIT_PATH);
        fprintf(f,
                "[Unit]\nDescription=pdi probe (fake node)\n\n"
                "[Service]\nExecStart=%s --chain dev --validator "
                "--unsafe-force-node-key-generation --report " REPORT "\n%s\n"
                "[Install]\nWantedBy=multi-user.target\n",
                node, extra);
        check(fclose(f) == 0, "wrote %s", UNIT_PATH);
}

static bool is_link(const char *path)
{
        struct stat st;
        return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

static pid_t report_pid(void)
{
        FILE *f = fopen(REPORT, "re");
        char line[512];
        long pid = 0;
        while (f && fgets(line, sizeof(line), f))
                if (!strncmp(line, "pid=", 4))
                        pid = strtol(line + 4, NULL, 10);
        if (f)
                fclose(f);
        return (pid_t)pid;
}

static void status(struct pdi_unit_status *st)
{
        struct pdi_error err = {0};
        check_call(pdi_systemd_status(UNIT, st, &err), &err, "status");
        printf("   %s (%s) pid %d restarts %u enter %llu result %s\n", st->active_state,
               st->sub_state, (int)st->main_pid, st->n_restarts,
               (unsigned long long)st->active_enter_usec, st->result);
}

static void journal_has(const char *needle)
{
        _cleanup_free_ char *text = NULL;
        /* The real journald takes our Synchronize call (else the tail could lag, see
         * installer/journal.h). */
        int k = pdi_journal_sync(PDI_JOURNAL_VARLINK, 5000);
        check(k == 0, "journald synchronized: %s", k < 0 ? strerror(-k) : "yes");
        k = pdi_journal_tail(UNIT, 20, &text);
        check(k >= 0, "journal tail: %s", k < 0 ? strerror(-k) : "read");
        printf("--- journal tail\n%s\n---\n", text);
        check(strstr(text, needle) != NULL, "journal tail has \"%s\"", needle);
}

static void offline_links(void)
{
        struct pdi_root r;
        struct pdi_layout l;
        struct pdi_report rep;
        struct pdi_error err = {0};
        check(pdi_root_init(&r, "/") >= 0 && pdi_layout_init(&l, INSTANCE, NULL) >= 0 &&
                  pdi_report_init(&rep) >= 0,
              "root and layout");
        check_call(pdi_systemd_enable_offline(&r, &l, &rep, &err), &err, "enable offline");
        check(is_link(WANTS) && rep.changed, "offline link made and reported");
        rep.changed = false;
        check_call(pdi_systemd_enable_offline(&r, &l, &rep, &err), &err, "enable offline again");
        check(!rep.changed, "second offline enable changes nothing");
        check_call(pdi_systemd_disable_offline(&r, &l, &rep, &err), &err, "disable offline");
        check(!is_link(WANTS) && rep.changed, "offline link removed and reported");
        pdi_report_done(&rep);
        pdi_layout_done(&l);
        pdi_root_done(&r);
}

static void restart_twice(void)
{
        struct pdi_error err = {0};
        struct pdi_unit_status a, b;
        check_call(pdi_systemd_restart(UNIT, &err), &err, "restart (start)");
        check_call(pdi_systemd_wait_active(UNIT, 30, 2, &err), &err, "wait active, settle 2 s");
        status(&a);
        check(streq(a.active_state, "active") && streq(a.sub_state, "running"), "active running");
        check(a.main_pid > 0 && a.main_pid == report_pid(), "main pid %d is the node's (report %d)",
              (int)a.main_pid, (int)report_pid());
        journal_has("Using prepare worker: ");
        check_call(pdi_systemd_restart(UNIT, &err), &err, "restart (running)");
        check_call(pdi_systemd_wait_active(UNIT, 30, 1, &err), &err, "wait active again");
        status(&b);
        check(b.main_pid != a.main_pid && b.active_enter_usec > a.active_enter_usec,
              "restart gave a new process and a new active-enter time");
}

static int good(const char *node)
{
        struct pdi_root r;
        struct pdi_error err = {0};
        struct pdi_unit_status st;
        check(pdi_root_init(&r, "/") >= 0 && pdi_systemd_live(&r), "systemd is live here");
        pdi_root_done(&r);
        write_unit(node, "Restart=always\nRestartSec=1\n");
        offline_links();
        check_call(pdi_systemd_daemon_reload(&err), &err, "daemon-reload");
        check_call(pdi_systemd_enable(UNIT, &err), &err, "enable");
        check(is_link(WANTS), "enable made %s", WANTS);
        restart_twice();
        check_call(pdi_systemd_stop(UNIT, &err), &err, "stop");
        status(&st);
        check(streq(st.active_state, "inactive") && st.main_pid == 0, "inactive after stop");
        check_call(pdi_systemd_disable(UNIT, &err), &err, "disable");
        check(!is_link(WANTS), "disable removed %s", WANTS);
        int k = pdi_systemd_restart("pdi-no-such.service", &err);
        check(k < 0 && strstr(err.msg, "pdi-no-such.service") && strstr(err.msg, "not found"),
              "restart of a missing unit fails naming it: %s", err.msg);
        return 0;
}

/* Once without Restart= (fails at once) and once with Restart=always (crash loop). */
static int bad(const char *node)
{
        static const char *const variants[] = {
            "Environment=FAKE_FAIL_AT_START=1\nRestart=no\n",
            "Environment=FAKE_FAIL_AT_START=1\nRestart=always\nRestartSec=200ms\n"};
        for (size_t i = 0; i < ELEMENTSOF(variants); i++) {
                struct pdi_error err = {0};
                struct pdi_unit_status st;
                write_unit(node, variants[i]);
                check_call(pdi_systemd_daemon_reload(&err), &err, "daemon-reload");
                check_call(pdi_systemd_restart(UNIT, &err), &err, "restart (start job)");
                int k = pdi_systemd_wait_active(UNIT, 20, 2, &err);
                check(k == -PDI_E_FAILED && strstr(err.msg, UNIT),
                      "wait active fails (variant %zu): %s", i + 1, err.msg);
                status(&st);
                journal_has("fake node told to fail at start");
                pdi_systemd_stop(UNIT, &err);
                /* a crash-looping unit ends "failed"; clear it for the next variant */
                if (system("systemctl reset-failed " UNIT " 2>/dev/null") != 0)
                        printf("   (reset-failed: nothing to reset)\n");
        }
        return 0;
}

int main(int argc, char **argv)
{
        if (argc != 3) {
                fprintf(stderr, "usage: %s good|bad NODE\n", argv[0]);
                return 2;
        }
        setvbuf(stdout, NULL, _IOLBF, 0);
        if (streq(argv[1], "good"))
                return good(argv[2]);
        if (streq(argv[1], "bad"))
                return bad(argv[2]);
        fprintf(stderr, "usage: %s good|bad NODE\n", argv[0]);
        return 2;
}
