/*
 * Process life cycle: spawn and exec from the root file system, fork, exit, wait and reaping, fatal faults.
 */
#include <wren/abi.h>

#include "arch/memlayout.h"
#include "arch/sysreg_bits.h"
#include "console.h"
#include "proc/cwd.h"
#include "fs/rootfs.h"
#include "lib/elf.h"
#include "lib/string.h"
#include "mm/account.h"
#include "mm/kmalloc.h"
#include "mm/kmap.h"
#include "mm/pmm.h"
#include "panic.h"
#include "proc/limits.h"
#include "proc/namespace.h"
#include "proc/oom.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/thread.h"
#include "user.h"

static struct proc table[PROC_MAX];
static struct proc idle_proc;                   /* pid 0: the boot thread, which becomes the idle loop */
static struct proc idle_secondary[CPU_MAX - 1]; /* the other CPUs' idle threads (proc/smp.c starts them) */
static int next_pid = 1;
static int slots_used; /* slots not PROC_FREE: proc_new_slot counts them in, proc_free_slot out */

void proc_init(void)
{
    vm_init();
    idle_proc.pid = 0;
    memcpy(idle_proc.name, "idle", 5);
    idle_proc.leader = &idle_proc;
    idle_proc.acct = &account_kernel; /* what the kernel creates for itself (init's console) */
    sched_init(&idle_proc);
}

struct proc *proc_idle_thread(unsigned cpu)
{
    if (cpu == 0)
        return &idle_proc;
    struct proc *p = &idle_secondary[cpu - 1];
    p->pid = 0;
    memcpy(p->name, "idle", 5);
    p->acct = &account_kernel;
    return p;
}

struct proc *proc_slot(int i)
{
    return &table[i];
}

struct proc *proc_find(int pid)
{
    if (pid <= 0) /* 0 is the idle thread, and the pid of a slot still being built */
        return 0;
    for (int i = 0; i < PROC_MAX; i++)
        if (table[i].state != PROC_FREE && table[i].pid == pid && !proc_is_thread(&table[i]))
            return &table[i];
    return 0;
}

struct proc *proc_find_thread(int tid)
{
    if (tid <= 0)
        return 0;
    for (int i = 0; i < PROC_MAX; i++)
        if (table[i].state != PROC_FREE && table[i].tid == tid)
            return &table[i];
    return 0;
}

struct proc *proc_group_next(const struct proc *leader, const struct proc *after)
{
    for (int i = after ? (int)(after - table) + 1 : 0; i < PROC_MAX; i++)
        if (table[i].state != PROC_FREE && table[i].leader == leader)
            return &table[i];
    return 0;
}

/* Pids and tids come from one space: not reused while the process or thread exists; wrap far below INT32_MAX. */
int proc_alloc_id(void)
{
    for (;;) {
        int pid = next_pid;
        next_pid = next_pid >= 0x3fffffff ? 2 : next_pid + 1;
        if (!proc_find_thread(pid)) /* every slot's tid: a leader's is its pid */
            return pid;
    }
}

static uint32_t segment_prot(uint32_t elf_flags)
{
    return (elf_flags & ELF_PF_R ? WREN_PROT_READ : 0) | (elf_flags & ELF_PF_W ? WREN_PROT_WRITE : 0) |
           (elf_flags & ELF_PF_X ? WREN_PROT_EXEC : 0);
}

/* Map and fill every PT_LOAD segment; bss needs nothing: untouched pages are zero. */
static int load_segments(struct vm_space *vm, const struct elf_image *img, const uint8_t *file)
{
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->seg[i];
        uint32_t prot = segment_prot(s->flags);
        uint64_t start = s->vaddr & ~0xfffull;
        uint64_t end = (s->vaddr + s->memsz + 0xfff) & ~0xfffull;
        /* W^X holds for programs too; segments sharing a page cannot have their own permissions. */
        if ((prot & WREN_PROT_WRITE) && (prot & WREN_PROT_EXEC))
            return -E_NOEXEC;
        if (end > VM_STACK_TOP - VM_STACK_SIZE || vm_reserve(vm, start, end - start, prot, REGION_IMAGE))
            return -E_NOEXEC;
        int err = vm_load(vm, s->vaddr, file + s->offset, s->filesz);
        if (err)
            return err;
    }
    return 0;
}

