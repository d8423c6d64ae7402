/* Per-process handle tables (handle.h). */
#include "obj/handle.h"

long handle_install(struct handle_table *t, struct kobject *o, uint32_t rights, int min)
{
    for (int i = min < 0 ? 0 : min; i < HANDLE_MAX; i++) {
        if (!t->h[i].obj) {
            t->h[i] = (struct handle){o, rights, 0};
            if ((uint32_t)i >= t->top)
                t->top = (uint32_t)i + 1;
            return i;
        }
    }
    return -E_MFILE;
}

void handle_install_at(struct handle_table *t, int i, struct kobject *o, uint32_t rights)
{
    t->h[i] = (struct handle){o, rights, 0};
    if ((uint32_t)i >= t->top)
        t->top = (uint32_t)i + 1;
}

long handle_close(struct handle_table *t, long h, long bad)
{
    struct handle *e = handle_entry(t, h);
    if (!e)
        return bad;
    handle_close_entry(t, e);
    return 0;
}

void handle_close_entry(struct handle_table *t, struct handle *e)
{
    struct kobject *o = e->obj;
    *e = (struct handle){0};
    while (t->top && !t->h[t->top - 1].obj)
        t->top--;
    kobj_put(o); /* last: destroy may wake others, who must not see the entry half-closed */
}

void handle_close_all(struct handle_table *t)
{
    while (t->top)
        handle_close(t, t->top - 1, 0); /* lowers top past the free entries below */
}

void handle_close_on_exec(struct handle_table *t)
{
    for (int i = (int)t->top - 1; i >= 0; i--)
        if (t->h[i].obj && (t->h[i].flags & HANDLE_CLOEXEC))
            handle_close(t, i, 0);
}

void handle_inherit(struct handle_table *to, const struct handle_table *from, int n)
{
    for (int i = 0; i < n && (uint32_t)i < from->top; i++) {
        if (from->h[i].obj) {
            to->h[i] = from->h[i];
            kobj_get(to->h[i].obj);
            to->top = (uint32_t)i + 1;
        }
    }
}

int handle_count(const struct handle_table *t)
{
    int n = 0;
    for (uint32_t i = 0; i < t->top; i++)
        n += t->h[i].obj != 0;
    return n;
}
