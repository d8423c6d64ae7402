/*
 * The registry of schemes and path resolution (scheme.h). A handful of schemes exist at a time, so the registry
 * is a list searched by name; a lookup costs a comparison per scheme, which is small beside any operation's work.
 */
#include "scheme/scheme.h"

#include "fs/path.h"
#include "lib/pathname.h"
#include "lib/string.h"
#include "proc/namespace.h"
#include "proc/proc.h"
#include "scheme/mounts.h"

static struct list schemes = LIST_INIT(schemes);

static bool name_is(const struct scheme *s, const char *name, size_t len)
{
    return s->name_len == len && memcmp(s->name, name, len) == 0;
}

struct scheme *scheme_find(const char *name, size_t len)
{
    for (struct list *l = schemes.next; l != &schemes; l = l->next) {
        struct scheme *s = list_entry(l, struct scheme, link);
        if (name_is(s, name, len))
            return s;
    }
    return 0;
}

long scheme_register(struct scheme *s)
{
    if (!scheme_name_valid(s->name, s->name_len) || s->name[s->name_len] != 0)
        return -E_INVAL;
    if (scheme_find(s->name, s->name_len))
        return -E_EXIST;
    list_add_tail(&schemes, &s->link);
    return 0;
}

void scheme_unregister(struct scheme *s)
{
    list_del(&s->link);
}

struct scheme *scheme_next(struct scheme *prev)
{
    struct list *at = prev ? prev->link.next : schemes.next;
    return at == &schemes ? 0 : list_entry(at, struct scheme, link);
}

bool scheme_visible(const char *name, size_t len, const struct scheme *s)
{
    const struct proc *p = proc_current_process();
    if (s && s->privileged && !p->privileged)
        return false;
    return namespace_allows(p->ns, name, len);
}

/*
 * Canonicalize the absolute path p[0..len) in place (lib/pathname.h), keeping a trailing '/' the caller wrote: "/a/"
 * must still mean "a directory" to the scheme. Returns the new length.
 */
static size_t canonical_keep_slash(char *p, size_t len)
{
    bool slash = len > 1 && p[len - 1] == '/';
    size_t n = path_canonical(p, len);
    if (slash && n > 1) { /* the slash was dropped, so there is room for it and the NUL */
        p[n++] = '/';
        p[n] = 0;
    }
    return n;
}

long scheme_resolve(char *buf, size_t len, struct scheme_target *t)
{
    struct scheme_path sp;

    if (len == 0)
        return -E_NOENT;
    if (strnlen(buf, len) != len)
        return -E_INVAL; /* a NUL would end the path early for every scheme below */
    if (buf[0] == '/')
        len = canonical_keep_slash(buf, len); /* "/scheme/x/../y" names y, as any absolute path would */
    int err = scheme_path_parse(buf, len, &sp);
    if (err)
        return err;
    t->kind = sp.kind;
    t->s = 0;
    t->mount_flags = 0;
    t->mount = 0;
    const struct mount *m = sp.kind == SCHEME_PATH_DEFAULT ? mount_find(buf, len, &sp.rest, &sp.rest_len) : 0;
    if (m) {
        /* At or below a mount point: the mounted scheme, the mount point being its root. */
        t->kind = sp.kind = SCHEME_PATH_NAMED;
        t->mount = m;
        t->mount_flags = m->flags;
        sp.name = m->scheme;
        sp.name_len = m->scheme_len;
    }
    if (sp.kind == SCHEME_PATH_LIST) {
        t->path = "/";
        t->len = 1;
        return 0;
    }
    if (sp.kind == SCHEME_PATH_DEFAULT) {
        t->path = buf; /* the whole path, canonical already */
        t->len = len;
    } else if (sp.rest_len == 0) {
        t->path = "/"; /* "/scheme/name" and "name:" are the scheme's root */
        t->len = 1;
    } else if (!m && sp.rest[-1] == ':') {
        /* "name:rest": make the rest absolute by turning the ':' into its leading '/', then canonical */
        char *rest = (char *)sp.rest - 1;
        *rest = '/';
        t->path = rest;
        t->len = canonical_keep_slash(rest, sp.rest_len + 1);
    } else {
        t->path = sp.rest; /* "/scheme/name/rest": rest starts at the '/' and the whole was canonicalized */
        t->len = sp.rest_len;
    }
    struct scheme *s = scheme_find(sp.name, sp.name_len);
    if (!scheme_visible(sp.name, sp.name_len, s))
        return -E_ACCES; /* before E_NOENT: a sandbox learns nothing of the schemes outside it */
    if (!s)
        return -E_NOENT;
    t->s = s;
    return 0;
}
