/*
 * Line editing on the raw console. Printable characters are inserted at the cursor and echoed;
 * backspace/DEL delete before it, Ctrl-U kills the whole line, left/right move, Ctrl-A/Ctrl-E
 * jump to the ends, up/down walk the history (ESC [ A / ESC [ B, as terminals send them),
 * Ctrl-C abandons the line and Ctrl-D on an empty line ends input. Redrawing is done with
 * backspaces, spaces and ESC [ K only, which every terminal understands.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "sh.h"

static char history[SH_HISTORY][SH_LINE_MAX];
static int hist_count; /* lines stored; the newest is history[(hist_count - 1) % SH_HISTORY] */

static void out(const char *s, size_t n)
{
    while (n) {
        ssize_t w = write(1, s, n);
        if (w <= 0)
            return;
        s += w, n -= (size_t)w;
    }
}

static void outs(const char *s)
{
    out(s, strlen(s));
}

static void back(size_t n)
{
    while (n--)
        out("\b", 1);
}

void line_history_add(const char *line)
{
    if (!line[0])
        return;
    if (hist_count && strcmp(history[(hist_count - 1) % SH_HISTORY], line) == 0)
        return;
    strncpy(history[hist_count % SH_HISTORY], line, SH_LINE_MAX - 1);
    history[hist_count % SH_HISTORY][SH_LINE_MAX - 1] = 0;
    hist_count++;
}

struct edit {
    const char *prompt;
    char *buf;
    size_t size, len, pos;
};

/* Replace the whole line with text (from the history) and put the cursor at its end. */
static void set_line(struct edit *e, const char *text)
{
    back(e->pos);
    outs("\033[K");
    size_t n = strlen(text);
    if (n > e->size - 1)
        n = e->size - 1;
    memcpy(e->buf, text, n);
    e->len = e->pos = n;
    out(e->buf, n);
}

static void insert(struct edit *e, char c)
{
    if (e->len + 1 >= e->size)
        return;
    memmove(e->buf + e->pos + 1, e->buf + e->pos, e->len - e->pos);
    e->buf[e->pos] = c;
    e->len++;
    out(e->buf + e->pos, e->len - e->pos);
    e->pos++;
    back(e->len - e->pos);
}

static void delete_before(struct edit *e)
{
    if (e->pos == 0)
        return;
    memmove(e->buf + e->pos - 1, e->buf + e->pos, e->len - e->pos);
    e->pos--, e->len--;
    out("\b", 1);
    out(e->buf + e->pos, e->len - e->pos);
    out(" ", 1);
    back(e->len - e->pos + 1);
}

#define INTERRUPTED (-2) /* getch: Ctrl-C (SIGINT, caught by the shell: jobctl.c) interrupted the read */

static int getch(void)
{
    unsigned char c;
    ssize_t n = read(0, &c, 1);
    return n == 1 ? c : n < 0 && errno == EINTR ? INTERRUPTED : -1;
}

int line_read(const char *prompt, char *buf, size_t size)
{
    static char saved[SH_LINE_MAX]; /* the line being typed, while the arrows show older ones */
    struct edit e = {prompt, buf, size, 0, 0};
    int hist_at = hist_count; /* hist_count: the line being typed */

    outs(prompt);
    for (;;) {
        int c = getch();
        if (c == -1)
            return -1;
        if (c == '\r' || c == '\n') {
            outs("\n");
            buf[e.len] = 0;
            return (int)e.len;
        }
        if (c == 0x7f || c == '\b') {
            delete_before(&e);
        } else if (c == 0x15) { /* Ctrl-U */
            set_line(&e, "");
        } else if (c == 0x03 || c == INTERRUPTED) { /* Ctrl-C: typed, or (as the console sends it) SIGINT */
            outs("^C\n");
            e.len = e.pos = 0;
            hist_at = hist_count;
            outs(prompt);
        } else if (c == 0x04) { /* Ctrl-D */
            if (e.len == 0)
                return -1;
        } else if (c == 0x01) { /* Ctrl-A */
            back(e.pos);
            e.pos = 0;
        } else if (c == 0x05) { /* Ctrl-E */
            out(e.buf + e.pos, e.len - e.pos);
            e.pos = e.len;
        } else if (c == 0x1b) {
            int c1 = getch();
            if (c1 != '[' && c1 != 'O')
                continue;
            int c2 = getch();
            int oldest = hist_count > SH_HISTORY ? hist_count - SH_HISTORY : 0;
            if (c2 == 'A' && hist_at > oldest) { /* up: an older line */
                if (hist_at == hist_count) {
                    memcpy(saved, buf, e.len);
                    saved[e.len] = 0;
                }
                hist_at--;
                set_line(&e, history[hist_at % SH_HISTORY]);
            } else if (c2 == 'B' && hist_at < hist_count) { /* down: a newer one, or the line being typed */
                hist_at++;
                set_line(&e, hist_at == hist_count ? saved : history[hist_at % SH_HISTORY]);
            } else if (c2 == 'C' && e.pos < e.len) {
                out(e.buf + e.pos, 1);
                e.pos++;
            } else if (c2 == 'D' && e.pos > 0) {
                back(1);
                e.pos--;
            }
        } else if (c >= 0x20 && c < 0x7f) {
            insert(&e, (char)c);
        }
    }
}
