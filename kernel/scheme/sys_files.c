/*
 * The text of each file of /scheme/sys. Every file is one record per line, fields separated by single spaces;
 * a table (processes, syscalls) starts with a header line naming its columns, a list of facts (memory, uptime,
 * cpu) is "key value" lines; a free-text field (a process name, the board model) is always last on its line, and
 * has its control bytes replaced by '?', so it can hold spaces but never break a line. The log is the exception:
 * a "dropped N" line, then the kernel's output verbatim.
 */
#include "scheme/sys_files.h"

#include "arch/cpu.h"
#include "dev/klog.h"
#include "irq.h"
#include "lib/string.h"
#include "mm/kmalloc.h"
#include "mm/pmm.h"
#include "mm/vm.h"
#include "obj/handle.h"
#include "obj/object.h"
#include "proc/cpu.h"
#include "proc/proc.h"
#include "scheme/mounts.h"
#include "syscall_table.h"
#include "timer.h"

static struct sys_boot_facts boot_facts = {.cpu_name = "unknown", .model = "unknown"};

void sys_set_boot_facts(const struct sys_boot_facts *f)
{
    boot_facts = *f;
}

static void put_clean_str(struct textbuf *t, const char *s, size_t max)
{
    textbuf_put_clean(t, s, strnlen(s, max));
}

/* ps's words for a process's state. */
static const char *state_word(const struct proc *p)
{
    if (p->state == PROC_BLOCKED && p->waiting == WAIT_STOPPED)
        return "stop";
    switch (p->state) {
    case PROC_READY: return "ready";
    case PROC_RUNNING: return "run";
    case PROC_ZOMBIE: return "zombie";
    default: return "sleep";
    }
}

/* One line per process, in process-table order (what proc_info walks); its threads are in `threads`. */
static void write_processes(struct textbuf *t)
{
    textbuf_printf(t, "pid ppid state prio mem_kib cpu name\n");
    for (int i = 0; i < PROC_MAX; i++) {
        const struct proc *p = proc_slot(i);
        /* A slot being built (no pid yet) is not a process anyone can name. */
        if (p->state == PROC_FREE || p->pid == 0 || proc_is_thread(p))
            continue;
        /* A zombie's space is already gone (vm_destroy leaves no table). */
        uint64_t pages = p->state == PROC_ZOMBIE ? 0 : vm_resident_pages(&p->vm);
        textbuf_printf(t, "%d %d %s %u %lu %d ", p->pid, p->ppid, state_word(p), (unsigned)p->prio,
                       (unsigned long)(pages * PMM_PAGE_SIZE / 1024), p->cpu);
        put_clean_str(t, p->name, sizeof(p->name));
        textbuf_put(t, "\n", 1);
    }
}

/*
 * One line per thread, in process-table order: its tid, its process's pid (the first thread's tid is the pid), and
 * what it is doing. `processes` has one line per process, whatever its threads.
 */
static void write_threads(struct textbuf *t)
{
    textbuf_printf(t, "tid pid state prio cpu name\n");
    for (int i = 0; i < PROC_MAX; i++) {
        const struct proc *p = proc_slot(i);
        if (p->state == PROC_FREE || p->tid == 0)
            continue;
        const char *state = p->thread_done && p->state != PROC_ZOMBIE ? "ended" : state_word(p);
        textbuf_printf(t, "%d %d %s %u %d ", p->tid, p->pid, state, (unsigned)p->prio, p->cpu);
        put_clean_str(t, p->name, sizeof(p->name));
        textbuf_put(t, "\n", 1);
    }
}

/* Physical memory in bytes (mem_info's figures and what they leave), then the kernel's own heap and objects. */
static void write_memory(struct textbuf *t)
{
    struct pmm_stats st;
    struct kmalloc_stats km;
    uint64_t objects = 0;
    unsigned processes = 0, handles = 0;

    pmm_get_stats(&st);
    kmalloc_get_stats(&km);
    for (int i = 0; i < KOBJ_TYPES; i++)
        objects += kobj_live[i];
    for (int i = 0; i < PROC_MAX; i++) {
        const struct proc *p = proc_slot(i);
        if (p->state == PROC_FREE || proc_is_thread(p))
            continue;
        processes++;
        handles += (unsigned)handle_count(&p->handles);
    }
    uint64_t kernel = (st.reserved_pages + st.metadata_pages) * PMM_PAGE_SIZE;
    textbuf_printf(t,
                   "total %lu\nfree %lu\nkernel %lu\nused %lu\npage_size %lu\n"
                   "heap_pages %lu\nheap_objects %lu\nobjects %lu\nprocesses %u\nhandles %u\n",
                   (unsigned long)(st.total_pages * PMM_PAGE_SIZE), (unsigned long)(st.free_pages * PMM_PAGE_SIZE),
                   (unsigned long)kernel, (unsigned long)(st.allocated_pages * PMM_PAGE_SIZE),
                   (unsigned long)PMM_PAGE_SIZE, (unsigned long)km.pages, (unsigned long)km.live_objects,
                   (unsigned long)objects, processes, handles);
}

static void write_uptime(struct textbuf *t)
{
    uint64_t ns = timer_now_ns();
    textbuf_printf(t, "ns %lu\nseconds %lu.%09lu\n", (unsigned long)ns, (unsigned long)(ns / 1000000000u),
                   (unsigned long)(ns % 1000000000u));
}

