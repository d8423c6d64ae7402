/*
 * /bin/init: the first user program. For now it proves the path from a C program through
 * the generated userlib stubs, svc, the generated dispatcher and back: it greets, checks
 * its pid and that time moves, and exits.
 */
#include <stddef.h>
#include <stdint.h>

#include <wren/syscalls.h>

static size_t str_len(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void say(const char *s)
{
    wren_debug_write(s, str_len(s));
}

int main(void)
{
    say("init: hello from EL0\n");
    if (wren_get_pid() != 1) {
        say("init: wrong pid\n");
        return 1;
    }
    return 0;
}
