/*
 * The table of CPUs (proc/cpu.h). Only the boot CPU runs until SMP bring-up starts the others (proc/smp.c).
 */
#include "proc/cpu.h"

struct cpu cpus[CPU_MAX];
unsigned cpu_count = 1;
volatile uint32_t cpu_online_mask = 1;