/* Auxiliary vector keys (the System V ABI's numbers, which C libraries know). */
#define AT_NULL   0
#define AT_PAGESZ 6
#define AT_ENTRY  9

/* argc, argv[] and NULL, envp[] and NULL, three auxv pairs: off the kernel stack (one exec or spawn at a time). */
static uint64_t stack_vec[1 + 2 * (PROC_STRINGS_MAX + 1) + 6];

/* Into v: the user address of each string of `block` (len bytes, to be loaded at `at`), then NULL. The count. */
static long string_ptrs(uint64_t *v, const char *block, size_t len, uint64_t at)
{
    long n = 0;
    for (size_t i = 0; i < len; i++) {
        if (i == 0 || block[i - 1] == 0) {
            if (n == PROC_STRINGS_MAX)
                return -E_TOOBIG;
            v[n++] = at + i;
        }
    }
    v[n] = 0;
    return n;
}

/*
 * The initial stack, as the System V ABI lays it out: the environment and argument strings at
 * the top, then, from sp (16-byte aligned, as AAPCS64 requires) upwards, argc, argv[] and a
 * NULL, envp[] and a NULL, and the auxiliary vector (AT_PAGESZ, AT_ENTRY, AT_NULL). crt0 also
 * receives argc, argv and envp in x0, x1 and x2.
 */
static int build_stack(struct vm_space *vm, struct trap_frame *tf, const struct proc_args *a, uint64_t entry)
{
    uint64_t envs = (VM_STACK_TOP - a->envp_len) & ~15ull;
    uint64_t args = (envs - a->argv_len) & ~15ull;
    uint64_t *v = stack_vec;
    long argc = string_ptrs(v + 1, a->argv, a->argv_len, args);
    if (argc < 0)
        return (int)argc;
    long envc = string_ptrs(v + 2 + argc, a->envp, a->envp_len, envs);
    if (envc < 0)
        return (int)envc;
    v[0] = (uint64_t)argc;
    uint64_t *aux = v + 3 + argc + envc;
    aux[0] = AT_PAGESZ, aux[1] = PMM_PAGE_SIZE;
    aux[2] = AT_ENTRY, aux[3] = entry;
    aux[4] = AT_NULL, aux[5] = 0;
    size_t words = (size_t)(3 + argc + envc + 6);
    uint64_t sp = (args - words * 8) & ~15ull;
    int err = a->envp_len ? vm_load(vm, envs, a->envp, a->envp_len) : 0;
    if (!err && a->argv_len)
        err = vm_load(vm, args, a->argv, a->argv_len);
    if (!err)
        err = vm_load(vm, sp, v, words * 8);
    tf->x[0] = (uint64_t)argc;
    tf->x[1] = sp + 8;
    tf->x[2] = sp + 8 * (2 + (uint64_t)argc);
    tf->sp_el0 = sp;
    return err;
}

/*
 * The program at `path` in the root file system, checked as far as it can be before anything
 * is built (the argument and environment blocks, the file, its ELF headers), so that spawn and exec refuse a
 * bad request before they build or touch an address space. *file is the program's bytes in
 * one piece; if they had to be gathered into a copy, *copy is that copy, which the caller
 * frees (put_program) once the image is built.
 */
static int find_program(const char *path, const struct proc_args *a, const void **file, void **copy,
                        struct elf_image *img)
{
    struct ramfs_node *n;
    size_t size;

    *copy = 0;
    if (a->argv_len > PROC_ARGV_MAX || a->envp_len > PROC_ENV_MAX)
        return -E_TOOBIG;
    if ((a->argv_len && a->argv[a->argv_len - 1] != 0) || (a->envp_len && a->envp[a->envp_len - 1] != 0))
        return -E_INVAL;
    int err = ramfs_lookup(rootfs(), path, strlen(path), &n);
    if (!err)
        err = ramfs_contents(n, file, &size, copy);
    if (!err)
        err = elf_parse(*file, size, img);
    if (err) {
        kfree(*copy);
        *copy = 0;
    }
    return err;
}

/*
 * Create *vm holding the program found by find_program and a stack with its arguments and environment,
 * and set *tf to the user registers it starts with. All or nothing: on failure *vm has been
 * destroyed again (or never created), so the caller has nothing to undo.
 */
