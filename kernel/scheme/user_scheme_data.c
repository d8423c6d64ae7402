/*
 * How a user scheme's data moves between a client and its server without a kernel buffer (user_scheme_core.h).
 *
 * The client pins its own buffer's pages when it makes the request (vm_pin, in its own address space, where it
 * can fault them in and break copy-on-write), so the server's side never touches the client's address space: it
 * reaches those pages through the kernel's linear map.
 *
 *  - A copy (below US_GRANT_MIN bytes, fitting the server's buffer): at delivery the bytes of a write go from the
 *    pinned pages straight into the server's buffer (copy_to_user), at the reply the bytes of a read straight from
 *    the server's buffer into the pinned pages (copy_from_user): one copy each, no bounce.
 *  - A grant: a us_grant object lists, page by page, what the server sees: the client's own pages for every page
 *    the request fills, a fresh page for a partial first or last one (holding only the requested bytes, so the
 *    server never sees the client's other bytes there). The server gets a mapping of it (REGION_GRANT, read-only
 *    for a write and never made writable, left out of the server's forks), prefaulted at delivery, unmapped at the
 *    reply or, from elsewhere, when the request ends another way.
 */
#include "arch/memlayout.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "mm/region.h"
#include "mm/vm.h"
#include "proc/proc.h"
#include "scheme/user_scheme_core.h"
#include "user.h"

uint64_t us_pages_granted, us_bytes_copied;

static uint64_t page_down(uint64_t v)
{
    return v & ~(US_PAGE - 1);
}

/* The part of page `page` (page aligned) inside [start, end): *off and *n. */
static void covered(uint64_t page, uint64_t start, uint64_t end, size_t *off, size_t *n)
{
    uint64_t a = page < start ? start : page, b = page + US_PAGE > end ? end : page + US_PAGE;
    *off = (size_t)(a - page);
    *n = (size_t)(b - a);
}

/* ---- grants ------------------------------------------------------------------------------------------------ */

static void grant_destroy(struct kobject *o)
{
    struct us_grant *g = (struct us_grant *)o;
    for (uint32_t i = 0; i < g->npages; i++) {
        if (g->pages[i])
            pmm_put(g->pages[i]);
    }
    if (g->head)
        pmm_put(g->head);
    if (g->tail)
        pmm_put(g->tail);
    kfree(g);
}

/* The server touched page off/PAGE of its mapping (prefaulted at delivery, so only after it unmapped a part). */
static int grant_map_page(struct kobject *o, uint64_t off, uint64_t *pa)
{
    struct us_grant *g = (struct us_grant *)o;
    uint64_t i = off / US_PAGE;
    if (i >= g->npages || pmm_get(g->pages[i]) != 0)
        return -E_NOMEM;
    *pa = g->pages[i];
    return 0;
}

static const struct kobject_ops grant_ops = {
    .destroy = grant_destroy,
    .map_page = grant_map_page,
};

static long grant_prepare(struct us_req *req, struct vm_space *vs, enum vm_access access)
{
    uint64_t start = req->uaddr, end = req->uaddr + req->ulen;
    uint64_t first = page_down(start);
    uint32_t npages = (uint32_t)((page_down(end - 1) - first) / US_PAGE + 1);
    struct us_grant *g = kzalloc(sizeof(*g) + npages * sizeof(g->pages[0]));
    if (!g)
        return -E_NOMEM;
    kobj_init(&g->obj, &grant_ops, 0, 0);
    g->npages = npages;
    req->grant = g; /* from here on, us_data_release frees what is filled in */
    for (uint32_t i = 0; i < npages; i++) {
        uint64_t page = first + i * US_PAGE, pa;
        size_t off, n;
        covered(page, start, end, &off, &n);
        long err = vm_pin(vs, page + off, access, &pa);
        if (err)
            return err;
        if (n == US_PAGE) {
            g->pages[i] = pa;
            continue;
        }
        /* A partial page: the server sees a page of its own holding just the requested bytes. */
        uint64_t bounce = pmm_alloc_zeroed(0);
        if (!bounce) {
            pmm_put(pa);
            return -E_NOMEM;
        }
        g->pages[i] = bounce;
        if (i == 0)
            g->head = pa;
        else
            g->tail = pa;
        if (!req->write_client) { /* a write: the server reads the bytes */
            memcpy((char *)phys_to_virt(bounce) + off, (char *)phys_to_virt(pa) + off, n);
            us_bytes_copied += n;
        }
    }
    return 0;
}

