/* What /bin/init and /bin/sh agree on. */
#ifndef WREN_INIT_H
#define WREN_INIT_H

/*
 * The exit status by which the shell started by init asks init to power the machine off (the
 * shell's `poweroff` built-in). Outside 0..255, so no `exit N` of the shell and no program can
 * produce it by accident. init then exits, and the kernel powers off when init ends. Only init
 * acts on it, and only for the shell it started itself.
 */
#define WREN_SH_EXIT_POWEROFF 0x100

#endif