static int build_image(struct vm_space *vm, struct mem_account *acct, struct trap_frame *tf,
                       const struct elf_image *img, const void *file, const struct proc_args *a)
{
    uint64_t stack = VM_STACK_TOP - VM_STACK_SIZE;
    int err = vm_create(vm, acct);
    if (err)
        return err;
    err = load_segments(vm, img, file);
    if (!err)
        err = vm_reserve(vm, stack, VM_STACK_SIZE, WREN_PROT_READ | WREN_PROT_WRITE, REGION_STACK);
    /* Every register but entry, stack and arguments starts at 0: nothing leaks in from before. */
    memset(tf, 0, sizeof(*tf));
    tf->elr = img->entry;
    tf->spsr = SPSR_EL0T;
    if (!err)
        err = build_stack(vm, tf, a, img->entry);
    if (err)
        vm_destroy(vm);
    return err;
}

static void set_name(struct proc *p, const char *path)
{
    size_t n = strnlen(path, PROC_NAME_MAX - 1);
    memset(p->name, 0, sizeof(p->name));
    memcpy(p->name, path, n);
}

/*
 * Kernel stacks: process-table slot n runs on the stack of area slot n + 1 (arch/memlayout.h), mapped while the slot
 * is in use over pages of its own, with the guard below it never mapped: an overflow is a clean report and panic
 * (vectors.S), never a write into whatever memory lies below.
 */
_Static_assert(PROC_MAX + 1 <= KSTACK_AREA_SLOTS, "a stack slot for every process");
_Static_assert((PMM_PAGE_SIZE << PROC_KSTACK_ORDER) == KSTACK_SIZE, "PROC_KSTACK_ORDER matches the stack slots");

static unsigned stack_slot(const struct proc *p)
{
    KASSERT(p >= table && p < table + PROC_MAX); /* the idle thread keeps the boot stack */
    return (unsigned)(p - table) + 1;
}

static void free_stack(struct proc *p)
{
    kmap_stack_unmap(stack_slot(p));
    pmm_free(p->kstack, PROC_KSTACK_ORDER);
    p->kstack = 0;
}

static int alloc_stack(struct proc *p)
{
    p->kstack = pmm_alloc(PROC_KSTACK_ORDER);
    if (!p->kstack)
        return -E_NOMEM;
    kmap_stack_map(stack_slot(p), p->kstack);
    return 0;
}

void proc_free_slot(struct proc *p)
{
    struct proc *l = p->leader;
    if (l == p && p->nslots > 1)
        thread_free_group(p); /* the ended threads' slots go with the process (proc/thread.c) */
    else if (l && l != p)
        l->nslots--;
    proc_tree_leave(p);
    slots_used--;
    if (p->kstack)
        free_stack(p);
    path_cwd_release(p);
    namespace_put(p->ns);
    if (p->acct)
        account_put(p->acct); /* freed now, or with the last object still charged to it */
    memset(p, 0, sizeof(*p)); /* proc_new_slot relies on it */
}

/*
 * May `parent` (NULL: the kernel starting init) take a slot? The last PROC_RESERVED are kept for the privileged,
 * so that whatever unprivileged programs start, init can still start a shell; and the parent's process tree and
 * those enclosing it must be below their WREN_LIMIT_PROCESSES.
 */
static int may_take_slot(const struct proc *parent)
{
    bool privileged = !parent || parent->privileged;
    if (slots_used >= PROC_MAX - (privileged ? 0 : PROC_RESERVED))
        return -E_AGAIN;
    return proc_tree_may_grow(parent);
}

/*
 * A free slot for a child of `parent`, counted in its tree, with a kernel stack, a memory account limited as
 * `parent`'s memory is (none for init) and no address space yet; or NULL and *err.
 */