long us_data_prepare(struct us_req *req)
{
    struct vm_space *vs = user_vm();
    enum vm_access access = req->write_client ? VM_WRITE : VM_READ;

    if (!req->ulen)
        return 0;
    if (!vs || req->uaddr >= VM_USER_TOP || req->ulen > VM_USER_TOP - req->uaddr)
        return -E_FAULT;
    if (req->ulen >= US_GRANT_MIN)
        return grant_prepare(req, vs, access);
    /* A copy; it may still become a grant at delivery if the server's buffer is too small (us_data_deliver). */
    uint64_t end = req->uaddr + req->ulen;
    for (uint64_t page = page_down(req->uaddr); page < end; page += US_PAGE) {
        uint64_t pa;
        long err = vm_pin(vs, page < req->uaddr ? req->uaddr : page, access, &pa);
        if (err)
            return err;
        req->pages[req->npages++] = pa;
    }
    return 0;
}

void us_data_release(struct us_req *req)
{
    for (unsigned i = 0; i < req->npages; i++)
        pmm_put(req->pages[i]);
    req->npages = 0;
    if (req->grant) {
        kobj_put(&req->grant->obj);
        req->grant = NULL;
    }
}

/* Copy between the pinned pages of a copy and the server's buffer: to the server (a write) or from it (a read). */
static long copy_pages(struct us_req *req, uint64_t sbuf, size_t len, bool to_server)
{
    uint64_t start = req->uaddr, end = req->uaddr + len;
    unsigned i = 0;
    for (uint64_t page = page_down(start); page < end; page += US_PAGE, i++) {
        size_t off, n;
        covered(page, start, end, &off, &n);
        char *k = (char *)phys_to_virt(req->pages[i]) + off;
        uint64_t s = sbuf + (page + off - start);
        int err = to_server ? copy_to_user((user_out_ptr){s}, k, n) : copy_from_user(k, (user_in_ptr){s}, n);
        if (err)
            return -E_FAULT;
    }
    us_bytes_copied += len;
    return 0;
}

/* A copy-sized request for a server whose buffer is too small for it: grant its pages after all. */
static long copy_to_grant(struct us_req *req)
{
    uint64_t start = req->uaddr, end = req->uaddr + req->ulen, first = page_down(start);
    uint32_t npages = req->npages;
    struct us_grant *g = kzalloc(sizeof(*g) + npages * sizeof(g->pages[0]));
    if (!g)
        return -E_NOMEM;
    g->npages = npages;
    for (uint32_t i = 0; i < npages; i++) {
        size_t off, n;
        covered(first + i * US_PAGE, start, end, &off, &n);
        if (n == US_PAGE) {
            g->pages[i] = req->pages[i];
            continue;
        }
        uint64_t bounce = pmm_alloc_zeroed(0);
        if (!bounce) {
            for (uint32_t j = 0; j < i; j++) /* hand back what moved over so far */
                if (g->pages[j] != req->pages[j])
                    pmm_put(g->pages[j]);
            kfree(g);
            return -E_NOMEM;
        }
        g->pages[i] = bounce;
        if (i == 0)
            g->head = req->pages[i];
        else
            g->tail = req->pages[i];
        if (!req->write_client) {
            memcpy((char *)phys_to_virt(bounce) + off, (char *)phys_to_virt(req->pages[i]) + off, n);
            us_bytes_copied += n;
        }
    }
    kobj_init(&g->obj, &grant_ops, 0, 0);
    req->npages = 0; /* the grant holds the pins now */
    req->grant = g;
    return 0;
}

