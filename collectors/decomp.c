/*
 * decomp.c: digest checking and decompression as push stages; see
 * decomp.h. Both keep a fixed buffer and forward as they go, so memory
 * does not depend on the blob's size.
 */
#include "decomp.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>
#include <zstd.h>

#include "util.h"
#include "banned.h"

#define DECOMP_OUT_SIZE (128 * 1024)
#define DECOMP_SNIFF_LEN 6 /* xz magic is the longest we look at */

/* ---- digest ---------------------------------------------------------- */

struct digest_sink {
    struct sink base;
    struct sink *next;
    char *what;
    char *expected;  /* as given, may be NULL */
    const char *alg; /* "sha256" or "sha512", NULL when unsupported */
    EVP_MD_CTX *ctx;
    uint64_t count;
    int64_t expected_size; /* < 0: no check */
    char got[8 + 2 * EVP_MAX_MD_SIZE];
};

static int digest_sink_write(struct sink *s, const void *buf, size_t len,
                             struct err *e)
{
    struct digest_sink *d = (struct digest_sink *)s;

    if (!d->ctx)
        return err_set(e, "blob %s of %s: unsupported digest",
                       d->expected ? d->expected : "(none)", d->what);
    if (d->expected_size >= 0 && (uint64_t)d->expected_size - d->count < len)
        return err_set(e,
                       "blob %s of %s: larger than the %" PRId64
                       " bytes its descriptor says",
                       d->expected ? d->expected : "(no digest)", d->what,
                       d->expected_size);
    if (!EVP_DigestUpdate(d->ctx, buf, len))
        return err_set(e, "blob of %s: hashing failed", d->what);
    d->count += len;
    return d->next->write(d->next, buf, len, e);
}

static int digest_sink_close(struct sink *s, struct err *e)
{
    static const char hex[] = "0123456789abcdef";
    struct digest_sink *d = (struct digest_sink *)s;
    const char *name = d->expected ? d->expected : "(no digest)";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    size_t alen;

    if (!d->ctx)
        return err_set(e, "blob %s of %s: unsupported digest", name, d->what);
    if (!EVP_DigestFinal_ex(d->ctx, md, &n))
        return err_set(e, "blob of %s: hashing failed", d->what);
    alen = strlen(d->alg);
    memcpy(d->got, d->alg, alen);
    d->got[alen] = ':';
    for (i = 0; i < n; i++) {
        d->got[alen + 1 + 2 * i] = hex[md[i] >> 4];
        d->got[alen + 2 + 2 * i] = hex[md[i] & 15];
    }
    d->got[alen + 1 + 2 * n] = '\0';
    if (d->expected && strcmp(d->expected, d->got) != 0) {
        int rc = err_set(e, "blob %s of %s: digest mismatch (got %s)", name,
                         d->what, d->got);
        d->got[0] = '\0';
        return rc;
    }
    if (d->expected_size >= 0 && d->count != (uint64_t)d->expected_size) {
        d->got[0] = '\0';
        return err_set(e,
                       "blob %s of %s: size mismatch (descriptor says "
                       "%" PRId64 " bytes, got %" PRIu64 ")",
                       name, d->what, d->expected_size, d->count);
    }
    return d->next->close(d->next, e);
}

static void digest_sink_free(struct sink *s)
{
    struct digest_sink *d = (struct digest_sink *)s;

    if (!d)
        return;
    EVP_MD_CTX_free(d->ctx);
    free(d->what);
    free(d->expected);
    free(d);
}

/* "sha256" when expected is a well-formed sha256 or sha512 digest (or NULL,
 * meaning compute sha256), NULL otherwise. */
static const char *digest_sink_alg(const char *expected)
{
    static const struct {
        const char *alg;
        size_t hexlen;
    } algs[] = {{"sha256", 64}, {"sha512", 128}};
    size_t i, j, alen;

    if (!expected)
        return "sha256";
    for (i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        alen = strlen(algs[i].alg);
        if (strncmp(expected, algs[i].alg, alen) != 0 ||
            expected[alen] != ':' ||
            strlen(expected + alen + 1) != algs[i].hexlen)
            continue;
        for (j = alen + 1; expected[j]; j++)
            if (!strchr("0123456789abcdef", expected[j]))
                return NULL;
        return algs[i].alg;
    }
    return NULL;
}