struct proc *proc_new_slot(struct proc *parent, bool share_account, int *err)
{
    if (thread_reap_pending)
        thread_reap_detached(); /* ended detached threads still holding slots */
    *err = may_take_slot(parent);
    if (*err)
        return 0;
    int slot;
    for (slot = 0; table[slot].state != PROC_FREE; slot++) /* slots_used < PROC_MAX: there is one */
        ;
    struct proc *p = &table[slot];
    /* A free slot is all zero already (the table starts zeroed; proc_free_slot clears what it frees): no memset of the
     * whole process (kilobytes of handle table and region set) on every fork and spawn. */
    p->state = PROC_BLOCKED; /* holds the slot while it is built */
    p->leader = p;
    p->nthreads = p->nslots = 1;
    slots_used++;
    proc_tree_join(p, parent); /* first, so that proc_free_slot undoes all of it */
    *err = alloc_stack(p);
    p->acct = share_account ? account_get(parent->acct)
                            : account_new(parent ? parent->limits[WREN_LIMIT_MEMORY] : WREN_LIMIT_UNLIMITED);
    if (!*err && !p->acct)
        *err = -E_NOMEM;
    if (*err) {
        proc_free_slot(p);
        return 0;
    }
    return p;
}

/* The user registers of p: the frame at the top of its kernel stack (see vectors.S). */
struct trap_frame *proc_user_frame(struct proc *p)
{
    uint8_t *top = (uint8_t *)kstack_top(stack_slot(p));
    return (struct trap_frame *)(top - sizeof(struct trap_frame));
}

/*
 * Give p its pid and let it run: its first switch "returns" into trap_return, straight to EL0. It may run on the CPUs
 * of `affinity` (never 0), set here before it is ready, so that it never runs outside them.
 */
static long start_proc(struct proc *p, int ppid, uint8_t prio, uint32_t affinity)
{
    struct proc *parent = proc_find(ppid); /* NULL for init, whose parent is the idle thread */

    p->pid = p->tid = proc_alloc_id();
    p->ppid = ppid;
    p->pgid = parent ? parent->pgid : p->pid; /* init starts group and session 1 */
    p->sid = parent ? parent->sid : p->pid;
    proc_limits_inherit(p, parent);
    /*
     * No process outranks the one that started it unless the privileged raise it (proc_set_priority): its limit is
     * its parent's priority now. So a program may give up CPU and take it back, but neither it nor anything it
     * starts can climb above the shell that ran it and leave the shell without the CPU.
     */
    p->prio_limit = parent ? parent->prio : SCHED_PRIOS - 1;
    p->prio = prio < p->prio_limit ? prio : p->prio_limit;
    proc_set_affinity(p, affinity);
    p->cpu = parent ? parent->cpu : 0;
    p->ctx.lr = (uint64_t)(uintptr_t)trap_return;
    p->ctx.sp = (uint64_t)(uintptr_t)proc_user_frame(p);
    sched_make_ready(p);
    return p->pid;
}

/*
 * The child's descriptors: the map spawn was given, checked whole before anything is
 * installed (nothing to undo), or without one the parent's 0-2. Either way they are not
 * close-on-exec in the child. Init (no parent) gets the console as 0-2 instead; without
 * memory for the console object it simply starts without them.
 */
static int check_fd_map(const struct wren_spawn_fd *fds, unsigned nfds, struct proc *parent)
{
    for (unsigned i = 0; i < nfds; i++) {
        if (!parent || !handle_entry(&parent->handles, fds[i].parent_fd))
            return -E_BADF;
        int c = fds[i].child_fd;
        if (c < 0 || c >= HANDLE_MAX)
            return -E_INVAL;
        for (unsigned j = 0; j < i; j++) /* at most 16 entries: a square is cheap */
            if (fds[j].child_fd == c)
                return -E_INVAL;
    }
    return 0;
}

const struct proc_event_hooks *proc_event_hooks;
static struct kobject *init_stdio; /* proc_set_init_stdio */

void proc_set_event_hooks(const struct proc_event_hooks *hooks)
{
    proc_event_hooks = hooks;
}

void proc_set_init_stdio(struct kobject *console)
{
    init_stdio = console;
}

static void give_fds(struct proc *p, struct proc *parent, const struct wren_spawn_fd *fds, unsigned nfds)
{
    if (parent && nfds) {
        for (unsigned i = 0; i < nfds; i++) {
            struct handle *from = handle_entry(&parent->handles, fds[i].parent_fd);
            handle_install_at(&p->handles, fds[i].child_fd, kobj_get(from->obj), from->rights);
        }
        return;
    }
    if (parent) {
        handle_inherit(&p->handles, &parent->handles, 3);
        for (int i = 0; i < 3; i++)
            p->handles.h[i].flags = 0;
        return;
    }
    if (!init_stdio)
        return;
    struct kobject *con = kobj_get(init_stdio);
    uint32_t rights = WREN_RIGHT_READ | WREN_RIGHT_WRITE | WREN_RIGHT_TRANSFER | WREN_RIGHT_DUPLICATE;
    for (int i = 0; i < 3; i++)
        handle_install(&p->handles, i ? kobj_get(con) : con, rights, i);
}

