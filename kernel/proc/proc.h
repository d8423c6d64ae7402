/*
 * Processes and threads, in a fixed table of slots. Every thread is a slot of its own (kernel stack, registers,
 * FP/SIMD state and thread pointer, signal mask, scheduling); what a process's threads share (address space, handle
 * table, signal actions, current directory, namespace, limits, memory account, family and identity) lives in the slot
 * of its first thread, the group's leader, which every thread points at (proc/thread.c). A process with one thread is
 * one slot whose leader is itself, exactly as before threads came. Address spaces get their ASIDs when they are
 * switched to (mm/asid.c).
 */
#ifndef WREN_PROC_PROC_H
#define WREN_PROC_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/context.h"
#include "arch/trap_frame.h"
#include "mm/account.h"
#include "mm/vm.h"
#include "obj/handle.h"
#include "proc/cpu.h"
#include "proc/signal.h"
#include "user_ptr.h"

#define PROC_MAX          64
#define PROC_NAME_MAX     32
#define PROC_KSTACK_ORDER 2    /* 16 KiB kernel stack per process (KSTACK_SIZE, with a guard: proc.c) */
#define PROC_ARGV_MAX     4096 /* bytes of argument strings spawn and exec accept */
#define PROC_ENV_MAX      4096 /* bytes of environment strings */
#define PROC_STRINGS_MAX  63   /* arguments, and environment strings, a program may get */
#define PROC_SPAWN_FDS    16   /* entries of spawn's descriptor map (struct wren_spawn_options) */
#define PROC_LIMITS       3    /* slots of proc->limits: WREN_LIMIT_* are 1..PROC_LIMITS-1 */
#define PROC_RESERVED     4    /* table slots only a privileged caller may take: init can always start a shell */

enum proc_state { PROC_FREE, PROC_READY, PROC_RUNNING, PROC_BLOCKED, PROC_ZOMBIE };
enum proc_wait_on { WAIT_NONE, WAIT_CHILD, WAIT_SLEEP, WAIT_QUEUE, WAIT_STOPPED };

struct proc {
    /* Identity and family; guarded by the (future) process-table lock. */
    int pid, ppid;
    int pgid, sid; /* process group and session (proc/pgroup.h) */
    enum proc_state state;
    int exit_code;    /* the wait status: WREN_WAIT_STATUS_* */
    uint8_t stop_sig; /* while stopped (proc/signal.c): the signal that stopped it; else 0 */
    bool stop_report; /* a stop its parent has not collected yet (wait with WREN_WAIT_UNTRACED) */
    char name[PROC_NAME_MAX];
    char *cwd;            /* current directory, canonical and kmalloc'd; NULL is the root (proc/cwd.h) */
    struct namespace *ns; /* the schemes it may reach (proc/namespace.h); NULL: all. Kept by fork and exec */
    bool privileged; /* system privilege ("sys." port names, device_open): init's, kept by fork and exec, not spawn */
    uint64_t limits[PROC_LIMITS]; /* indexed by WREN_LIMIT_* (proc/limits.h); inherited from the parent */
    struct mem_account *acct;     /* what its memory is charged to (mm/account.h); may outlive it */
    /*
     * The process tree WREN_LIMIT_PROCESSES counts (proc/limits.c): the nearest ancestor that has not exited (NULL for
     * init). Unlike ppid it does not jump to init when the parent ends, so an orphan stays counted where it was born.
     */
    struct proc *tree_parent;
    uint32_t tree_procs; /* processes in the tree rooted here, itself and zombies included */

