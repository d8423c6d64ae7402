/* The `console` scheme: its root is the kernel console (objects/console_file.h), and it has nothing else. */
#include "objects/console_file.h"
#include "scheme/kernel_schemes.h"

static long console_open(struct scheme *s, const char *path, size_t len, uint32_t flags, struct kobject **out)
{
    (void)s;
    if (len != 1) /* path is canonical: "/" is the root */
        return -E_NOENT;
    (void)path;
    *out = console_file_open(flags);
    return *out ? 0 : -E_NOMEM;
}

static const struct scheme_ops console_ops = {.open = console_open};

static struct scheme console_scheme = {.ops = &console_ops, .name = "console", .name_len = 7};

void console_scheme_init(void)
{
    kernel_scheme_register(&console_scheme);
}