struct sink *digest_sink_new(const char *expected, const char *what,
                             struct sink *next)
{
    struct digest_sink *d = xcalloc(1, sizeof(*d));

    d->base.write = digest_sink_write;
    d->base.close = digest_sink_close;
    d->base.free = digest_sink_free;
    d->next = next;
    d->what = xstrdup(what ? what : "blob");
    d->expected = expected ? xstrdup(expected) : NULL;
    d->expected_size = -1;
    d->alg = digest_sink_alg(expected);
    if (d->alg) {
        d->ctx = EVP_MD_CTX_new();
        if (!d->ctx ||
            !EVP_DigestInit_ex(d->ctx,
                               strcmp(d->alg, "sha512") == 0 ? EVP_sha512()
                                                             : EVP_sha256(),
                               NULL)) {
            EVP_MD_CTX_free(d->ctx);
            d->ctx = NULL; /* reported at the first write or close */
        }
    }
    return &d->base;
}

void digest_sink_expect_size(struct sink *s, int64_t size)
{
    ((struct digest_sink *)s)->expected_size = size;
}

const char *digest_sink_digest(const struct sink *s)
{
    return ((const struct digest_sink *)s)->got;
}

uint64_t digest_sink_count(const struct sink *s)
{
    return ((const struct digest_sink *)s)->count;
}

/* ---- decompression --------------------------------------------------- */

struct decomp_sink {
    struct sink base;
    struct sink *next;
    char *what;
    enum decomp_kind kind;
    int started;     /* the decoder is initialised */
    int member_done; /* gzip: at the end of a member; zstd: of a frame */
    int seen_input;
    z_stream zs;
    ZSTD_DCtx *zd;
    unsigned char sniff[DECOMP_SNIFF_LEN];
    size_t nsniff;
    unsigned char *out;
    uint64_t produced;    /* bytes handed to next */
    uint64_t layer_max;   /* 0: no limit */
    uint64_t *image_used; /* shared by the image's layers, may be NULL */
    uint64_t image_max;
    int over_limit; /* a write crossed a limit */
};

/* "8 GiB", "1.5 MiB", "512 bytes": a limit as the user would write it. */
static void decomp_size_text(uint64_t n, char *buf, size_t bufsz)
{
    static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
    double v = (double)n;
    int u = -1;

    while (v >= 1024 && u < 3) {
        v /= 1024;
        u++;
    }
    if (u < 0)
        snprintf(buf, bufsz, "%" PRIu64 " bytes", n);
    else if (v == (double)(uint64_t)v)
        snprintf(buf, bufsz, "%" PRIu64 " %s", (uint64_t)v, units[u]);
    else
        snprintf(buf, bufsz, "%.1f %s", v, units[u]);
}

/* Passes n decompressed bytes on, unless they cross a limit: then the
 * error names the blob and the limit, and decompression stops here. */
static int decomp_sink_emit(struct decomp_sink *d, const void *buf, size_t n,
                            struct err *e)
{
    char lim[32];

    if (d->layer_max && d->layer_max - d->produced < n) {
        decomp_size_text(d->layer_max, lim, sizeof(lim));
        d->over_limit = 1;
        return err_set(e,
                       "%s: decompresses to more than %s, the limit per "
                       "layer (--max-layer-size); the layer was not read",
                       d->what, lim);
    }
    if (d->image_used && d->image_max && d->image_max - *d->image_used < n) {
        decomp_size_text(d->image_max, lim, sizeof(lim));
        d->over_limit = 1;
        return err_set(e,
                       "%s: the image's layers decompress to more than %s "
                       "in all, the limit per image (--max-image-size); the "
                       "layer was not read",
                       d->what, lim);
    }
    d->produced += n;
    if (d->image_used)
        *d->image_used += n;
    return d->next->write(d->next, buf, n, e);
}

static int decomp_sink_start(struct decomp_sink *d, struct err *e)
{
    if (d->kind == DECOMP_AUTO)
        d->kind = decomp_kind_sniff(d->sniff, d->nsniff);
    switch (d->kind) {
    case DECOMP_GZIP:
        /* 16 + MAX_WBITS: gzip wrapper only, so a zlib or raw stream is
         * corrupt rather than silently accepted. */
        if (inflateInit2(&d->zs, 16 + MAX_WBITS) != Z_OK)
            return err_set(e, "%s: cannot start gzip decoder", d->what);
        break;
    case DECOMP_ZSTD:
        d->zd = ZSTD_createDCtx();
        if (!d->zd)
            return err_set(e, "%s: cannot start zstd decoder", d->what);
        break;
    case DECOMP_NONE:
        break;
    default:
        return err_set(e, "%s: unsupported compression", d->what);
    }
    d->started = 1;
    return 0;
}