long proc_spawn(const char *path, const struct proc_args *a, const struct wren_spawn_fd *fds, unsigned nfds,
                const struct scheme_set *ns, int ppid, uint32_t affinity)
{
    const void *file;
    void *copy;
    struct elf_image img;
    struct proc *parent = proc_find(ppid);

    int err = check_fd_map(fds, nfds, parent);
    if (!err)
        err = find_program(path, a, &file, &copy, &img);
    if (err)
        return err;
    struct proc *p = proc_new_slot(parent, false, &err);
    if (p)
        err = build_image(&p->vm, p->acct, proc_user_frame(p), &img, file, a);
    kfree(copy);
    if (p && !err) {
        err = path_cwd_inherit(p, parent);
        if (!err && ns)
            err = (int)namespace_narrow(parent ? parent->ns : 0, ns, &p->ns);
        else if (!err)
            p->ns = namespace_get(parent ? parent->ns : 0);
        if (err)
            vm_destroy(&p->vm);
    }
    if (!p)
        return err;
    if (err) {
        proc_free_slot(p);
        return err;
    }
    set_name(p, path);
    give_fds(p, parent, fds, nfds);
    p->privileged = !parent; /* the kernel's own first process only (objects/port.h) */
    if (parent)
        signal_spawn(&p->sig, &parent->sig);
    /* spawn's option, or the parent's mask; init may run anywhere */
    return start_proc(p, ppid, SCHED_PRIO_NORMAL, affinity ? affinity : parent ? parent->affinity : UINT32_MAX);
}

/*
 * The new image is built here, beside the old one, so that a failure leaves the caller as it
 * was. Static because one CPU and a non-preemptible kernel run one exec at a time, and the
 * region list (3 KiB) is better kept off the 16 KiB kernel stack.
 */
static struct vm_space exec_vm;

int proc_exec_check(const char *path, const struct proc_args *a)
{
    const void *file;
    void *copy;
    struct elf_image img;
    int err = find_program(path, a, &file, &copy, &img);
    kfree(copy);
    return err;
}

long proc_exec(const char *path, const struct proc_args *a)
{
    struct proc *self = proc_current();
    struct proc *p = self->leader; /* the process: its only thread by now (sys_exec ended the others) */
    const void *file;
    void *copy;
    struct elf_image img;
    struct trap_frame tf;

    int err = find_program(path, a, &file, &copy, &img);
    if (!err)
        err = build_image(&exec_vm, p->acct, &tf, &img, file, a);
    kfree(copy);
    if (err)
        return err;

    /* Nothing can fail from here on. The old space may be freed only once TTBR0 has left it. */
    vm_activate(&exec_vm);
    vm_destroy(&p->vm);
    p->vm = exec_vm;
    memset(&exec_vm, 0, sizeof(exec_vm)); /* no second copy of a live space lying around */

    /* The frame syscall_handle returns through: the program starts afresh at its entry point. */
    *proc_user_frame(self) = tf;
    /* The new program starts with FP/SIMD registers and thread pointer cleared. */
    memset(&self->fp, 0, sizeof(self->fp));
    fpsimd_reload(&self->fp);
    set_name(p, path);
    if (self != p)
        set_name(self, path);
    handle_close_on_exec(&p->handles);
    signal_exec(&p->sig);
    return (long)tf.x[0]; /* the syscall result lands in x0, which must be argc */
}