/*
 * One line per CPU the kernel knows, after the facts: "cpuN online B idle_ns N busy_pct P switches N irqs N ipis N
 * migrations N", the counters each CPU keeps of itself (proc/cpu.h) read as they are (each an aligned 64-bit word,
 * so no value is torn; the line as a whole is not one instant). busy_pct is the share of the time since boot the CPU
 * did not spend idle, in whole percent.
 */
static void write_cpu_counters(struct textbuf *t)
{
    uint64_t now = timer_now_ns();
    for (unsigned i = 0; i < cpu_count && i < CPU_MAX; i++) {
        const struct cpu *c = &cpus[i];
        struct cpu_stats st = c->stats;
        uint64_t since = c->idle_since; /* a wait in WFI still going on counts too */
        if (since && since < now)
            st.idle_ns += now - since;
        uint64_t idle = st.idle_ns < now ? st.idle_ns : now;
        unsigned busy_pct = now ? (unsigned)((now - idle) * 100 / now) : 0;
        textbuf_printf(t, "cpu%u online %u idle_ns %lu busy_pct %u switches %lu irqs %lu ipis %lu migrations %lu\n", i,
                       (unsigned)((cpu_online_mask >> i) & 1), (unsigned long)idle, busy_pct,
                       (unsigned long)st.switches, (unsigned long)st.irqs, (unsigned long)st.ipis,
                       (unsigned long)st.migrations);
    }
}

/* MIDR_EL1's fields (Arm ARM D19.2.100): implementer [31:24], variant [23:20], part number [15:4], revision [3:0]. */
static void write_cpu(struct textbuf *t)
{
    uint64_t midr = arch_midr();
    textbuf_printf(t, "cpus %d\ncpus_online %u\nmidr %#lx\nimplementer %#lx\npart %#lx\nvariant %lu\nrevision %lu\n",
                   boot_facts.cpus_in_dtb, cpu_mask_count(cpu_online_mask), (unsigned long)midr,
                   (unsigned long)((midr >> 24) & 0xff), (unsigned long)((midr >> 4) & 0xfff),
                   (unsigned long)((midr >> 20) & 0xf), (unsigned long)(midr & 0xf));
    textbuf_printf(t, "timer_hz %lu\ngic %u\nel %u\nentry_el %u\ncpu_name ", (unsigned long)timer_counter_hz(),
                   boot_facts.gic_version, arch_current_el(), boot_facts.entry_el);
    put_clean_str(t, boot_facts.cpu_name, 64);
    textbuf_printf(t, "\nmodel ");
    put_clean_str(t, boot_facts.model, 256);
    textbuf_put(t, "\n", 1);
    write_cpu_counters(t);
}

/*
 * A line per device interrupt (SPI) with a handler, by INTID: the CPU it is routed to (irq_set_affinity), how many
 * times it was taken since its handler was registered, and how it triggers. SGIs and PPIs are left out: every CPU
 * has its own, and /scheme/sys/cpu counts what each CPU takes.
 */
static void write_irqs(struct textbuf *t)
{
    textbuf_printf(t, "intid cpu count trigger\n");
    for (uint32_t intid = 32; intid < IRQ_MAX_INTID; intid++) {
        struct irq_info in;
        if (irq_info(intid, &in))
            textbuf_printf(t, "%u %d %lu %s\n", (unsigned)intid, in.cpu, (unsigned long)in.delivered,
                           in.edge ? "edge" : "level");
    }
}

/* The mount table (scheme/mounts.h): each mount's scheme, its options, and its mount point last. */
static void write_mounts(struct textbuf *t)
{
    textbuf_printf(t, "scheme options point\n");
    for (unsigned i = 0; i < MOUNT_MAX; i++) {
        const struct mount *m = mount_at(i);
        if (!m)
            continue;
        textbuf_printf(t, "%s %s ", m->scheme, m->flags & WREN_MOUNT_READ_ONLY ? "ro" : "rw");
        put_clean_str(t, m->path, m->path_len);
        textbuf_printf(t, "\n");
    }
}

/*
 * The log's newest bytes, so that its header, the text and the snapshot around it fit one 32 KiB block of the heap
 * (a byte more would take a 64 KiB one).
 */
#define LOG_FILE_MAX (KLOG_SIZE - 256)

static void write_log(struct textbuf *t)
{
    struct logring_view v;
    klog_view(&v, LOG_FILE_MAX);
    textbuf_printf(t, "dropped %lu\n", (unsigned long)v.dropped);
    textbuf_put(t, v.first, v.first_len);
    textbuf_put(t, v.second, v.second_len);
}

/* Every syscall called at least once since boot, by number. */
static void write_syscalls(struct textbuf *t)
{
    textbuf_printf(t, "name calls errors\n");
    for (size_t i = 0; i < syscall_desc_count; i++) {
        uint64_t calls, errors;
        if (syscall_counts(syscall_descs[i].nr, &calls, &errors) && calls)
            textbuf_printf(t, "%s %lu %lu\n", syscall_descs[i].name, (unsigned long)calls, (unsigned long)errors);
    }
}

const struct sys_file sys_files[] = {
    {"cpu", write_cpu},           {"irqs", write_irqs},       {"log", write_log},
    {"memory", write_memory},     {"mounts", write_mounts},   {"processes", write_processes},
    {"syscalls", write_syscalls}, {"threads", write_threads}, {"uptime", write_uptime},
};
const size_t sys_file_count = sizeof(sys_files) / sizeof(sys_files[0]);
