/*
 * img_int.h: what the image sources share inside img*.c (not for other
 * modules): the backend interface, the size limits, the small helpers.
 */
#ifndef FOURC_IMG_INT_H
#define FOURC_IMG_INT_H

#include <jansson.h>
#include <stdint.h>

#include "img.h"
#include "util.h"

#define IMG_DOC_MAX (4u << 20)     /* manifests and indexes */
#define IMG_CONFIG_MAX (16u << 20) /* image configs (history can be long) */
#define IMG_LAYERS_MAX 1000

struct img_backend;

struct img_backend_ops {
    /* The document the reference names. *digest: its expected digest when
     * the source says one (new string), else NULL. */
    int (*root)(struct img_backend *b, struct strbuf *body, char **media_type,
                char **digest, struct err *e);
    /* A manifest an index names; verified by the caller. */
    int (*manifest)(struct img_backend *b, const char *digest,
                    struct strbuf *body, struct err *e);
    /* A blob's bytes, pushed to `to` (not closed). */
    int (*blob)(struct img_backend *b, const char *digest, struct sink *to,
                struct err *e);
    /* Layer i's bytes when layers are not found by digest (docker
     * archives); NULL: blob(). */
    int (*layer)(struct img_backend *b, size_t i, struct sink *to,
                 struct err *e);
    /* After the generic reading: adjust what it made (may be NULL). */
    void (*opened)(struct img_backend *b, struct img *im);
    void (*free)(struct img_backend *b);
};

struct img_backend {
    const struct img_backend_ops *ops;
    const char *what;   /* the image reference, for errors */
    const char *tag;    /* what the reference names (set by the backend) */
    const char *digest; /* the digest it pins, or NULL */
};

/* A sink that keeps bytes in out, failing past max ("what: larger than
 * N MiB"). Lives on the caller's stack: nothing to free. */
struct img_buf_sink {
    struct sink base;
    struct strbuf *out;
    size_t max;
    const char *what;
};
void img_buf_sink_init(struct img_buf_sink *bs, struct strbuf *out, size_t max,
                       const char *what);

/* Valid "sha256:<64 hex>" or "sha512:<128 hex>": also what makes a digest
 * safe to use as a path under blobs/. */
int img_digest_ok(const char *d);

/* o[key] as a string, or NULL. Borrowed. */
const char *img_str(const json_t *o, const char *key);

/* Pushes len bytes of fd from off to `to` (stops early at end of file:
 * the sink's close then says it was short). */
int img_push_range(int fd, uint64_t off, uint64_t len, const char *what,
                   struct sink *to, struct err *e);

/* docker-archive: (img_archive.c) */
int img_archive_open(struct img *im, const char *spec, struct err *e);
/* Usage check: the archive file exists and is readable. */
int img_archive_check(const char *ref, const char *spec, struct err *e);

#endif