long proc_fork(void)
{
    struct proc *self = proc_current(); /* only the calling thread is copied, as POSIX has it */
    struct proc *parent = self->leader;
    int err;
    struct proc *child = proc_new_slot(parent, false, &err);

    if (!child)
        return err;
    err = vm_create(&child->vm, child->acct);
    if (!err) {
        err = vm_fork(&parent->vm, &child->vm);
        if (!err)
            err = path_cwd_inherit(child, parent);
        if (err)
            vm_destroy(&child->vm);
        else
            child->ns = namespace_get(parent->ns);
    }
    if (err) {
        proc_free_slot(child);
        return err;
    }
    /* The child resumes from the same syscall, with the same registers, but sees 0. */
    *proc_user_frame(child) = *proc_user_frame(self);
    proc_user_frame(child)->x[0] = 0;
    fpsimd_sync(&self->fp); /* the live FP/SIMD registers may be newer than the parent's copy */
    child->fp = self->fp;
    memcpy(child->name, parent->name, sizeof(child->name));
    handle_inherit(&child->handles, &parent->handles, HANDLE_MAX);
    child->privileged = parent->privileged;
    signal_fork(&child->sig, &parent->sig);
    child->sig.blocked = self->sig.blocked; /* the calling thread's mask */
    return start_proc(child, parent->pid, self->prio, parent->affinity);
}

struct proc *proc_self_or_child(int pid)
{
    struct proc *self = proc_current_process();
    struct proc *p = pid == 0 ? self : proc_find(pid);

    if (!p || p->state == PROC_ZOMBIE || (p != self && p->ppid != self->pid))
        return 0;
    return p;
}

long proc_set_priority(int pid, uint32_t prio)
{
    struct proc *self = proc_current_process();

    if (prio == SCHED_PRIO_IDLE || prio >= SCHED_PRIOS)
        return -E_INVAL;
    /* pid 0 is the calling thread; a pid, its process's first thread. */
    struct proc *p = pid == 0 ? proc_current() : proc_self_or_child(pid);
    if (!p)
        return -E_SRCH;
    if (prio > p->prio_limit) {
        if (!self->privileged)
            return -E_PERM;
        p->prio_limit = (uint8_t)prio; /* raised by the privileged: it may lower itself and come back */
    }
    long old = p->prio;
    sched_set_priority(p, (uint8_t)prio);
    return old;
}

void proc_wake_child_waiters(struct proc *parent)
{
    if (!parent)
        return;
    if (parent->nslots == 1) { /* the common case: one thread */
        if (parent->waiting == WAIT_CHILD)
            sched_wake_sync(parent); /* on this CPU, which the exiting child is about to leave, if it may run here */
        return;
    }
    for (struct proc *t = proc_group_next(parent, 0); t; t = proc_group_next(parent, t))
        if (t->state == PROC_BLOCKED && t->waiting == WAIT_CHILD)
            sched_wake(t);
}

/*
 * End the current process with wait status `status`. With other threads still running, exit_group's semantics: they
 * are ended (thread_group_exit) and the last thread to end comes back here, where the group's status is the one the
 * first exit or fatal signal chose; only then go descriptors and address space, which every thread used until now.
 */
static _Noreturn void finish(int status)
{
    struct proc *self = proc_current();
    struct proc *p = self->leader;

    KASSERT(self != &idle_proc);
    if (p->nthreads > 1)
        thread_group_exit(self, status);
    if (p->group_exiting)
        status = p->group_status;
    /* Descriptors first: closing one may wake a reader or writer that needs this one gone. */
    handle_close_all(&p->handles);
    kmap_user_table_none();
    vm_destroy(&p->vm);
    oom_memory_freed(); /* a fault waiting for a victim to go may find its page now */
    fpsimd_release(&self->fp);
    p->exit_code = status;
    p->nthreads = 0;
    self->thread_done = true;
    self->state = PROC_ZOMBIE;
    p->state = PROC_ZOMBIE; /* the process, whichever thread ended last */
    /*
     * Orphans go to init, which reaps them. A stopped one would have nobody left to continue
     * it: like POSIX's orphaned process groups, it gets SIGHUP and SIGCONT (and so ends,
     * unless it handles or ignores SIGHUP).
     */
    struct proc *init = proc_find(1);
    if (p->tree_procs > 1) /* a tree to hand up (proc/limits.c): not the common case, a process with no children */
        proc_tree_hand_up_children(p);
    for (int i = 0; i < PROC_MAX; i++) {
        struct proc *c = &table[i];
        if (c->state != PROC_FREE && c->ppid == p->pid) {
            c->ppid = 1; /* a thread's copy too */
            if (proc_is_thread(c))
                continue;
            if (c->state == PROC_ZOMBIE)
                proc_wake_child_waiters(init);
            if (c->stop_sig) {
                signal_post(c, WREN_SIGNAL_SIGHUP);
                signal_post(c, WREN_SIGNAL_SIGCONT);
            }
        }
    }
    proc_event_hooks->exited(p);
    struct proc *parent = proc_find(p->ppid);
    proc_wake_child_waiters(parent);
    signal_post(parent, WREN_SIGNAL_SIGCHLD);
    if (p->pid == 1)
        sched_kick(&cpus[0]); /* the boot CPU's idle loop reaps init and powers off (proc_idle_work) */
    sched_exit_current();
}

