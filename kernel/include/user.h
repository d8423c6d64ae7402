/*
 * What the rest of the kernel needs to know about the running program (kernel/proc/).
 */
#ifndef WREN_USER_H
#define WREN_USER_H

struct mem_account;
struct vm_space;

/* The running program's address space, or NULL when the idle thread runs. */
struct vm_space *user_vm(void);
/* The running program's memory account (mm/account.h): what it creates is charged to it. */
struct mem_account *user_account(void);
/* The running program's pid (0 for the idle thread). */
int user_current_pid(void);

#endif
