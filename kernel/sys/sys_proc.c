/* Process syscalls (interface/syscalls/proc.yaml). */
#include "proc/cwd.h"
#include "lib/string.h"
#include "proc/cpu.h"
#include "proc/limits.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/thread.h"
#include "lib/scheme_set.h"
#include "scheme/scheme.h"
#include "syscall_table.h"

#define PATH_MAX_LEN 255

/* Bit i for every CPU the kernel knows (started or not): what set_affinity keeps of a mask (sched.c). */
static uint32_t cpus_known_mask(void)
{
    return cpu_count >= 32 ? UINT32_MAX : (1u << cpu_count) - 1;
}

_Noreturn void sys_exit(int32_t code)
{
    proc_exit(code);
}

long sys_yield(void)
{
    sched_yield();
    return 0;
}

long sys_get_pid(void)
{
    return proc_current()->pid; /* every thread's slot holds its process's pid */
}

/* One CPU and a non-preemptible kernel: static buffers are safe and keep the stack small. */
static char kpath[PATH_BUF_SIZE];
static char kargv[PROC_ARGV_MAX];
static char kenvp[PROC_ENV_MAX];
static struct wren_spawn_options kopts;

/* A block of strings (argv or envp) copied into buf: 0 or a negative E_*. */
static int copy_strings(char *buf, size_t max, user_in_ptr from, size_t len)
{
    if (len > max)
        return -E_TOOBIG;
    if (len && copy_from_user(buf, from, len))
        return -E_FAULT;
    return 0;
}

/*
 * spawn's and exec's path, arguments and environment, copied into kpath/kargv/kenvp and
 * checked as far as they can be here (the string blocks' ends: find_program in proc.c).
 */
static int copy_in_program(user_in_ptr path, size_t path_len, user_in_ptr argv, size_t argv_len, user_in_ptr envp,
                           size_t envp_len, struct proc_args *a, const char **program)
{
    if (path_len == 0)
        return -E_INVAL;
    if (path_len > PATH_MAX_LEN)
        return -E_NAMETOOLONG;
    if (argv_len > PROC_ARGV_MAX || envp_len > PROC_ENV_MAX)
        return -E_TOOBIG;
    long len = path_from_user(kpath, path, path_len);
    if (len < 0)
        return (int)len;
    int err = copy_strings(kargv, sizeof(kargv), argv, argv_len);
    if (!err)
        err = copy_strings(kenvp, sizeof(kenvp), envp, envp_len);
    if (err)
        return err;
    /* Programs are files of the file scheme, reached through the caller's namespace like any open. */
    struct scheme_target t;
    err = (int)scheme_resolve(kpath, (size_t)len, &t);
    if (err)
        return err;
    if (t.kind == SCHEME_PATH_LIST || strcmp(t.s->name, SCHEME_DEFAULT) != 0) /* names are unique: this is file */
        return -E_NOTSUP;
    *program = t.path;
    *a = (struct proc_args){kargv, argv_len, kenvp, envp_len};
    return 0;
}

/* spawn's namespace option, parsed (kns), or NULL to inherit the caller's: 0 or -E_INVAL / -E_FAULT. */
static struct scheme_set kns;
static char knames[1024];

static int copy_namespace(const struct wren_spawn_options *o, const struct scheme_set **req)
{
    *req = 0;
    if (o->namespace == WREN_NAMESPACE_MODE_INHERIT)
        return o->schemes_len ? -E_INVAL : 0;
    if (o->schemes_len > sizeof(knames))
        return -E_INVAL;
    if (o->schemes_len && copy_from_user(knames, (user_in_ptr){o->schemes}, o->schemes_len))
        return -E_FAULT;
    int err = scheme_set_parse(o->namespace, knames, o->schemes_len, &kns);
    if (!err)
        *req = &kns;
    return err;
}

long sys_spawn(user_in_buf path, user_in_buf argv, user_in_ptr options)
{
    static const struct wren_spawn_options none; /* no options: all zero, so nothing to clear on each spawn */
    struct proc_args a;
    const struct scheme_set *ns;
    const char *program;
    const struct wren_spawn_options *o = &none;

    if (options.addr) {
        if (copy_from_user(&kopts, options, sizeof(kopts)))
            return -E_FAULT;
        o = &kopts;
    }
    if (o->fd_count > PROC_SPAWN_FDS)
        return -E_INVAL;
    /* The CPUs the child may use: the ones the machine has, as set_affinity keeps them; 0 inherits. */
    uint32_t affinity = o->affinity & cpus_known_mask();
    if (o->affinity && !affinity)
        return -E_INVAL;
    int err = copy_namespace(o, &ns);
    if (!err)
        err =
            copy_in_program(path.ptr, path.len, argv.ptr, argv.len, (user_in_ptr){o->envp}, o->envp_len, &a, &program);
    return err ? err : proc_spawn(program, &a, o->fds, o->fd_count, ns, proc_current()->pid, affinity);
}

long sys_wait(int32_t pid, user_out_ptr status, uint32_t options)
{
    if (pid < -1 || pid == 0)
        return -E_CHILD;
    return proc_wait(pid, status, options);
}

long sys_exec(user_in_buf path, user_in_buf argv, user_in_buf envp)
{
    struct proc_args a;
    const char *program;
    int err = copy_in_program(path.ptr, path.len, argv.ptr, argv.len, envp.ptr, envp.len, &a, &program);
    if (!err && proc_current()->leader->nthreads > 1) {
        /* The other threads end first, but only for a program that would load: check it, end them, and copy
         * everything in again, since the static buffers may have served another process while this one waited. */
        err = proc_exec_check(program, &a);
        if (!err)
            err = (int)thread_end_others(proc_current());
        if (!err)
            err = copy_in_program(path.ptr, path.len, argv.ptr, argv.len, envp.ptr, envp.len, &a, &program);
    }
    return err ? err : proc_exec(program, &a);
}

long sys_fork(void)
{
    return proc_fork();
}

long sys_set_priority(int32_t pid, uint32_t priority)
{
    return proc_set_priority(pid, priority);
}

long sys_set_affinity(int32_t pid, uint32_t mask)
{
    struct proc *p = proc_self_or_child(pid);
    if (!p)
        return -E_SRCH;
    return sched_set_affinity(p, mask);
}

long sys_get_affinity(int32_t pid)
{
    struct proc *p = pid == 0 ? proc_current() : proc_find(pid);
    if (!p || p->state == PROC_ZOMBIE)
        return -E_SRCH;
    return p->affinity & cpus_known_mask(); /* init's "every CPU" is UINT32_MAX */
}

long sys_set_limit(int32_t pid, uint32_t resource, uint64_t value)
{
    return proc_set_limit(pid, resource, value);
}

long sys_get_limit(int32_t pid, uint32_t resource, user_out_ptr info)
{
    struct wren_limit_info li;
    long err = proc_get_limit(pid, resource, &li);
    if (err)
        return err;
    return copy_to_user(info, &li, sizeof(li)) ? -E_FAULT : 0;
}