_Noreturn void proc_exit(int code)
{
    struct proc *p = proc_current();
    if (p->pid == 1)
        kprintf("wren: %s (pid 1) exited with status %d\n", p->name, code);
    finish(code & 0xff);
}

_Noreturn void proc_exit_signal(int sig)
{
    struct proc *p = proc_current();
    if (p->pid == 1)
        kprintf("wren: %s (pid 1) killed by signal %d\n", p->name, sig);
    finish(WREN_WAIT_STATUS_SIGNALED | sig);
}

long proc_wait(int pid, user_out_ptr status, uint32_t options)
{
    struct proc *self = proc_current(); /* any thread of the parent may wait; self->pid is the process's */

    for (;;) {
        bool have_child = false;
        for (int i = 0; i < PROC_MAX; i++) {
            struct proc *c = &table[i];
            if (c->state == PROC_FREE || c->ppid != self->pid || (pid != -1 && c->pid != pid) || proc_is_thread(c))
                continue;
            have_child = true;
            if (c->state != PROC_ZOMBIE) {
                /* A stop is reported once, and the child stays: it may be continued. */
                if (!(options & WREN_WAIT_UNTRACED) || !c->stop_sig || !c->stop_report)
                    continue;
                int32_t code = WREN_WAIT_STATUS_STOPPED | c->stop_sig;
                if (status.addr && copy_to_user(status, &code, sizeof(code)))
                    return -E_FAULT;
                c->stop_report = false;
                return c->pid;
            }
            int32_t code = c->exit_code;
            if (status.addr && copy_to_user(status, &code, sizeof(code)))
                return -E_FAULT; /* the child stays a zombie: the caller may retry */
            long reaped = c->pid;
            proc_free_slot(c);
            return reaped;
        }
        if (!have_child)
            return -E_CHILD;
        if (options & WREN_WAIT_NOHANG)
            return -E_AGAIN;
        if (signal_interrupted(self))
            return -E_INTR;
        sched_block(WAIT_CHILD);
    }
}

void proc_idle_work(void)
{
    struct proc *init = proc_find(1);

    if (thread_reap_pending)
        thread_reap_detached();
    /* init has ended: reap it here, where no process's stack is in use, and stop the machine. */
    if (init && init->state == PROC_ZOMBIE) {
        struct pmm_stats st;
        proc_free_slot(init);
        pmm_get_stats(&st);
        kprintf("memory: %lu KiB free after pid 1\n", (unsigned long)(st.free_pages * 4));
        system_poweroff();
    }
}

_Noreturn void proc_kill_current(const struct trap_frame *tf, const char *reason, bool far_valid)
{
    struct proc *p = proc_current();

    if (p->tid != p->pid)
        kprintf("wren: pid %d thread %d (%s) killed: %s", p->pid, p->tid, p->name, reason);
    else
        kprintf("wren: pid %d (%s) killed: %s", p->pid, p->name, reason);
    if (far_valid)
        kprintf(" at address %#lx", (unsigned long)tf->far);
    kprintf(", pc %#lx\n", (unsigned long)tf->elr);
    proc_exit_signal(WREN_SIGNAL_SIGSEGV);
}

struct vm_space *user_vm(void)
{
    struct proc *p = proc_current();
    return !p || p == &idle_proc || p->state == PROC_ZOMBIE ? 0 : proc_vm(p);
}

struct mem_account *user_account(void)
{
    return proc_current()->acct; /* a thread holds its process's account */
}

int user_current_pid(void)
{
    struct proc *p = proc_current();
    return p ? p->pid : 0;
}
