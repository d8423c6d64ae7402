/*
 * hexdump [-C] [file...]: the bytes of the files (or standard input) in hexadecimal, 16 to a line after the offset.
 * Without -C, as BSD hexdump prints by default: the offset in 7 hex digits, then 8 two-byte words, little-endian
 * ("0000000 3412 7856 ..."); with -C (canonical): the offset in 8 digits, 16 separate bytes and their ASCII between
 * bars. Lines that repeat the previous one are shown once as "*"; the last line is the total length. Exit status 0,
 * 1 if a file failed, 2 on bad arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int canonical;
static unsigned long long offset;
static unsigned char line[16], prev[16];
static size_t fill;
static int have_prev, starred;

static void print_line(size_t n)
{
    if (have_prev && n == 16 && memcmp(line, prev, 16) == 0) {
        if (!starred)
            printf("*\n");
        starred = 1;
        offset += n;
        return;
    }
    starred = 0;
    if (canonical) {
        printf("%08llx ", offset);
        for (size_t i = 0; i < 16; i++) {
            if (i == 8)
                printf(" ");
            if (i < n)
                printf(" %02x", line[i]);
            else
                printf("   ");
        }
        printf("  |");
        for (size_t i = 0; i < n; i++)
            putchar(line[i] >= 0x20 && line[i] < 0x7f ? line[i] : '.');
        printf("|\n");
    } else {
        printf("%07llx", offset);
        for (size_t i = 0; i < n; i += 2)
            printf(" %02x%02x", i + 1 < n ? line[i + 1] : 0, line[i]);
        printf("\n");
    }
    memcpy(prev, line, 16);
    have_prev = n == 16;
    offset += n;
}

static int dump(int fd, const char *name)
{
    unsigned char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            line[fill++] = buf[i];
            if (fill == 16) {
                print_line(16);
                fill = 0;
            }
        }
    }
    if (n < 0) {
        fprintf(stderr, "hexdump: %s: %s\n", name, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int i = 1, status = 0;
    if (i < argc && strcmp(argv[i], "-C") == 0) {
        canonical = 1;
        i++;
    }
    if (i < argc && argv[i][0] == '-' && argv[i][1] && strcmp(argv[i], "-") != 0) {
        fprintf(stderr, "usage: hexdump [-C] [file...]\n");
        return 2;
    }
    if (i == argc)
        status = dump(0, "stdin");
    for (; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0) {
            status |= dump(0, "stdin");
            continue;
        }
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            fprintf(stderr, "hexdump: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        status |= dump(fd, argv[i]);
        close(fd);
    }
    if (fill)
        print_line(fill);
    if (offset)
        printf(canonical ? "%08llx\n" : "%07llx\n", offset);
    fflush(stdout);
    return status;
}
