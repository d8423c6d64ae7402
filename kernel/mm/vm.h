/*
 * A user address space: its page table (TTBR0, tagged with an ASID) and its regions (what
 * each range of addresses means). Memory is given on demand: a region promises pages, the
 * first touch of each page allocates it (zero-filled) in vm_fault.
 *
 * Syscalls reach user memory only through copy_from_user/copy_to_user (kernel/mm/uaccess.c):
 * unprivileged loads and stores with a fault-fixup table, whose faults on untouched pages
 * come back here through vm_fault.
 */
#ifndef WREN_MM_VM_H
#define WREN_MM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/aarch64/pgtable.h"
#include "mm/region.h"

/* User virtual layout. Programs link at 0x400000; mmap picks addresses in [MMAP_BASE, MMAP_TOP). */
#define VM_USER_BASE  0x0000000000010000ull /* page 0..15 never mapped: NULL dereferences fault */
#define VM_USER_TOP   0x0001000000000000ull /* 2^48 */
#define VM_STACK_TOP  0x0000fffffffff000ull
#define VM_STACK_SIZE 0x0000000000100000ull /* 1 MiB, demand-paged */
#define VM_MMAP_BASE  0x0000100000000000ull
#define VM_MMAP_TOP   0x0000f00000000000ull

struct mem_account;

struct vm_space {
    struct pgtable pt;        /* pt.asid: the ASID of the current generation, set at activation */
    struct mem_account *acct; /* charged for its private pages and its tables (mm/account.h); the owner's */
    uint64_t asid_ctx;        /* generation and ASID (mm/asid.h); 0 until first activated */
    bool blocks;              /* a 2 MiB block has been mapped here: region changes must split at their edges first */
    bool grants;              /* a REGION_GRANT* was mapped here: fork leaves them out of the child */
    struct region_set regions;
};

enum vm_access { VM_READ = 1, VM_WRITE = 2, VM_EXEC = 4 };

/* Pick the ASID width the CPU supports; once, before the first address space. */
void vm_init(void);
/* vs must be all zero (a fresh process slot) or emptied by vm_destroy. Its pages and tables are charged to acct. */
int vm_create(struct vm_space *vs, struct mem_account *acct);
/* Frees every page and table; vs must not be the live TTBR0 any more. */
void vm_destroy(struct vm_space *vs);
/* Install vs in TTBR0, giving it a current-generation ASID (flushing the TLB on rollover). */
void vm_activate(struct vm_space *vs);
/* vm_activate where the caller knows it runs on CPU `cpu` (the scheduler's switch). */
void vm_activate_on(struct vm_space *vs, unsigned cpu);

/* A region of demand-zero memory (prot: WREN_PROT_*). */
int vm_reserve(struct vm_space *vs, uint64_t start, uint64_t len, uint32_t prot, uint32_t kind);
/* Copy bytes into the space regardless of its protections (for loading programs). */
int vm_load(struct vm_space *vs, uint64_t va, const void *src, size_t len);

/* fork: child (fresh from vm_create) becomes a copy-on-write copy of parent. */
int vm_fork(struct vm_space *parent, struct vm_space *child);

/*
 * What an object backing a region does for an address space. Regions name their object as an opaque pointer; the
 * object layer above (obj/object.c, kobj_register_backing) supplies these at start-up, before any region names one.
 * Anonymous regions never call them.
 */
struct vm_backing_ops {
    void (*get)(void *obj);                                 /* a reference the space holds for its regions of obj */
    void (*put)(void *obj);                                 /* drop it */
    int (*map_page)(void *obj, uint64_t off, uint64_t *pa); /* the page at byte off, with a reference for the entry */
};
void vm_set_backing(const struct vm_backing_ops *ops);

/* mmap/munmap/mprotect; the checks of the syscall are done here (an object's rights are the caller's to check). */
long vm_mmap_anon(struct vm_space *vs, uint64_t addr, uint64_t len, uint32_t prot, bool fixed);
/*
 * A region of `kind` backed by obj from byte `off` (page aligned) on, or by nothing (obj NULL, off 0): anonymous.
 * Its pages come from obj's map_page when first touched. The space takes its own reference to obj.
 */
long vm_map(struct vm_space *vs, uint64_t addr, uint64_t len, uint32_t prot, bool fixed, uint32_t kind, void *obj,
            uint64_t off);
int vm_unmap(struct vm_space *vs, uint64_t addr, uint64_t len);
/* -E_ACCES if prot asks for write on a REGION_SHM_RO part of the range. */
int vm_protect(struct vm_space *vs, uint64_t addr, uint64_t len, uint32_t prot);

/*
 * A fault at va by an access of kind `access` — a page not there yet, or a write to a
 * copy-on-write page: 0 if a region allows the access and the page is now there (retry the
 * instruction); -E_FAULT if the access is not allowed; -E_NOMEM if no physical page was free (the caller may free
 * memory and retry: proc/oom.h); ACCOUNT_E_LIMIT if the page would take an account over its limit (mm/account.h).
 */
int vm_fault(struct vm_space *vs, uint64_t va, enum vm_access access);

/*
 * The RAM page holding va in vs, there now and allowing `access` (faulted in as a touch would, copy-on-write broken
 * for a write), with a page reference (pmm_get) the caller drops with pmm_put: it stays the caller's to read or write
 * through the linear map whatever the space does meanwhile. 0 and *pa (the page's address, va's offset not added),
 * -E_FAULT (no region allows the access, or device registers), -E_NOMEM. For a user scheme's copies and grants.
 */
int vm_pin(struct vm_space *vs, uint64_t va, enum vm_access access, uint64_t *pa);

/* Pages mapped in the space now (its resident set; copy-on-write pages shared by a fork count in each space). */
uint64_t vm_resident_pages(const struct vm_space *vs);

/* Does every page of [va, va + len) allow `access` (faulting pages in as a touch would)? */
int vm_check(struct vm_space *vs, uint64_t va, size_t len, enum vm_access access);

#endif
