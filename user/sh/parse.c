/* Splitting a command line into a pipeline of commands with redirections (sh.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "sh.h"

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool special(char c)
{
    return c == '|' || c == '<' || c == '>' || c == '&';
}

/*
 * The word at *s, unquoted, copied into the pipeline's store: its start, or NULL (*err set)
 * for an unterminated quote. *s moves past it. Quotes join: a"b c"d is one word.
 */
static char *word(const char **s, struct pipeline *p, int *err)
{
    const char *in = *s;
    char *w = p->store + p->used, *o = w;
    while (*in && !blank(*in) && !special(*in)) {
        if (*in == '\'' || *in == '"') {
            char q = *in++;
            while (*in && *in != q)
                *o++ = *in++;
            if (!*in) {
                fprintf(stderr, "sh: unterminated %c quote\n", q);
                *err = 1;
                return NULL;
            }
            in++;
        } else {
            *o++ = *in++;
        }
    }
    *o++ = 0;
    p->used = (size_t)(o - p->store);
    *s = in;
    return w;
}

/* Does the (raw) word at s start with NAME= (a letter or _, then letters, digits or _)? */
static bool is_assignment(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    while (isalnum((unsigned char)*s) || *s == '_')
        s++;
    return *s == '=';
}

int parse_line(const char *line, struct pipeline *p)
{
    const char *s = line;
    struct command *c;
    int err = 0;

    memset(p, 0, sizeof(*p));
    c = &p->cmd[0];
    for (;;) {
        while (blank(*s))
            s++;
        if (!*s)
            break;
        if (p->background) {
            fprintf(stderr, "sh: '&' must end the line\n");
            return -1;
        }
        if (*s == '|') {
            if (c->argc == 0) { /* assignments alone cannot be piped either */
                fprintf(stderr, "sh: missing command before '|'\n");
                return -1;
            }
            if (p->ncmds + 1 >= SH_CMDS_MAX) {
                fprintf(stderr, "sh: too many commands in the pipeline\n");
                return -1;
            }
            s++;
            c = &p->cmd[++p->ncmds];
            continue;
        }
        if (*s == '&') {
            s++;
            p->background = true;
            continue;
        }
        if (*s == '<' || *s == '>') {
            bool in = *s == '<', app = s[0] == '>' && s[1] == '>';
            s += app ? 2 : 1;
            while (blank(*s))
                s++;
            char *name = *s && !special(*s) ? word(&s, p, &err) : NULL;
            if (err)
                return -1;
            if (!name || !*name) {
                fprintf(stderr, "sh: missing file name after '%s'\n", in ? "<" : app ? ">>" : ">");
                return -1;
            }
            if (in) {
                c->in = name;
            } else {
                c->out = name;
                c->append = app;
            }
            continue;
        }
        const char *start = s;
        char *w = word(&s, p, &err);
        if (err)
            return -1;
        /* NAME=value before the command's name is an assignment for it (unquoted NAME only). */
        if (c->argc == 0 && is_assignment(start)) {
            if (c->nassign >= SH_ASSIGN_MAX) {
                fprintf(stderr, "sh: too many assignments\n");
                return -1;
            }
            c->assign[c->nassign++] = w;
            continue;
        }
        if (c->argc >= SH_ARGS_MAX) {
            fprintf(stderr, "sh: too many arguments\n");
            return -1;
        }
        c->argv[c->argc++] = w;
    }
    if (c->argc == 0) {
        if (p->ncmds > 0 || p->background || c->in || c->out) {
            fprintf(stderr, "sh: missing command\n");
            return -1;
        }
        if (c->nassign == 0)
            return 0; /* an empty line */
    }
    p->ncmds++;
    return 0;
}
