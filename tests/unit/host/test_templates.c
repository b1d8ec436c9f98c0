/* SPDX-License-Identifier: Apache-2.0 */
/* Tests for installer/host/templates.c and cmake/embed.cmake: every file of templates/ (but the
 * README) is compiled in byte for byte, and nothing else is. */
#include "host/templates.h"
#include "base/fsroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

static const char *source_dir(void)
{
        const char *d = getenv("PDI_SOURCE_DIR");
        return d && *d ? d : PDI_SOURCE_DIR;
}

static void known_templates(void **state)
{
        (void)state;
        static const char *const names[] = {"polkadot.service.in", "polkadot.slice.in",
                                            "polkadot-installer-upgrade.service.in",
                                            "polkadot-installer-upgrade.timer.in"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const char *t = pdi_template_get(names[i]);
                if (!t)
                        fail_msg("%s is not embedded", names[i]);
                assert_true(strlen(t) > 0);
        }
        assert_non_null(strstr(pdi_template_get("polkadot.service.in"), "[Service]"));
        assert_non_null(strstr(pdi_template_get("polkadot-installer-upgrade.timer.in"), "[Timer]"));
        assert_null(pdi_template_get("no-such.in"));
        assert_null(pdi_template_get("README.md"));
        assert_null(pdi_template_get(""));
        assert_null(pdi_template_get("polkadot.service"));
}

/* Every file of dir (sub: its name prefix in the table, "" for templates/) is embedded as it
 * is; returns how many. */
static size_t embedded_as_is(const char *sub)
{
        char dir[4096];
        snprintf(dir, sizeof(dir), "%s/%s", source_dir(), *sub ? sub : "templates");
        DIR *d = opendir(dir);
        assert_non_null(d);
        size_t files = 0;
        struct dirent *de;
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || strncmp(de->d_name, "README", 6) == 0)
                        continue;
                char path[4400], name[512];
                snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
                snprintf(name, sizeof(name), "%s%s%s", sub, *sub ? "/" : "", de->d_name);
                _cleanup_free_ char *text = NULL;
                size_t len;
                assert_int_equal(pdi_read_file_at(AT_FDCWD, path, 1 << 20, &text, &len), 0);
                const char *t = pdi_template_get(name);
                if (!t)
                        fail_msg("%s is not embedded", name);
                assert_int_equal(strlen(t), len);
                assert_memory_equal(t, text, len);
                files++;
        }
        closedir(d);
        return files;
}

/* templates/ and the AppArmor profile template of apparmor/, and nothing else. */
static void every_file_embedded_exactly(void **state)
{
        (void)state;
        size_t files = embedded_as_is("");
        assert_true(files >= 4);
        size_t apparmor = embedded_as_is("apparmor");
        assert_true(apparmor >= 1);
        size_t embedded = 0;
        for (const struct pdi_template *t = pdi_templates; t->name; t++)
                embedded++;
        assert_int_equal(embedded, files + apparmor);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(known_templates),
            cmocka_unit_test(every_file_embedded_exactly),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