    /* Scheduling: sched.c owns these. */
    uint8_t prio;       /* higher runs first; SCHED_PRIO_* */
    uint8_t prio_limit; /* the highest priority it may be given (proc_set_priority): its parent's priority */
    uint32_t affinity;  /* the CPUs it may run on, bit i = cpus[i] (sched_set_affinity); inherited, never 0 */
    int cpu;            /* the CPU it runs on, last ran on, or whose ready queue or sleeper list holds it */
    uint64_t slice_end; /* when its current time slice ends (ns); 0 = a fresh slice next time it runs */
    enum proc_wait_on waiting;
    uint64_t wake_at; /* WAIT_SLEEP, and WAIT_QUEUE with a deadline: when to wake (ns) */
    /* The IPC handoff tests both at once (sched_can_handoff): 0 means not sleeping and free to run anywhere. */
    union {
        struct {
            bool sleeping; /* on the sleeper list (linked by next) */
            bool pinned;   /* affinity leaves out some CPU (proc_set_affinity keeps it right) */
        };
        uint16_t sleeping_or_pinned;
    };
    struct waitq *wq; /* the wait queue it sleeps on (proc/waitq.c), linked by wq_next */
    struct proc *wq_next;
    bool wq_timed_out; /* its deadline took it off its wait queue (waitq_timed_out); cleared when it runs */
    struct proc *next, *prev;

    /*
     * Threads (proc/thread.c). Fields marked "leader" mean something in the leader's slot only; a thread's pid, ppid,
     * pgid, sid, name and privileged are copies made at clone, so code reaching process-wide state goes through
     * `leader` (proc_leader) wherever the slot may be a thread's.
     */
    struct proc *leader;   /* the slot holding what the threads share: itself for a process's first thread */
    int tid;               /* thread id, from the pid space: the pid for the first thread */
    uint16_t nthreads;     /* leader: threads that have not ended (its own included while it runs) */
    uint16_t nslots;       /* leader: slots of the group, itself and ended threads not yet reaped */
    bool thread_done;      /* this thread has ended (a leader's slot then stays, holding the process, until the last) */
    bool detached;         /* nobody joins it: its slot is freed once it has ended (thread_reap_detached) */
    bool joined;           /* a thread_join waits for it */
    bool group_exiting;    /* leader: exit, a fatal signal or exec is ending the other threads */
    int group_status;      /* leader: with group_exiting, the wait status the process ends with */
    uint64_t thread_value; /* thread_exit's value, for thread_join */

    /* Execution state. */
    uint64_t kstack; /* physical address of the kernel stack's pages (mapped at kstack_top(slot + 1): proc.c) */
    struct cpu_context ctx;
    struct fpsimd_state fp;
    struct vm_space vm;
    struct handle_table handles; /* file descriptors and handles (obj/handle.h) */
    struct proc_signals sig;     /* proc/signal.h */
};

/* A new program's argument and environment blocks: NUL-terminated strings, one after the other. */
struct proc_args {
    const char *argv;
    size_t argv_len;
    const char *envp;
    size_t envp_len;
};

/*
 * Is a signal pending that p does not block? A blocked call of p's should then return
 * -E_INTR. Inline: every blocking wait asks, before and after it sleeps.
 */
static inline bool signal_interrupted(const struct proc *p)
{
    return (p->sig.pending & (~p->sig.blocked | SIG_UNCATCHABLE)) != 0;
}

void proc_init(void);
/*
 * The event layer above (objects/event_source.c) reports process exits and signals to the queues watching them;
 * it registers these at start-up (event_init), before any process runs.
 */
struct proc_event_hooks {
    void (*exited)(struct proc *p);                 /* p has just become a zombie */
    void (*signal_posted)(struct proc *p, int sig); /* sig is now pending for p */
};
extern const struct proc_event_hooks *proc_event_hooks;
void proc_set_event_hooks(const struct proc_event_hooks *hooks);
/* The open console that /bin/init gets as descriptors 0-2 (kernel_main opens it; proc_spawn takes a reference). */
void proc_set_init_stdio(struct kobject *console);
/*
 * Start `path` (absolute, in the root file system) with the given arguments and environment;
 * the new pid or a negative E_*. The child's descriptors are the `nfds` entries of `fds`
 * (spawn's map), or with nfds 0 the parent's 0-2 (the console for init, whose ppid is 0). Its
 * namespace is the parent's narrowed to `ns`, or with ns NULL the parent's (proc/namespace.h). It may run on the
 * CPUs of `affinity` (existing ones only, checked by the caller), or with 0 on the parent's.
 */
