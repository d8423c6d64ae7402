// sources: kernel/lib/textbuf.c kernel/lib/format.c
// The two-pass text builder: measuring without a buffer gives the length the filling pass writes; a buffer too small
// keeps exactly its first cap bytes and never writes past them; names are cleaned of control bytes.
#include <string.h>

#include "lib/textbuf.h"
#include "unit.h"

static void sample(struct textbuf *t)
{
    textbuf_printf(t, "%-5s %d\n", "pid", 7);
    textbuf_put(t, "abc", 3);
    textbuf_put_clean(t, "a\nb\tc\x7f\xff", 7);
    textbuf_printf(t, "%#lx\n", 0x41fUL);
}

static const char want[] = "pid   7\nabca?b?c??0x41f\n";

TEST(measure_then_fill)
{
    struct textbuf t;
    textbuf_init(&t, NULL, 100);
    sample(&t);
    EXPECT_EQ(t.len, strlen(want));
    EXPECT_EQ(textbuf_held(&t), 0);
    char buf[64];
    memset(buf, 'Z', sizeof(buf));
    textbuf_init(&t, buf, strlen(want));
    sample(&t);
    EXPECT_EQ(t.len, strlen(want));
    EXPECT_EQ(textbuf_held(&t), strlen(want));
    EXPECT_TRUE(memcmp(buf, want, strlen(want)) == 0);
    EXPECT_EQ(buf[strlen(want)], 'Z');
}

TEST(every_short_buffer_holds_a_prefix_and_nothing_more)
{
    for (size_t cap = 0; cap <= strlen(want); cap++) {
        char buf[64];
        memset(buf, 'Z', sizeof(buf));
        struct textbuf t;
        textbuf_init(&t, buf, cap);
        sample(&t);
        EXPECT_EQ(t.len, strlen(want));
        EXPECT_EQ(textbuf_held(&t), cap);
        EXPECT_TRUE(memcmp(buf, want, cap) == 0);
        for (size_t i = cap; i < sizeof(buf); i++)
            EXPECT_EQ(buf[i], 'Z');
    }
}