static int decomp_sink_gzip(struct decomp_sink *d, const unsigned char *buf,
                            size_t len, struct err *e)
{
    int zrc;
    size_t n;

    while (len > 0) {
        if (d->member_done) {
            /* Another member follows (pigz, concatenated layers). */
            inflateReset(&d->zs);
            d->member_done = 0;
        }
        /* avail_in is a uInt: feed at most 1 GiB per round. */
        n = len > (1u << 30) ? (1u << 30) : len;
        d->zs.next_in = (unsigned char *)buf;
        d->zs.avail_in = (uInt)n;
        do {
            d->zs.next_out = d->out;
            d->zs.avail_out = DECOMP_OUT_SIZE;
            zrc = inflate(&d->zs, Z_NO_FLUSH);
            if (zrc != Z_OK && zrc != Z_STREAM_END && zrc != Z_BUF_ERROR)
                return err_set(e, "%s: corrupt gzip stream: %s", d->what,
                               d->zs.msg ? d->zs.msg : zError(zrc));
            if (d->zs.avail_out < DECOMP_OUT_SIZE &&
                decomp_sink_emit(d, d->out, DECOMP_OUT_SIZE - d->zs.avail_out,
                                 e))
                return -1;
            if (zrc == Z_STREAM_END) {
                d->member_done = 1;
                break;
            }
        } while (d->zs.avail_in > 0 || d->zs.avail_out == 0);
        n -= d->zs.avail_in;
        buf += n;
        len -= n;
    }
    return 0;
}

static int decomp_sink_zstd(struct decomp_sink *d, const unsigned char *buf,
                            size_t len, struct err *e)
{
    ZSTD_inBuffer in = {buf, len, 0};
    ZSTD_outBuffer out;
    size_t rc;

    for (;;) {
        out.dst = d->out;
        out.size = DECOMP_OUT_SIZE;
        out.pos = 0;
        rc = ZSTD_decompressStream(d->zd, &out, &in);
        if (ZSTD_isError(rc))
            return err_set(e, "%s: corrupt zstd stream: %s", d->what,
                           ZSTD_getErrorName(rc));
        /* 0: a frame is complete and flushed; the next may follow. */
        d->member_done = rc == 0;
        if (out.pos > 0 && decomp_sink_emit(d, d->out, out.pos, e))
            return -1;
        if (in.pos == in.size && out.pos < out.size)
            return 0;
    }
}

static int decomp_sink_write(struct sink *s, const void *buf, size_t len,
                             struct err *e)
{
    struct decomp_sink *d = (struct decomp_sink *)s;
    const unsigned char *p = buf;

    if (len == 0)
        return 0;
    d->seen_input = 1;
    if (!d->started) {
        if (d->kind == DECOMP_AUTO) {
            /* Hold the first bytes until we can tell what they are. */
            size_t take = DECOMP_SNIFF_LEN - d->nsniff;
            if (take > len)
                take = len;
            memcpy(d->sniff + d->nsniff, p, take);
            d->nsniff += take;
            p += take;
            len -= take;
            if (d->nsniff < DECOMP_SNIFF_LEN)
                return 0;
        }
        if (decomp_sink_start(d, e))
            return -1;
        if (d->nsniff > 0 && decomp_sink_write(s, d->sniff, d->nsniff, e))
            return -1;
        d->nsniff = 0;
        if (len == 0)
            return 0;
    }
    switch (d->kind) {
    case DECOMP_GZIP:
        return decomp_sink_gzip(d, p, len, e);
    case DECOMP_ZSTD:
        return decomp_sink_zstd(d, p, len, e);
    default:
        return decomp_sink_emit(d, p, len, e);
    }
}