long us_data_deliver(struct us_req *req, uint64_t buf, size_t buf_len)
{
    struct proc *self = proc_current();
    req->msg.buf = 0;
    req->map_addr = 0;
    req->server_pid = self->pid;
    if (req->kin) {
        if (copy_to_user((user_out_ptr){buf}, req->kin, req->kin_len))
            return -E_FAULT;
        req->msg.buf = buf;
    }
    if (req->kout)
        req->msg.buf = buf;
    req->server_buf = req->msg.buf;
    if (!req->ulen)
        return 0;
    if (!req->grant && req->ulen <= buf_len) {
        req->msg.buf = req->server_buf = buf;
        return req->write_client ? 0 : copy_pages(req, buf, req->ulen, true);
    }
    if (!req->grant) {
        long err = copy_to_grant(req);
        if (err)
            return err;
    }
    struct us_grant *g = req->grant;
    uint64_t len = (uint64_t)g->npages * US_PAGE;
    bool writable = req->write_client;
    long addr = vm_map(proc_vm(self), 0, len, writable ? WREN_PROT_READ | WREN_PROT_WRITE : WREN_PROT_READ, false,
                       writable ? REGION_GRANT : REGION_GRANT_RO, &g->obj, 0);
    if (addr < 0)
        return addr;
    /* Prefault every page now: one table walk each instead of an exception per page when the server touches it. */
    for (uint64_t off = 0; off < len; off += US_PAGE) {
        if (vm_fault(proc_vm(self), (uint64_t)addr + off, writable ? VM_WRITE : VM_READ) != 0)
            break; /* (out of table memory: the rest is faulted in on touch) */
    }
    req->map_addr = (uint64_t)addr;
    req->map_len = len;
    req->msg.buf = req->server_buf = (uint64_t)addr + (req->uaddr & (US_PAGE - 1));
    us_pages_granted += g->npages - (g->head ? 1 : 0) - (g->tail ? 1 : 0);
    return 0;
}

/*
 * Unmap req's grant from vs: only what still maps this grant (the server may have unmapped some of it, and mapped
 * something else there since, which stays).
 */
static void grant_unmap(struct vm_space *vs, struct us_req *req)
{
    uint64_t a = req->map_addr, end = req->map_addr + req->map_len;
    while (a < end) {
        const struct region *r = region_find(&vs->regions, a);
        if (!r) {
            a += US_PAGE;
            continue;
        }
        uint64_t stop = r->end < end ? r->end : end;
        if (r->obj == &req->grant->obj)
            vm_unmap(vs, a, stop - a);
        a = stop;
    }
    req->map_addr = 0;
}

void us_data_undeliver(struct us_req *req)
{
    if (req->map_addr)
        grant_unmap(proc_vm(proc_current()), req);
}

long us_data_answer(struct us_req *req, size_t n)
{
    long err = 0;
    if (req->ulen && req->write_client && n) {
        if (!req->grant) {
            err = copy_pages(req, req->server_buf, n, false);
        } else {
            /* The server wrote the client's own pages in place; only partial first and last pages come back. */
            struct us_grant *g = req->grant;
            uint64_t start = req->uaddr, end = req->uaddr + n, first = page_down(start);
            if (g->head) {
                size_t off, len;
                covered(first, start, end, &off, &len);
                memcpy((char *)phys_to_virt(g->head) + off, (char *)phys_to_virt(g->pages[0]) + off, len);
                us_bytes_copied += len;
            }
            uint64_t last = first + (uint64_t)(g->npages - 1) * US_PAGE;
            if (g->tail && last < end) {
                size_t off, len;
                covered(last, start, end, &off, &len);
                memcpy((char *)phys_to_virt(g->tail) + off, (char *)phys_to_virt(g->pages[g->npages - 1]) + off, len);
                us_bytes_copied += len;
            }
        }
    }
    us_data_undeliver(req);
    return err;
}

void us_data_unmap_remote(struct us_req *req)
{
    if (!req->map_addr)
        return;
    /* The server that received it, if it still has its address space (its exit closes handles before that). */
    struct proc *p = proc_find(req->server_pid);
    if (p && p->state != PROC_ZOMBIE && p->state != PROC_FREE)
        grant_unmap(proc_vm(p), req);
    req->map_addr = 0;
}
