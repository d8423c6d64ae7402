/*
 * Namespaces: the set of scheme names a process may reach (scheme/registry.c checks it on every path). NULL is
 * every scheme, which is what init has; a narrower set is an immutable, reference-counted object shared by the
 * processes that have it. fork and exec keep a process's namespace, spawn gives the child the parent's or one
 * narrowed from it (namespace_narrow), never a wider one.
 *
 * A set is either "only these names" or "every name but these", so a namespace that excludes mmio and irq still
 * reaches a scheme a server registers later (the shell's /scheme/rand).
 */
#ifndef WREN_PROC_NAMESPACE_H
#define WREN_PROC_NAMESPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/scheme_set.h"

struct namespace
{
    uint32_t refs;
    struct scheme_set set;
};

/* May a process with namespace ns reach the scheme called name[0..len)? */
static inline bool namespace_allows(const struct namespace *ns, const char *name, size_t len)
{
    return !ns || scheme_set_has(&ns->set, name, len);
}

struct namespace *namespace_get(struct namespace *ns);
void namespace_put(struct namespace *ns);

/*
 * The namespace of a child of a process with namespace `parent`, narrowed by `req` (a set the caller asked for,
 * already parsed): 0 and *out (a new reference, or NULL for every scheme), or -E_NOMEM.
 */
long namespace_narrow(struct namespace *parent, const struct scheme_set *req, struct namespace **out);

#endif