static int decomp_sink_close(struct sink *s, struct err *e)
{
    struct decomp_sink *d = (struct decomp_sink *)s;

    if (!d->started && d->nsniff > 0) {
        size_t n = d->nsniff;
        if (decomp_sink_start(d, e))
            return -1;
        d->nsniff = 0;
        if (decomp_sink_write(s, d->sniff, n, e))
            return -1;
    }
    if (d->kind == DECOMP_GZIP && !d->member_done)
        return err_set(e, "%s: truncated gzip stream", d->what);
    if (d->kind == DECOMP_ZSTD && !d->member_done)
        return err_set(e, "%s: truncated zstd stream", d->what);
    if (d->kind == DECOMP_UNKNOWN)
        return err_set(e, "%s: unsupported compression", d->what);
    return d->next->close(d->next, e);
}

static void decomp_sink_free(struct sink *s)
{
    struct decomp_sink *d = (struct decomp_sink *)s;

    if (!d)
        return;
    if (d->started && d->kind == DECOMP_GZIP)
        inflateEnd(&d->zs);
    ZSTD_freeDCtx(d->zd);
    free(d->out);
    free(d->what);
    free(d);
}

struct sink *decomp_sink_new(enum decomp_kind kind, const char *what,
                             struct sink *next)
{
    struct decomp_sink *d = xcalloc(1, sizeof(*d));

    d->base.write = decomp_sink_write;
    d->base.close = decomp_sink_close;
    d->base.free = decomp_sink_free;
    d->next = next;
    d->what = xstrdup(what ? what : "blob");
    d->kind = kind;
    if (kind == DECOMP_GZIP || kind == DECOMP_ZSTD || kind == DECOMP_AUTO)
        d->out = xmalloc(DECOMP_OUT_SIZE);
    return &d->base;
}

void decomp_sink_limit(struct sink *s, uint64_t layer_max, uint64_t *image_used,
                       uint64_t image_max)
{
    struct decomp_sink *d = (struct decomp_sink *)s;

    d->layer_max = layer_max;
    d->image_used = image_used;
    d->image_max = image_max;
}

int decomp_sink_over_limit(const struct sink *s)
{
    return ((const struct decomp_sink *)s)->over_limit;
}

/* ---- kinds ----------------------------------------------------------- */

enum decomp_kind decomp_kind_for_media_type(const char *mt)
{
    static const struct {
        const char *suffix;
        enum decomp_kind kind;
    } suffixes[] = {
        {"+gzip", DECOMP_GZIP},   {".gzip", DECOMP_GZIP},
        {".tar.gz", DECOMP_GZIP}, {"+zstd", DECOMP_ZSTD},
        {".zstd", DECOMP_ZSTD},   {"+tar", DECOMP_NONE},
        {".tar", DECOMP_NONE},    {"/x-tar", DECOMP_NONE},
    };
    size_t i;

    if (!mt || !*mt)
        return DECOMP_UNKNOWN;
    /* Encrypted layers (ocicrypt) end in +encrypted and are unreadable. */
    if (strstr(mt, "+encrypted"))
        return DECOMP_UNKNOWN;
    if (!strstr(mt, "tar"))
        return DECOMP_UNKNOWN;
    for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
        if (str_has_suffix(mt, suffixes[i].suffix))
            return suffixes[i].kind;
    return DECOMP_UNKNOWN;
}

enum decomp_kind decomp_kind_sniff(const void *buf, size_t len)
{
    const unsigned char *p = buf;

    if (len >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return DECOMP_GZIP;
    /* A zstd frame, or a skippable frame (0x184D2A50..5F) before one. */
    if (len >= 4 && p[1] == 0xb5 && p[2] == 0x2f && p[3] == 0xfd &&
        p[0] == 0x28)
        return DECOMP_ZSTD;
    if (len >= 4 && (p[0] & 0xf0) == 0x50 && p[1] == 0x2a && p[2] == 0x4d &&
        p[3] == 0x18)
        return DECOMP_ZSTD;
    if (len >= 3 && memcmp(p, "BZh", 3) == 0)
        return DECOMP_UNKNOWN;
    if (len >= 6 && memcmp(p,
                           "\xfd"
                           "7zXZ\0",
                           6) == 0)
        return DECOMP_UNKNOWN;
    return DECOMP_NONE;
}

const char *decomp_kind_name(enum decomp_kind kind)
{
    switch (kind) {
    case DECOMP_NONE:
        return "none";
    case DECOMP_GZIP:
        return "gzip";
    case DECOMP_ZSTD:
        return "zstd";
    case DECOMP_AUTO:
        return "auto";
    default:
        return "unknown";
    }
}
