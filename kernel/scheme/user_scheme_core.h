/*
 * User-space schemes, inside the scheme layer: what the registration, its requests and the data they move look
 * like, shared by user_scheme.c (the server's side: register, receive, reply, death), user_scheme_client.c (the
 * clients' side: the scheme's operations and its open files) and user_scheme_data.c (pinning client pages, copies
 * and grants). The protocol itself is interface/scheme_protocol.yaml.
 *
 * A request lives on its client's kernel stack for exactly as long as the client's call: it is queued on its
 * registration's `pending` list, moved to `held` when a server receives it, and taken off by whoever ends it (the
 * reply, the client's own signal, the server's death), who marks it done and wakes the client. Single CPU: nothing
 * here runs concurrently with anything else, only interleaved at the points where a thread blocks.
 */
#ifndef WREN_SCHEME_USER_SCHEME_CORE_H
#define WREN_SCHEME_USER_SCHEME_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/list.h"
#include "obj/object.h"
#include "proc/waitq.h"
#include "scheme/scheme.h"
#include "scheme/user_scheme.h"

#define US_PAGE       4096ull
#define US_GRANT_MIN  (16u * 1024) /* reads and writes this long or longer are granted, not copied */
#define US_BUF_MIN    4096u        /* the least buffer a server receives into: a path with its NUL, any record */
#define US_IO_MAX     (1u << 20)   /* the most one read or write asks a server for (it may return less) */
/* Pages a copy (shorter than US_GRANT_MIN) can touch: its bytes may straddle one page more than they fill. */
#define US_COPY_PAGES (US_GRANT_MIN / US_PAGE + 1)

/* A registration: what the server's handles name (obj) and what its scheme, files and requests point to. */
struct us_core {
    struct kobject obj; /* WREN_OBJECT_SCHEME_SERVER; its destroy is the server's death */
    uint32_t refs;      /* the registration while it lives, each open file, each request in progress */
    bool dead;          /* the last handle went: everything fails with E_IO from now on */
    struct scheme scheme;
    uint64_t next_tag;
    struct list pending;  /* requests no server has received yet, oldest first */
    struct list held;     /* requests a server has received and not answered */
    struct list notes;    /* cancels and closes to deliver, before any request */
    struct waitq servers; /* servers waiting in receive */
};

/* A notification for the server (cancel, close): kmalloc'd, freed when delivered or when the server dies. */
struct us_note {
    struct list link;
    uint32_t op;    /* WREN_SCHEME_OP_CANCEL or _CLOSE */
    uint64_t value; /* the cancelled request's tag, or the closed file's id */
};

/* The pages a grant shows the server, in place of the client's buffer (user_scheme_data.c). */
struct us_grant {
    struct kobject obj; /* backs the server's mapping (map_page); no handle type */
    uint32_t npages;
    uint64_t head, tail; /* the client's partial first and last pages (pinned; 0: none), copied through bounces */
    uint64_t pages[];    /* what the server sees at each page: a client page (pinned) or a bounce page */
};

enum us_state { US_PENDING, US_HELD, US_DONE };

struct us_req {
    struct list link; /* on core->pending or core->held */
    struct us_core *core;
    struct wren_scheme_request msg; /* what the server receives (buf filled in at delivery) */
    enum us_state state;
    /*
     * A server is copying to or from it (its copies may fault, and a fault may sleep while memory is short): its
     * client, interrupted meanwhile, waits for the copy to end before it withdraws the request and frees what the
     * copy uses (its pinned pages, its path, the record on its stack).
     */
    bool busy;
    long result;
    uint64_t id;     /* open: the id the server chose */
    struct waitq wq; /* the client, waiting for the end */
    /* Kernel bytes for the server (paths, NUL terminated), copied into its buffer at delivery. */
    const char *kin;
    size_t kin_len;
    /* Where a record the server answers with goes (stat, fstat, readdir), taken from its buffer at the reply. */
    void *kout;
    size_t kout_len;
    /* The client's buffer of a read (write_client: the server writes it) or write, and how it moves. */
    uint64_t uaddr;
    size_t ulen;
    bool write_client;
    struct us_grant *grant; /* a grant, or NULL */
    /* Where it went: the server that received it, and a grant's mapping there (0: none). */
    uint64_t server_buf;
    int server_pid;
    uint64_t map_addr;
    uint64_t map_len;
    unsigned npages;               /* a copy: the client's pages, pinned */
    uint64_t pages[US_COPY_PAGES]; /* (last, left uninitialised: page addresses, uaddr's offset applies to the first) */
};

static inline struct us_core *us_core_of(struct kobject *o)
{
    return (struct us_core *)o;
}

static inline void us_core_get(struct us_core *c)
{
    c->refs++;
}
void us_core_put(struct us_core *c);

/* The client's side (user_scheme_client.c). */
extern const struct scheme_ops us_scheme_ops;
/* Start req (msg.op and its fields, and the data, filled in) and wait for its end: the result (or -E_INTR, -E_IO). */
long us_call(struct us_req *req);

/* The server's side (user_scheme.c). */
/* Queue a notification for the server and wake it; a failed allocation loses a cancel (harmless), never a close. */
void us_queue_note(struct us_core *c, struct us_note *n);
/* Take req off its list and end it with `result`, waking its client. */
void us_complete(struct us_req *req, long result);

/* Data (user_scheme_data.c). */
/* Pin the client's buffer for req (uaddr, ulen, write_client set), as a copy or a grant: 0 or -E_FAULT/-E_NOMEM. */
long us_data_prepare(struct us_req *req);
/* Give every pin and grant back (the client, when its call ends). */
void us_data_release(struct us_req *req);
/* At delivery, in the server: put req's data where the server will see it, set msg.buf. 0 or E_*. */
long us_data_deliver(struct us_req *req, uint64_t buf, size_t buf_len);
/* Undo what us_data_deliver did (the request could not be given to the server after all). */
void us_data_undeliver(struct us_req *req);
/* At the reply, in the server: move `n` bytes the server answered with back to the client, unmap a grant. */
long us_data_answer(struct us_req *req, size_t n);
/* Unmap req's grant from its server, from any context (a cancel, the server's death). */
void us_data_unmap_remote(struct us_req *req);

#endif
