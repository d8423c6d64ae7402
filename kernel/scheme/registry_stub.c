/*
 * TEMPORARY, until the scheme core (scheme/registry.c) is merged from main: the registry's list and nothing else,
 * so that user_scheme.c links and its server side can be tested. Deleted by the merge.
 */
#include "lib/string.h"
#include "scheme/scheme.h"

static struct list registry = LIST_INIT(registry);

struct scheme *scheme_find(const char *name, size_t len)
{
    for (struct list *l = registry.next; l != &registry; l = l->next) {
        struct scheme *s = list_entry(l, struct scheme, link);
        if (s->name_len == len && memcmp(s->name, name, len) == 0)
            return s;
    }
    return NULL;
}

long scheme_register(struct scheme *s)
{
    if (!scheme_name_valid(s->name, s->name_len))
        return -E_INVAL;
    if (scheme_find(s->name, s->name_len))
        return -E_EXIST;
    list_add_tail(&registry, &s->link);
    return 0;
}

void scheme_unregister(struct scheme *s)
{
    if (list_linked(&s->link))
        list_del(&s->link);
}
