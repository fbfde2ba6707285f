/*
 * fuzz_tar.c: libFuzzer target for the layer readers (untrusted input):
 * the bytes go through gzip/zstd sniffing, decompression and the tar
 * parser in small pieces; nothing may crash, leak or overrun, and memory
 * stays bounded whatever the headers claim. Run with run.sh.
 */
#include <stdint.h>
#include <stdlib.h>

#include "decomp.h"
#include "tar.h"

static int fuzz_entry(void *ctx, const struct tar_entry *te, struct err *e)
{
    (void)ctx;
    (void)e;
    /* A normalised path never climbs out of the root. */
    if (te->path &&
        (te->path[0] == '/' || (te->path[0] == '.' && te->path[1] == '.' &&
                                (te->path[2] == '/' || te->path[2] == '\0'))))
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct tar_handler h = {.entry = fuzz_entry};
    struct sink *tar = tar_sink_new(&h, NULL, "fuzz");
    struct sink *dec = decomp_sink_new(DECOMP_AUTO, "fuzz", tar);
    struct err e;
    size_t off = 0;
    int rc = 0;

    while (rc == 0 && off < size) {
        size_t n = size - off < 61 ? size - off : 61;
        rc = dec->write(dec, data + off, n, &e);
        off += n;
    }
    if (rc == 0)
        dec->close(dec, &e);
    dec->free(dec);
    tar->free(tar);
    return 0;
}
