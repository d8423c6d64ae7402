/* Memory accounts (account.h). */
#include <wren/abi.h>

#include "mm/account.h"
#include "mm/kmalloc.h"
#include "mm/kmap.h"

struct mem_account account_kernel = {
    .limit = WREN_LIMIT_UNLIMITED,
    .refs = 1,     /* static: the reference is never dropped */
    .pt_ops = {0}, /* the idle thread has no address space */
};

struct mem_account *account_new(uint64_t limit)
{
    struct mem_account *a = kzalloc(sizeof(*a));
    if (!a)
        return 0;
    a->limit = limit;
    a->refs = 1;
    a->pt_ops = kmap_user_pgtable_ops;
    a->pt_ops.ctx = a;
    return a;
}

void account_put(struct mem_account *a)
{
    KASSERT(a->refs > 0);
    if (--a->refs)
        return;
    KASSERT(a != &account_kernel);
    /* Every charge is uncharged from the account it was made against, before the reference it held goes. */
    KASSERT(a->used == 0 && a->user_pages == 0);
    kfree(a);
}
