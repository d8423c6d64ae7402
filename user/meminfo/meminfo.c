/*
 * meminfo: physical memory — total, free, kept by the kernel, in use by processes — and the kernel's heap, from
 * /scheme/sys/memory ("key value" lines, values in bytes or counts).
 */
#include <stdio.h>
#include <string.h>

struct field {
    const char *key;
    unsigned long long value;
    int seen;
};

int main(int argc, char **argv)
{
    (void)argv;
    if (argc > 1) {
        fprintf(stderr, "usage: meminfo\n");
        return 2;
    }
    struct field fields[] = {{"total", 0, 0},     {"free", 0, 0},       {"kernel", 0, 0},      {"used", 0, 0},
                             {"page_size", 0, 0}, {"heap_pages", 0, 0}, {"heap_objects", 0, 0}};
    enum { TOTAL, FREE, KERNEL, USED, PAGE, HEAP_PAGES, HEAP_OBJECTS, NFIELDS };
    FILE *f = fopen("/scheme/sys/memory", "r");
    if (!f) {
        perror("meminfo: /scheme/sys/memory");
        return 1;
    }
    char key[32];
    unsigned long long value;
    while (fscanf(f, "%31s %llu", key, &value) == 2)
        for (int i = 0; i < NFIELDS; i++)
            if (strcmp(key, fields[i].key) == 0)
                fields[i].value = value, fields[i].seen = 1;
    fclose(f);
    for (int i = 0; i < NFIELDS; i++) {
        if (!fields[i].seen) {
            fprintf(stderr, "meminfo: /scheme/sys/memory has no %s\n", fields[i].key);
            return 1;
        }
    }
    printf("total  %8llu KiB\nfree   %8llu KiB\nkernel %8llu KiB\nused   %8llu KiB\npage   %8llu bytes\n",
           fields[TOTAL].value / 1024, fields[FREE].value / 1024, fields[KERNEL].value / 1024,
           fields[USED].value / 1024, fields[PAGE].value);
    printf("heap   %8llu KiB in %llu objects\n", fields[HEAP_PAGES].value * fields[PAGE].value / 1024,
           fields[HEAP_OBJECTS].value);
    return 0;
}