struct scheme_set;
long proc_spawn(const char *path, const struct proc_args *a, const struct wren_spawn_fd *fds, unsigned nfds,
                const struct scheme_set *ns, int ppid, uint32_t affinity);
/*
 * Replace the calling process's program with `path`, keeping its pid, parent and children.
 * Returns argc (the syscall result becomes the new program's x0) or a negative E_*, in which
 * case the caller is unchanged.
 */
long proc_exec(const char *path, const struct proc_args *a);
/* set_priority: see interface/syscalls/proc.yaml. The previous priority or a negative E_*. */
long proc_set_priority(int pid, uint32_t prio);
/* find_program's checks of exec alone, building nothing: what sys_exec asks before it ends the caller's other threads.
 */
int proc_exec_check(const char *path, const struct proc_args *a);
/* A copy-on-write copy of the calling process (of its calling thread alone): the child's pid, or a negative E_*. */
long proc_fork(void);
_Noreturn void proc_exit(int code);
/* End the current process as killed by signal `sig` (its default action). */
_Noreturn void proc_exit_signal(int sig);
long proc_wait(int pid, user_out_ptr status, uint32_t options);
/* A fatal fault in the current program: one-line report, then it ends as killed by SIGSEGV. */
_Noreturn void proc_kill_current(const struct trap_frame *tf, const char *reason, bool far_valid);

/*
 * A free slot for a child of `parent` (NULL: the kernel starting init), counted in its tree, with a kernel stack and
 * a memory account: `parent`'s own, shared, for a thread (share_account), else a new one limited as `parent`'s memory
 * is; its leader is itself. NULL and *err if there is none (proc.c, used by proc/thread.c too).
 */
struct proc *proc_new_slot(struct proc *parent, bool share_account, int *err);
/* Give back a slot (of a leader: and its group's ended threads), whatever state it is in; never the running one's. */
void proc_free_slot(struct proc *p);
/* A new pid or tid. */
int proc_alloc_id(void);
/* The slots of leader's group after `after` (NULL: from the start), in table order, leader included; NULL at the end.
 */
struct proc *proc_group_next(const struct proc *leader, const struct proc *after);
/* Wake every thread of `parent` (may be NULL) that waits for a child (proc_wait). */
void proc_wake_child_waiters(struct proc *parent);

/* Run by the idle loop: when init has exited, reap it and power off. */
void proc_idle_work(void);

/* The thread running on this CPU; NULL until sched_init. Read on every syscall, hence inline. */
static inline struct proc *proc_current(void)
{
    return this_cpu()->current;
}
/* Set p's affinity mask; UINT32_MAX (every CPU) is the unpinned state. */
static inline void proc_set_affinity(struct proc *p, uint32_t mask)
{
    p->affinity = mask;
    p->pinned = mask != UINT32_MAX;
}
/* CPU `cpu`'s idle thread (pid 0, outside the process table; 0 is the boot thread). */
struct proc *proc_idle_thread(unsigned cpu);
/* The slot holding p's process-wide state (its own for a single-threaded process). */
static inline struct proc *proc_leader(const struct proc *p)
{
    return p->leader;
}
/* Is p a thread's slot other than its process's leader? Table walks over processes skip these. */
static inline bool proc_is_thread(const struct proc *p)
{
    return p->leader != p;
}
/* p's address space: its leader's. */
static inline struct vm_space *proc_vm(struct proc *p)
{
    return &p->leader->vm;
}
/* The process of the running thread: the leader's slot. */
static inline struct proc *proc_current_process(void)
{
    return this_cpu()->current->leader;
}
/* Slot i of the process table (0 <= i < PROC_MAX), whatever its state. */
struct proc *proc_slot(int i);
/* The process with this pid (zombies included), or NULL: a leader's slot, never another thread's. */
struct proc *proc_find(int pid);
/* The thread with this tid (ended ones included), or NULL. */
struct proc *proc_find_thread(int tid);
/* What set_priority and set_limit may change: the caller (pid 0, or its own pid) or a live child of it; else NULL. */
struct proc *proc_self_or_child(int pid);
/* The user registers of p: the frame its next return to user space restores. */
struct trap_frame *proc_user_frame(struct proc *p);

#endif
