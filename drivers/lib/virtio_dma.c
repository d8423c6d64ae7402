/* DMA memory for virtio drivers (<wren/virtio.h>): a dma_create object, mapped shared and read-write. */
#include <wren/syscalls.h>
#include <wren/virtio.h>

long virtio_dma_alloc(struct virtio_dma *m, size_t size)
{
    *m = (struct virtio_dma){.handle = -1};
    uint64_t phys;
    long h = wren_dma_create(size, &phys);
    if (h < 0)
        return h;
    size_t bytes = (size + 4095) & ~(size_t)4095;
    long a = wren_mmap(0, bytes, WREN_PROT_READ | WREN_PROT_WRITE, WREN_MAP_SHARED, (wren_fd_t)h, 0);
    if (a < 0) {
        wren_close((wren_fd_t)h);
        return a;
    }
    *m = (struct virtio_dma){.handle = (wren_handle_t)h, .virt = (void *)(uintptr_t)a, .phys = phys, .size = bytes};
    return 0;
}

void virtio_dma_free(struct virtio_dma *m)
{
    if (m->virt)
        wren_munmap(m->virt, m->size);
    if (m->handle >= 0)
        wren_close((wren_fd_t)m->handle);
    *m = (struct virtio_dma){.handle = -1};
}
