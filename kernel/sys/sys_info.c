/* System information syscalls (interface/syscalls/sysinfo.yaml): the process table for ps. */
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "obj/object.h"
#include "proc/proc.h"
#include "proc/smp.h"
#include "scheme/user_scheme.h"
#include "syscall_table.h"

static uint32_t state_of(const struct proc *p)
{
    if (p->state == PROC_BLOCKED && p->waiting == WAIT_STOPPED)
        return WREN_PROC_STATE_STOPPED;
    switch (p->state) {
    case PROC_READY: return WREN_PROC_STATE_READY;
    case PROC_RUNNING: return WREN_PROC_STATE_RUNNING;
    case PROC_ZOMBIE: return WREN_PROC_STATE_ZOMBIE;
    default: return WREN_PROC_STATE_BLOCKED;
    }
}

long sys_proc_info(uint32_t cursor, user_out_ptr info)
{
    for (uint32_t i = cursor; i < PROC_MAX; i++) {
        const struct proc *p = proc_slot((int)i);
        /* A slot being built (no pid yet) is not a process anyone can name. */
        if (p->state == PROC_FREE || p->pid == 0 || proc_is_thread(p))
            continue;
        struct wren_proc_info pi;
        memset(&pi, 0, sizeof(pi));
        pi.pid = p->pid;
        pi.ppid = p->ppid;
        pi.state = state_of(p);
        pi.priority = p->prio;
        /* A zombie's space is already gone (vm_destroy leaves no table). */
        pi.resident_pages = p->state == PROC_ZOMBIE ? 0 : vm_resident_pages(&p->vm);
        pi.page_size = (uint32_t)PMM_PAGE_SIZE;
        size_t n = strnlen(p->name, sizeof(pi.name) - 1);
        memcpy(pi.name, p->name, n);
        pi.name_len = (uint32_t)n;
        pi.cpu = (uint32_t)p->cpu;
        return copy_to_user(info, &pi, sizeof(pi)) ? -E_FAULT : (long)i + 1;
    }
    return -E_NOENT;
}

long sys_kernel_stats(user_out_ptr stats)
{
    struct wren_kernel_stats ks;
    struct kmalloc_stats km;

    memset(&ks, 0, sizeof(ks));
    for (int t = 0; t < KOBJ_TYPES; t++)
        ks.objects += kobj_live[t];
    ks.channels = kobj_live[WREN_OBJECT_CHANNEL];
    ks.files = kobj_live[WREN_OBJECT_FILE];
    ks.shm_objects = (uint32_t)kobj_live[WREN_OBJECT_SHM];
    ks.scheme_pages_granted = us_pages_granted;
    ks.scheme_bytes_copied = us_bytes_copied;
    kmalloc_get_stats(&km);
    ks.heap_objects = km.live_objects;
    ks.heap_pages = km.pages;
    for (int i = 0; i < PROC_MAX; i++) {
        const struct proc *p = proc_slot(i);
        if (p->state == PROC_FREE || proc_is_thread(p))
            continue;
        ks.processes++;
        ks.handles += (uint32_t)handle_count(&p->handles);
    }
    return copy_to_user(stats, &ks, sizeof(ks)) ? -E_FAULT : 0;
}

long sys_cpu_set_online(uint32_t cpu, uint32_t online)
{
    if (!proc_current()->privileged)
        return -E_PERM;
    if (online > 1)
        return -E_INVAL;
    return smp_cpu_set_online(cpu, online == 1);
}
