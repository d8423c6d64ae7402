#ifndef WREN_PANIC_H
#define WREN_PANIC_H

/* Print the reason and stop the machine (power off where the firmware allows, else park). */
_Noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Power off through PSCI; if the firmware refuses (BPI-R4), say so and park the CPU. */
_Noreturn void system_poweroff(void);

#ifdef WREN_DEBUG
#define KASSERT(cond)                                                                                                  \
    do {                                                                                                               \
        if (!(cond))                                                                                                   \
            panic("assertion failed: %s at %s:%d", #cond, __FILE__, __LINE__);                                         \
    } while (0)
#else
#define KASSERT(cond)                                                                                                  \
    do {                                                                                                               \
        (void)sizeof(cond);                                                                                            \
    } while (0)
#endif

#endif
