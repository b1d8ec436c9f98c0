/* SPDX-License-Identifier: Apache-2.0 */
/* The release tag and the Docker tag of a manifest (manifest_names.h). */
#include "trust/manifest_names.h"
#include "trust/jfield.h"

#include <string.h>

static bool tag_valid(const char *s, size_t max, bool first_underscore)
{
        size_t n = strlen(s);
        if (n == 0 || n > max)
                return false;
        if (!first_underscore && (s[0] == '.' || s[0] == '-' || s[0] == '_'))
                return false;
        if (first_underscore && (s[0] == '.' || s[0] == '-'))
                return false;
        return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") == n;
}

bool pdi_release_tag_valid(const char *s)
{
        return tag_valid(s, PDI_RELEASE_TAG_MAX, false);
}

bool pdi_docker_tag_valid(const char *s)
{
        return tag_valid(s, PDI_DOCKER_TAG_MAX, true);
}

static int parse_one(json_t *root, const char *key, bool (*valid)(const char *), char *out,
                     size_t size, struct pdi_error *err)
{
        json_t *v;
        int r = pdi_jfield_get_field(root, "", key, JSON_STRING, false, &v, err);
        if (r < 0 || !v)
                return r;
        const char *s = json_string_value(v);
        if (!valid(s))
                return pdi_jfield_fail(err,
                                       "%s: \"%.64s\" is not a tag (1 to %zu of A-Z a-z 0-9 "
                                       ". _ -)",
                                       key, s, size - 1);
        snprintf(out, size, "%s", s);
        return 0;
}

int pdi_manifest_names_parse(json_t *root, struct pdi_manifest_names *ret, struct pdi_error *err)
{
        struct pdi_manifest_names n;
        memset(&n, 0, sizeof(n));
        int r = parse_one(root, "release_tag", pdi_release_tag_valid, n.release_tag,
                          sizeof(n.release_tag), err);
        if (r == 0)
                r = parse_one(root, "docker_tag", pdi_docker_tag_valid, n.docker_tag,
                              sizeof(n.docker_tag), err);
        if (r == 0)
                *ret = n;
        return r;
}

int pdi_manifest_names_to_json(const struct pdi_manifest_names *n, json_t *o)
{
        if (n->release_tag[0] &&
            json_object_set_new(o, "release_tag", json_string(n->release_tag)) < 0)
                return -1;
        if (n->docker_tag[0] &&
            json_object_set_new(o, "docker_tag", json_string(n->docker_tag)) < 0)
                return -1;
        return 0;
}
