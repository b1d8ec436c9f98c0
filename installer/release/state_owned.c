/* SPDX-License-Identifier: Apache-2.0 */
/* See state_owned.h. */
#include "release/state_owned.h"

#include <errno.h>

static json_t *child(json_t *parent, const char *key, json_t *(*make)(void))
{
        json_t *c = json_object_get(parent, key);
        if (!c && make) {
                c = make();
                if (!c || json_object_set_new(parent, key, c) < 0)
                        return NULL;
        }
        return c;
}

bool pdi_state_was_created(const struct pdi_state *s, const char *kind, const char *name)
{
        json_t *v = json_object_get(json_object_get(s->root, "created"), kind);
        size_t i;
        json_t *e;
        json_array_foreach(v, i, e) if (streq(json_string_value(e), name)) return true;
        return false;
}

int pdi_state_mark_created(struct pdi_state *s, const char *kind, const char *name)
{
        if (pdi_state_was_created(s, kind, name))
                return 0;
        json_t *c = child(s->root, "created", json_object);
        json_t *v = c ? child(c, kind, json_array) : NULL;
        if (!json_is_array(v))
                return -ENOMEM;
        return json_array_append_new(v, json_string(name)) < 0 ? -ENOMEM : 0;
}

json_t *pdi_state_adopted(const struct pdi_state *s, const char *inst)
{
        json_t *rec = json_object_get(json_object_get(s->root, "adopted"), inst);
        return json_is_object(rec) ? rec : NULL;
}

int pdi_state_set_adopted(struct pdi_state *s, const char *inst, json_t *rec)
{
        json_t *all = child(s->root, "adopted", rec ? json_object : NULL);
        if (!rec) {
                if (all)
                        json_object_del(all, inst);
                return 0;
        }
        return all && json_object_set(all, inst, rec) == 0 ? 0 : -ENOMEM;
}

bool pdi_state_container(const struct pdi_state *s, const char *inst)
{
        return streq(json_string_value(json_object_get(json_object_get(s->root, "modes"), inst)),
                     "container");
}

int pdi_state_set_container(struct pdi_state *s, const char *inst)
{
        json_t *all = child(s->root, "modes", json_object);
        return all && json_object_set_new(all, inst, json_string("container")) == 0 ? 0 : -ENOMEM;
}
