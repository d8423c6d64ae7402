/* What /bin/init and /bin/sh agree on. */
#ifndef WREN_INIT_H
#define WREN_INIT_H

#include <wren/abi.h>

/*
 * How the shell started by init asks init to power the machine off (the shell's `poweroff`
 * built-in): it ends itself with SIGUSR2 (BusyBox's init takes the same signal to mean
 * power-off), so init sees this wait status. No `exit N` can produce it; signalling the shell
 * with SIGUSR2 from outside does the same, on purpose. Only init acts on it, and only for the
 * shell it started itself; init then exits, and the kernel powers off when init ends.
 */
#define WREN_SH_POWEROFF_SIGNAL WREN_SIGNAL_SIGUSR2
#define WREN_SH_EXIT_POWEROFF   (WREN_WAIT_STATUS_SIGNALED | WREN_SH_POWEROFF_SIGNAL)

#endif
