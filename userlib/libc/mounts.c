/* Reading /scheme/sys/mounts (<wren/mounts.h>). */
#include <string.h>
#include <wren/mounts.h>

FILE *wren_mounts_open(void)
{
    char line[600];
    FILE *f = fopen(WREN_MOUNTS_FILE, "r");
    if (f && !fgets(line, sizeof(line), f)) { /* the header */
        fclose(f);
        return NULL;
    }
    return f;
}

int wren_mounts_next(FILE *f, struct wren_mount_entry *m)
{
    char line[600];
    int n;
    while (fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%63s %7s %n", m->scheme, m->options, &n) != 2)
            continue;
        line[strcspn(line, "\n")] = 0;
        if (strlen(line + n) >= sizeof(m->point))
            continue;
        strcpy(m->point, line + n);
        return 1;
    }
    return 0;
}
