/*
 * test_tar.c: the layer pipeline (digest -> decomp -> tar) on archives
 * built here, in memory, by a tiny tar writer: ustar, GNU long names and
 * sparse headers, pax local and global headers, base-256 numbers.
 *
 * Every well-formed archive is fed plain, gzip'd and zstd'd, in pieces of
 * 1, 7, 4096 bytes and whole, and must give the same entries each time.
 * Bad input (truncation, corruption, wrong digests, hostile sizes and
 * names) must give one clear error and no crash; a header claiming 10 GB
 * must not cost memory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <zlib.h>
#include <zstd.h>

#include "decomp.h"
#include "err.h"
#include "tar.h"
#include "util.h"

/* ---- a growable byte buffer and a tiny tar writer --------------------- */

#include "testbuf.h"

/* One header. Unset numbers are 0, name and linkname are cut to their
 * fields; big numbers use base-256 when they do not fit in octal. */
struct th {
    const char *name, *prefix, *linkname;
    char type;
    unsigned int mode;
    int64_t uid, gid, size, mtime;
    int gnu; /* GNU magic instead of POSIX ustar */
    int bad_checksum;
    int64_t sparse_real; /* 'S': the real size at 483 */
    int sparse_ext;      /* 'S': the map continues in extension blocks */
};

static void th_num(unsigned char *f, size_t n, int64_t v)
{
    size_t i;

    if (v >= 0 && (n == 8 ? v < 07777777 : v < 077777777777LL)) {
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "%0*llo", (int)n - 1, (long long)v);
        memcpy(f, tmp, n);
        return;
    }
    /* base-256, big-endian two's complement */
    for (i = n; i-- > 0;) {
        f[i] = (unsigned char)(v & 0xff);
        v >>= 8;
    }
    f[0] = (unsigned char)((f[0] & 0x7f) | 0x80);
    if (v < 0)
        f[0] = 0xff;
}

static void tw_header(struct buf *b, const struct th *h)
{
    unsigned char blk[512];
    unsigned int sum = 0;
    size_t i;

    memset(blk, 0, sizeof(blk));
    if (h->name)
        memcpy(blk, h->name, strnlen(h->name, 100));
    th_num(blk + 100, 8, h->mode);
    th_num(blk + 108, 8, h->uid);
    th_num(blk + 116, 8, h->gid);
    th_num(blk + 124, 12, h->size);
    th_num(blk + 136, 12, h->mtime);
    blk[156] = (unsigned char)h->type;
    if (h->linkname)
        memcpy(blk + 157, h->linkname, strnlen(h->linkname, 100));
    if (h->gnu) {
        memcpy(blk + 257, "ustar  \0", 8);
    } else {
        memcpy(blk + 257,
               "ustar\0"
               "00",
               8);
        if (h->prefix)
            memcpy(blk + 345, h->prefix, strnlen(h->prefix, 155));
    }
    memcpy(blk + 265, "root", 4);
    memcpy(blk + 297, "wheel", 5);
    if (h->type == 'S') {
        th_num(blk + 386, 12, 0); /* one map entry: all data at 0 */
        th_num(blk + 398, 12, h->size);
        blk[482] = (unsigned char)(h->sparse_ext ? 1 : 0);
        th_num(blk + 483, 12, h->sparse_real);
    }
    memset(blk + 148, ' ', 8);
    for (i = 0; i < 512; i++)
        sum += blk[i];
    if (h->bad_checksum)
        sum += 1;
    {
        char tmp[16];
        snprintf(tmp, sizeof(tmp), "%06o", sum & 0777777);
        memcpy(blk + 148, tmp, 7);
    }
    buf_add(b, blk, sizeof(blk));
}

/* Content padded to the block. */
static void tw_data(struct buf *b, const void *data, size_t n)
{
    buf_add(b, data, n);
    buf_zeros(b, (512 - n % 512) % 512);
}

static void tw_file(struct buf *b, const char *name, unsigned int mode,
                    const char *content)
{
    struct th h = {.name = name, .type = '0', .mode = mode};

    h.size = (int64_t)strlen(content);
    tw_header(b, &h);
    tw_data(b, content, strlen(content));
}

/* A GNU 'L' or 'K' header holding s. */
static void tw_gnu_long(struct buf *b, char type, const char *s)
{
    struct th h = {.name = "././@LongLink", .type = type, .gnu = 1};

    h.size = (int64_t)strlen(s) + 1;
    tw_header(b, &h);
    tw_data(b, s, strlen(s) + 1);
}

/* A pax header ('x' or 'g') of "key=value" strings, NULL-terminated. */
static void tw_pax(struct buf *b, char type, ...)
{
    struct strbuf recs = STRBUF_INIT;
    struct th h = {.name = "PaxHeaders/x", .type = type};
    const char *kv;
    va_list ap;

    va_start(ap, type);
    while ((kv = va_arg(ap, const char *)) != NULL) {
        /* The length counts its own digits: find the fixed point. */
        size_t body = strlen(kv) + 2, len = body + 1;
        char digits[32];
        while ((size_t)snprintf(digits, sizeof(digits), "%zu", len) + body !=
               len)
            len = (size_t)snprintf(digits, sizeof(digits), "%zu", len) + body;
        sb_addf(&recs, "%zu %s\n", len, kv);
    }
    va_end(ap);
    h.size = (int64_t)recs.len;
    tw_header(b, &h);
    tw_data(b, recs.buf, recs.len);
    sb_release(&recs);
}

static void tw_end(struct buf *b)
{
    buf_zeros(b, 1024);
}

/* ---- compression ------------------------------------------------------- */

enum comp { COMP_NONE, COMP_GZIP, COMP_ZSTD };

static void gzip_into(struct buf *out, const unsigned char *p, size_t n)
{
    z_stream zs;
    unsigned char tmp[16384];
    int rc;

    memset(&zs, 0, sizeof(zs));
    assert_int_equal(
        deflateInit2(&zs, 6, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    zs.next_in = (unsigned char *)p;
    zs.avail_in = (uInt)n;
    do {
        zs.next_out = tmp;
        zs.avail_out = sizeof(tmp);
        rc = deflate(&zs, Z_FINISH);
        buf_add(out, tmp, sizeof(tmp) - zs.avail_out);
    } while (rc == Z_OK);
    assert_int_equal(rc, Z_STREAM_END);
    deflateEnd(&zs);
}

static void compress_into(struct buf *out, enum comp c, const unsigned char *p,
                          size_t n)
{
    if (c == COMP_GZIP) {
        gzip_into(out, p, n);
    } else if (c == COMP_ZSTD) {
        size_t cap = ZSTD_compressBound(n), got;
        unsigned char *z = xmalloc(cap);
        got = ZSTD_compress(z, cap, p, n, 3);
        assert_false(ZSTD_isError(got));
        buf_add(out, z, got);
        free(z);
    } else {
        buf_add(out, p, n);
    }
}

/* ---- what the handler saw ---------------------------------------------- */

#define MAX_SEEN 32

struct seen_entry {
    char *path, *link, *whiteout, *opaque;
    enum tar_type type;
    unsigned int mode;
    int64_t uid, gid, size, stored, mtime;
    int unsafe, sparse, meta;
    uint64_t offset;
    struct strbuf content; /* first 256 bytes */
    uint64_t data_bytes;
    int ended;
};

struct seen {
    int n;
    struct seen_entry e[MAX_SEEN];
    int stop_at; /* fail entry() at this index + 1 (0: never) */
};

static char *dup_or_null(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static int on_entry(void *ctx, const struct tar_entry *te, struct err *e)
{
    struct seen *s = ctx;
    struct seen_entry *x;

    if (s->stop_at && s->n + 1 == s->stop_at)
        return err_set(e, "handler stops at %s", te->path);
    assert_true(s->n < MAX_SEEN);
    assert_int_equal(te->index, (uint64_t)s->n);
    x = &s->e[s->n++];
    x->path = xstrdup(te->path);
    x->link = xstrdup(te->linkname);
    x->whiteout = dup_or_null(te->whiteout);
    x->opaque = dup_or_null(te->opaque);
    x->type = te->type;
    x->mode = te->mode;
    x->uid = te->uid;
    x->gid = te->gid;
    x->size = te->size;
    x->stored = te->stored_size;
    x->mtime = te->mtime;
    x->unsafe = te->unsafe;
    x->sparse = te->sparse;
    x->meta = te->whiteout_meta;
    x->offset = te->offset;
    return 0;
}

static int on_data(void *ctx, const void *buf, size_t len, struct err *e)
{
    struct seen *s = ctx;
    struct seen_entry *x = &s->e[s->n - 1];
    size_t keep = x->content.len < 256 ? 256 - x->content.len : 0;

    (void)e;
    sb_add(&x->content, buf, len < keep ? len : keep);
    x->data_bytes += len;
    return 0;
}

static int on_end(void *ctx, const struct tar_entry *te, struct err *e)
{
    struct seen *s = ctx;

    (void)e;
    assert_string_equal(te->path, s->e[s->n - 1].path);
    s->e[s->n - 1].ended = 1;
    return 0;
}

static const struct tar_handler handler = {
    .entry = on_entry, .data = on_data, .end = on_end};

static void seen_release(struct seen *s)
{
    int i;

    for (i = 0; i < s->n; i++) {
        free(s->e[i].path);
        free(s->e[i].link);
        free(s->e[i].whiteout);
        free(s->e[i].opaque);
        sb_release(&s->e[i].content);
    }
    memset(s, 0, sizeof(*s));
}

/* ---- the pipeline ------------------------------------------------------ */

struct pipe {
    struct sink *digest, *decomp, *tar;
};

static void pipe_init(struct pipe *p, enum decomp_kind kind,
                      const char *expected, struct seen *s)
{
    p->tar = tar_sink_new(&handler, s, "layer 1");
    p->decomp = decomp_sink_new(kind, "layer 1", p->tar);
    p->digest = digest_sink_new(expected, "layer 1", p->decomp);
}

static void pipe_release(struct pipe *p)
{
    p->digest->free(p->digest);
    p->decomp->free(p->decomp);
    p->tar->free(p->tar);
}

/* Writes data in pieces of chunk bytes (0: whole) and closes. */
static int pipe_feed(struct pipe *p, const unsigned char *data, size_t len,
                     size_t chunk, struct err *e)
{
    size_t off = 0;

    if (!chunk)
        chunk = len ? len : 1;
    while (off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        if (p->digest->write(p->digest, data + off, n, e))
            return -1;
        off += n;
    }
    return p->digest->close(p->digest, e);
}

static const enum decomp_kind kind_of[] = {DECOMP_NONE, DECOMP_GZIP,
                                           DECOMP_ZSTD};
static const size_t chunks[] = {1, 7, 4096, 0};

/* Runs tar through every compression and chunk size; the last run's
 * entries stay in s (earlier runs must agree with it on count). Returns
 * the status, which must be the same every time; e has the last error. */
static int run_all(const struct buf *tar, struct seen *s, struct err *e)
{
    int c, k, rc = 0, first_rc = 0, first_n = -1;

    for (c = COMP_NONE; c <= COMP_ZSTD; c++) {
        struct buf z = {0};
        compress_into(&z, (enum comp)c, tar->p, tar->len);
        for (k = 0; k < (int)(sizeof(chunks) / sizeof(chunks[0])); k++) {
            struct pipe p;
            seen_release(s);
            memset(e, 0, sizeof(*e));
            pipe_init(&p, kind_of[c], NULL, s);
            rc = pipe_feed(&p, z.p, z.len, chunks[k], e);
            pipe_release(&p);
            if (first_n < 0) {
                first_n = s->n;
                first_rc = rc;
            }
            assert_int_equal(rc, first_rc);
            assert_int_equal(s->n, first_n);
        }
        buf_release(&z);
    }
    return rc;
}

/* ---- well-formed archives ---------------------------------------------- */

struct want {
    const char *path;
    enum tar_type type;
    unsigned int mode;
    const char *link;
    const char *content;
    int unsafe;
};

static void check_entries(const struct seen *s, const struct want *w, size_t n)
{
    size_t i;

    assert_int_equal(s->n, (int)n);
    for (i = 0; i < n; i++) {
        assert_string_equal(s->e[i].path, w[i].path);
        assert_int_equal(s->e[i].type, w[i].type);
        assert_int_equal(s->e[i].mode, w[i].mode);
        assert_string_equal(s->e[i].link, w[i].link ? w[i].link : "");
        assert_int_equal(s->e[i].unsafe, w[i].unsafe);
        assert_true(s->e[i].ended);
        if (w[i].content) {
            assert_int_equal(s->e[i].content.len, strlen(w[i].content));
            assert_memory_equal(s->e[i].content.buf, w[i].content,
                                strlen(w[i].content));
        } else {
            assert_int_equal(s->e[i].data_bytes, 0);
        }
    }
}

static void test_types_and_modes(void **state)
{
    static const struct want want[] = {
        {"", TAR_DIR, 0755, NULL, NULL, 0},
        {"etc", TAR_DIR, 0755, NULL, NULL, 0},
        {"etc/passwd", TAR_FILE, 0644, NULL, "root:x:0:0::/root:/bin/sh\n", 0},
        {"usr/bin/su", TAR_FILE, 04755, NULL, "ELF", 0},
        {"usr/bin/wall", TAR_FILE, 02755, NULL, "ELF2", 0},
        {"tmp", TAR_DIR, 01777, NULL, NULL, 0},
        {"bin/sh", TAR_SYMLINK, 0777, "/bin/busybox", NULL, 0},
        {"bin/ash", TAR_HARDLINK, 0755, "bin/busybox", NULL, 0},
        {"dev/null", TAR_CHAR, 0666, NULL, NULL, 0},
        {"dev/sda", TAR_BLOCK, 0660, NULL, NULL, 0},
        {"run/fifo", TAR_FIFO, 0600, NULL, NULL, 0},
        {"old/dir", TAR_DIR, 0755, NULL, NULL, 0},
        {"big", TAR_FILE, 0600, NULL, NULL, 0},
    };
    struct buf b = {0};
    struct seen s = {0};
    struct err e;
    struct th h;
    unsigned char big[5000];

    (void)state;
    tw_header(&b, &(struct th){.name = "./", .type = '5', .mode = 0755});
    tw_header(&b, &(struct th){.name = "./etc/", .type = '5', .mode = 0755});
    tw_file(&b, "./etc//passwd", 0644, "root:x:0:0::/root:/bin/sh\n");
    tw_file(&b, "usr/bin/su", 0104755, "ELF");
    tw_file(&b, "usr/./bin/wall", 02755, "ELF2");
    tw_header(&b, &(struct th){.name = "tmp", .type = '5', .mode = 041777});
    tw_header(&b, &(struct th){.name = "bin/sh",
                               .type = '2',
                               .mode = 0777,
                               .linkname = "/bin/busybox"});
    tw_header(&b, &(struct th){.name = "bin/ash",
                               .type = '1',
                               .mode = 0755,
                               .linkname = "./bin//busybox"});
    tw_header(&b, &(struct th){.name = "dev/null", .type = '3', .mode = 0666});
    tw_header(&b, &(struct th){.name = "dev/sda", .type = '4', .mode = 0660});
    tw_header(&b, &(struct th){.name = "run/fifo", .type = '6', .mode = 0600});
    /* V7: type NUL and a trailing slash is a directory. */
    tw_header(&b, &(struct th){.name = "old/dir/", .type = '\0', .mode = 0755});
    memset(big, 'x', sizeof(big));
    h = (struct th){
        .name = "big", .type = '0', .mode = 0600, .size = (int64_t)sizeof(big)};
    tw_header(&b, &h);
    tw_data(&b, big, sizeof(big));
    tw_end(&b);

    assert_int_equal(run_all(&b, &s, &e), 0);
    /* "big" content is checked by length only */
    assert_int_equal(s.e[12].data_bytes, sizeof(big));
    sb_release(&s.e[12].content);
    s.e[12].data_bytes = 0;
    check_entries(&s, want, sizeof(want) / sizeof(want[0]));
    assert_int_equal(s.e[2].uid, 0);
    seen_release(&s);
    buf_release(&b);
}

static void test_normalise_table(void **state)
{
    static const struct {
        const char *in, *out;
        int unsafe;
    } cases[] = {
        {"a/b/c", "a/b/c", 0},
        {"./a//b/./c/", "a/b/c", 0},
        {"a/../b", "b", 0},
        {"a/b/../../c", "c", 0},
        {"../etc/passwd", "etc/passwd", 1},
        {"a/../../etc/shadow", "etc/shadow", 1},
        {"/etc/passwd", "etc/passwd", 1},
        {"//etc//passwd", "etc/passwd", 1},
        {"..", "", 1},
        {".", "", 0},
        {"./", "", 0},
        {"", "", 0},
        {"a/..", "", 0},
        {"...", "...", 0},
        {"a/..b/.c", "a/..b/.c", 0},
    };
    struct strbuf sb = STRBUF_INIT;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int unsafe = tar_path_normalise(&sb, cases[i].in, strlen(cases[i].in));
        if (strcmp(sb_str(&sb), cases[i].out) != 0 || unsafe != cases[i].unsafe)
            fail_msg("%s: got \"%s\" unsafe=%d, want \"%s\" unsafe=%d",
                     cases[i].in, sb_str(&sb), unsafe, cases[i].out,
                     cases[i].unsafe);
    }
    sb_release(&sb);
}

/* ../ and absolute names, a hard link out of the root, a symlink loop:
 * all just entries, normalised and flagged. */
static void test_hostile_paths(void **state)
{
    static const struct want want[] = {
        {"etc/passwd", TAR_FILE, 0644, NULL, "evil", 1},
        {"etc/shadow", TAR_FILE, 0600, NULL, "evil2", 1},
        {"x/y", TAR_HARDLINK, 0644, "etc/shadow", NULL, 1},
        {"loop/a", TAR_SYMLINK, 0777, "b", NULL, 0},
        {"loop/b", TAR_SYMLINK, 0777, "a", NULL, 0},
        {"loop/self", TAR_SYMLINK, 0777, "../loop/self", NULL, 0},
        {"up", TAR_SYMLINK, 0777, "../../../../etc", NULL, 0},
    };
    struct buf b = {0};
    struct seen s = {0};
    struct err e;

    (void)state;
    tw_file(&b, "../../../etc/passwd", 0644, "evil");
    tw_file(&b, "/etc/shadow", 0600, "evil2");
    tw_header(&b, &(struct th){.name = "x/y",
                               .type = '1',
                               .mode = 0644,
                               .linkname = "../etc/shadow"});
    tw_header(
        &b, &(struct th){
                .name = "loop/a", .type = '2', .mode = 0777, .linkname = "b"});
    tw_header(
        &b, &(struct th){
                .name = "loop/b", .type = '2', .mode = 0777, .linkname = "a"});
    tw_header(&b, &(struct th){.name = "loop/self",
                               .type = '2',
                               .mode = 0777,
                               .linkname = "../loop/self"});
    tw_header(&b, &(struct th){.name = "up",
                               .type = '2',
                               .mode = 0777,
                               .linkname = "../../../../etc"});
    tw_end(&b);
    assert_int_equal(run_all(&b, &s, &e), 0);
    check_entries(&s, want, sizeof(want) / sizeof(want[0]));
    seen_release(&s);
    buf_release(&b);
}

static void test_whiteouts(void **state)
{
    static const struct {
        const char *name, *whiteout, *opaque;
        int meta;
    } cases[] = {
        {"etc/.wh.passwd", "etc/passwd", NULL, 0},
        {".wh.opt", "opt", NULL, 0},
        {"var/lib/.wh..wh..opq", NULL, "var/lib", 0},
        {"./.wh..wh..opq", NULL, "", 0},
        {".wh..wh.plnk", NULL, NULL, 1},
        {"a/.wh.", NULL, NULL, 1},
        {"a/wh.x", NULL, NULL, 0},
        {"a/.wh.b/c", NULL, NULL, 0},
    };
    size_t n = sizeof(cases) / sizeof(cases[0]), i;
    struct buf b = {0};
    struct seen s = {0};
    struct err e;

    (void)state;
    for (i = 0; i < n; i++)
        tw_file(&b, cases[i].name, 0644, "");
    tw_end(&b);
    assert_int_equal(run_all(&b, &s, &e), 0);
    assert_int_equal(s.n, (int)n);
    for (i = 0; i < n; i++) {
        if (cases[i].whiteout)
            assert_string_equal(s.e[i].whiteout, cases[i].whiteout);
        else
            assert_null(s.e[i].whiteout);
        if (cases[i].opaque)
            assert_string_equal(s.e[i].opaque, cases[i].opaque);
        else
            assert_null(s.e[i].opaque);
        assert_int_equal(s.e[i].meta, cases[i].meta);
    }
    seen_release(&s);
    buf_release(&b);
}

/* A 10,000-byte name through GNU 'L', pax path and the ustar prefix. */
static void test_long_names(void **state)
{
    char *name = xmalloc(10001), *link = xmalloc(10001), *want_link;
    char prefixed[300];
    struct buf b = {0};
    struct seen s = {0};
    struct err e;
    struct strbuf kv = STRBUF_INIT, kv2 = STRBUF_INIT;
    size_t i;

    (void)state;
    for (i = 0; i < 10000; i++) {
        name[i] = (i % 50 == 49) ? '/' : (char)('a' + i % 26);
        link[i] = (i % 40 == 39) ? '/' : (char)('A' + i % 26);
    }
    name[9999] = 'z';
    link[9999] = 'Z';
    name[10000] = link[10000] = '\0';

    tw_gnu_long(&b, 'L', name);
    tw_header(
        &b, &(struct th){.name = "trunc", .type = '0', .mode = 0644, .gnu = 1});
    tw_gnu_long(&b, 'L', name);
    tw_gnu_long(&b, 'K', link);
    tw_header(&b, &(struct th){.name = "trunc2",
                               .type = '1',
                               .mode = 0644,
                               .linkname = "x",
                               .gnu = 1});
    sb_addf(&kv, "path=%s", name);
    sb_addf(&kv2, "linkpath=%s", link);
    tw_pax(&b, 'x', kv.buf, kv2.buf, (const char *)NULL);
    tw_header(
        &b, &(struct th){
                .name = "trunc3", .type = '2', .mode = 0777, .linkname = "y"});
    tw_header(&b, &(struct th){.name = "name-part",
                               .prefix = "prefix/part",
                               .type = '0',
                               .mode = 0644});
    tw_end(&b);

    assert_int_equal(run_all(&b, &s, &e), 0);
    assert_int_equal(s.n, 4);
    for (i = 0; i < 3; i++) {
        assert_int_equal(strlen(s.e[i].path), 10000);
        assert_string_equal(s.e[i].path, name);
    }
    /* the hard link target is normalised (no change here), the symlink's
     * kept as stored */
    want_link = link;
    assert_string_equal(s.e[1].link, want_link);
    assert_string_equal(s.e[2].link, link);
    assert_int_equal(s.e[2].type, TAR_SYMLINK);
    snprintf(prefixed, sizeof(prefixed), "prefix/part/name-part");
    assert_string_equal(s.e[3].path, prefixed);
    sb_release(&kv);
    sb_release(&kv2);
    free(name);
    free(link);
    seen_release(&s);
    buf_release(&b);
}

/* pax numbers beyond octal, global headers and their override, base-256,
 * a fractional mtime, a pax value removed by an empty record. */
static void test_pax_and_numbers(void **state)
{
    struct buf b = {0};
    struct seen s = {0};
    struct err e;

    (void)state;
    tw_pax(&b, 'g', "uid=4000000000", "gname=staff", (const char *)NULL);
    tw_file(&b, "a", 0644, "A");
    tw_pax(&b, 'x', "uid=7", "mtime=1700000000.123456789", "gid=5000000000",
           "SCHILY.xattr.user.x=y", (const char *)NULL);
    tw_file(&b, "b", 0644, "B");
    tw_header(&b, &(struct th){.name = "c",
                               .type = '0',
                               .mode = 0644,
                               .uid = 1LL << 40,
                               .gid = 3,
                               .mtime = -1000,
                               .size = 1});
    tw_data(&b, "C", 1);
    tw_pax(&b, 'x', "path=", "size=2", (const char *)NULL);
    tw_header(&b,
              &(struct th){.name = "d", .type = '0', .mode = 0644, .size = 9});
    tw_data(&b, "DD", 2);
    tw_end(&b);

    assert_int_equal(run_all(&b, &s, &e), 0);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.e[0].uid, 4000000000LL);
    assert_int_equal(s.e[1].uid, 7);
    assert_int_equal(s.e[1].gid, 5000000000LL);
    assert_int_equal(s.e[1].mtime, 1700000000);
    assert_int_equal(s.e[2].uid, 4000000000LL); /* global beats header */
    assert_int_equal(s.e[2].gid, 3);
    assert_int_equal(s.e[2].mtime, -1000);
    assert_string_equal(s.e[3].path, "d");
    assert_int_equal(s.e[3].size, 2);
    assert_string_equal(s.e[3].content.buf, "DD");
    seen_release(&s);
    buf_release(&b);
}

/* Base-256 sizes and ids without pax. */
static void test_base256(void **state)
{
    struct buf b = {0};
    struct seen s = {0};
    struct err e;

    (void)state;
    tw_header(&b, &(struct th){.name = "n",
                               .type = '0',
                               .mode = 0644,
                               .uid = 3000000,
                               .gid = 1LL << 33,
                               .gnu = 1,
                               .size = 3});
    tw_data(&b, "abc", 3);
    tw_end(&b);
    assert_int_equal(run_all(&b, &s, &e), 0);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.e[0].uid, 3000000);
    assert_int_equal(s.e[0].gid, 1LL << 33);
    assert_string_equal(s.e[0].content.buf, "abc");
    seen_release(&s);
    buf_release(&b);
}

/* GNU old sparse: a 10 GB file stored as 1,536 bytes, with and without
 * extension blocks; the next entry must still line up. */
static void test_sparse(void **state)
{
    struct buf b = {0};
    struct seen s = {0};
    struct err e;
    unsigned char stored[1536], ext[512];

    (void)state;
    memset(stored, 's', sizeof(stored));
    tw_header(&b, &(struct th){.name = "sparse",
                               .type = 'S',
                               .mode = 0644,
                               .gnu = 1,
                               .size = sizeof(stored),
                               .sparse_real = 10000000000LL});
    tw_data(&b, stored, sizeof(stored));
    tw_header(&b, &(struct th){.name = "sparse2",
                               .type = 'S',
                               .mode = 0644,
                               .gnu = 1,
                               .size = 100,
                               .sparse_real = 10000000000LL,
                               .sparse_ext = 1});
    memset(ext, 0, sizeof(ext));
    ext[504] = 1; /* one more extension block follows */
    buf_add(&b, ext, sizeof(ext));
    ext[504] = 0;
    buf_add(&b, ext, sizeof(ext));
    tw_data(&b, stored, 100);
    tw_file(&b, "after", 0644, "ok");
    tw_pax(&b, 'x', "GNU.sparse.major=1", "GNU.sparse.minor=0",
           "GNU.sparse.name=real/name", "GNU.sparse.realsize=10000000000",
           (const char *)NULL);
    tw_header(&b, &(struct th){.name = "GNUSparseFile.0/name",
                               .type = '0',
                               .mode = 0644,
                               .size = 512});
    tw_data(&b, stored, 512);
    tw_file(&b, "after2", 0644, "ok2");
    tw_end(&b);

    assert_int_equal(run_all(&b, &s, &e), 0);
    assert_int_equal(s.n, 5);
    assert_int_equal(s.e[0].size, 10000000000LL);
    assert_int_equal(s.e[0].stored, 1536);
    assert_true(s.e[0].sparse);
    assert_int_equal(s.e[0].data_bytes, 0);
    assert_int_equal(s.e[1].size, 10000000000LL);
    assert_string_equal(s.e[2].path, "after");
    assert_string_equal(s.e[2].content.buf, "ok");
    assert_string_equal(s.e[3].path, "real/name");
    assert_int_equal(s.e[3].size, 10000000000LL);
    assert_true(s.e[3].sparse);
    assert_string_equal(s.e[4].content.buf, "ok2");
    seen_release(&s);
    buf_release(&b);
}

/* No end blocks is fine between entries; bytes after the end are not
 * read; a lone zero block at the end is fine too. */
static void test_ends(void **state)
{
    struct buf b = {0};
    struct seen s = {0};
    struct err e;

    (void)state;
    tw_file(&b, "a", 0644, "x");
    assert_int_equal(run_all(&b, &s, &e), 0);
    assert_int_equal(s.n, 1);
    buf_zeros(&b, 512);
    assert_int_equal(run_all(&b, &s, &e), 0);
    buf_zeros(&b, 512);
    buf_add(&b, "garbage after the end", 21);
    assert_int_equal(run_all(&b, &s, &e), 0);
    assert_int_equal(s.n, 1);
    buf_release(&b);
    /* a global pax header alone is an empty archive too */
    tw_pax(&b, 'g', "comment=git archive", (const char *)NULL);
    tw_end(&b);
    assert_int_equal(run_all(&b, &s, &e), 0);
    assert_int_equal(s.n, 0);
    buf_release(&b);
    /* an empty stream is an empty archive */
    assert_int_equal(run_all(&b, &s, &e), 0);
    assert_int_equal(s.n, 0);
    seen_release(&s);
    buf_release(&b);
}

/* ---- errors ------------------------------------------------------------ */

/* Builds a broken archive; expect an error containing each of want[]. */
struct bad_case {
    const char *label;
    void (*build)(struct buf *b);
    const char *want1, *want2;
};

static void bad_checksum(struct buf *b)
{
    tw_file(b, "a", 0644, "x");
    tw_header(b, &(struct th){.name = "b", .type = '0', .bad_checksum = 1});
    tw_end(b);
}

static void bad_mid_entry(struct buf *b)
{
    tw_file(b, "a", 0644, "0123456789");
    b->len -= 512 - 4;
}

static void bad_mid_header(struct buf *b)
{
    tw_file(b, "a", 0644, "x");
    tw_file(b, "b", 0644, "x");
    b->len -= 512 + 100;
}

static void bad_long_name(struct buf *b)
{
    struct th h = {
        .name = "././@LongLink", .type = 'L', .gnu = 1, .size = 70000};
    tw_header(b, &h);
    buf_zeros(b, 70144);
    tw_end(b);
}

static void bad_pax_size(struct buf *b)
{
    tw_header(
        b, &(struct th){.name = "pax", .type = 'x', .size = 2 * TAR_PAX_MAX});
    tw_end(b);
}

static void bad_pax_record(struct buf *b)
{
    static const char rec[] = "99 path=x\n";
    tw_header(b, &(struct th){.name = "pax",
                              .type = 'x',
                              .size = (int64_t)sizeof(rec) - 1});
    tw_data(b, rec, sizeof(rec) - 1);
    tw_file(b, "a", 0644, "x");
}

static void bad_pax_number(struct buf *b)
{
    tw_pax(b, 'x', "size=12abc", (const char *)NULL);
    tw_file(b, "a", 0644, "x");
}

static void bad_after_zero(struct buf *b)
{
    tw_file(b, "a", 0644, "x");
    buf_zeros(b, 512);
    tw_file(b, "b", 0644, "x");
}

static void bad_meta_at_end(struct buf *b)
{
    tw_file(b, "a", 0644, "x");
    tw_gnu_long(b, 'L', "name");
}

static void bad_huge_truncated(struct buf *b)
{
    tw_header(b, &(struct th){.name = "huge",
                              .type = '0',
                              .mode = 0644,
                              .size = 10000000000LL});
    buf_zeros(b, 100000);
}

static void bad_not_tar(struct buf *b)
{
    size_t i;
    for (i = 0; i < 1024; i++)
        buf_add(b, "Z", 1);
}

static void test_tar_errors(void **state)
{
    static const struct bad_case cases[] = {
        {"checksum", bad_checksum, "entry 1 at offset 1024",
         "bad header checksum"},
        {"mid-entry", bad_mid_entry, "truncated tar", "\"a\" (4 of 10"},
        {"mid-header", bad_mid_header, "truncated tar", "inside a header"},
        {"long name", bad_long_name, "longer than 65536", "entry 0"},
        {"pax size", bad_pax_size, "pax header of 2097152", "larger"},
        {"pax record", bad_pax_record, "malformed pax record", "entry 0"},
        {"pax number", bad_pax_number, "bad number in pax record", "size"},
        {"after zero", bad_after_zero, "header after a zero block", "entry 1"},
        {"meta at end", bad_meta_at_end, "truncated tar", "GNU header"},
        {"huge", bad_huge_truncated, "truncated tar",
         "100000 of 10000000000 bytes"},
        {"not tar", bad_not_tar, "layer 1: tar entry 0 at offset 0",
         "checksum"},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct buf b = {0};
        struct seen s = {0};
        struct err e;
        cases[i].build(&b);
        if (run_all(&b, &s, &e) == 0)
            fail_msg("%s: accepted", cases[i].label);
        if (!strstr(e.msg, cases[i].want1) || !strstr(e.msg, cases[i].want2))
            fail_msg("%s: error \"%s\" lacks \"%s\" or \"%s\"", cases[i].label,
                     e.msg, cases[i].want1, cases[i].want2);
        seen_release(&s);
        buf_release(&b);
    }
}

/* A handler's error stops the stream and keeps its sentence. */
static void test_handler_stops(void **state)
{
    struct buf b = {0}, z = {0};
    struct seen s = {0};
    struct err e;
    struct pipe p;

    (void)state;
    tw_file(&b, "a", 0644, "x");
    tw_file(&b, "b", 0644, "y");
    tw_end(&b);
    compress_into(&z, COMP_GZIP, b.p, b.len);
    s.stop_at = 2;
    pipe_init(&p, DECOMP_GZIP, NULL, &s);
    assert_int_not_equal(pipe_feed(&p, z.p, z.len, 0, &e), 0);
    assert_string_equal(e.msg, "handler stops at b");
    /* writes after an error keep failing */
    assert_int_not_equal(p.tar->write(p.tar, "x", 1, &e), 0);
    assert_int_equal(tar_sink_entries(p.tar), 1);
    pipe_release(&p);
    seen_release(&s);
    buf_release(&b);
    buf_release(&z);
}

/* ---- digests and decompression ----------------------------------------- */

static void one_file_tar(struct buf *b)
{
    tw_file(b, "etc/os-release", 0644, "ID=test\n");
    tw_end(b);
}

static void test_digest(void **state)
{
    struct buf b = {0}, z = {0};
    struct seen s = {0};
    struct err e;
    struct pipe p;
    char good[SHA256_STR_LEN], bad[SHA256_STR_LEN];

    (void)state;
    one_file_tar(&b);
    compress_into(&z, COMP_GZIP, b.p, b.len);
    sha256_str(z.p, z.len, good);
    memcpy(bad, good, sizeof(bad));
    bad[7] = bad[7] == '0' ? '1' : '0';

    pipe_init(&p, DECOMP_GZIP, good, &s);
    digest_sink_expect_size(p.digest, (int64_t)z.len);
    assert_int_equal(pipe_feed(&p, z.p, z.len, 7, &e), 0);
    assert_string_equal(digest_sink_digest(p.digest), good);
    assert_int_equal(digest_sink_count(p.digest), z.len);
    assert_int_equal(s.n, 1);
    pipe_release(&p);
    seen_release(&s);

    pipe_init(&p, DECOMP_GZIP, bad, &s);
    assert_int_not_equal(pipe_feed(&p, z.p, z.len, 4096, &e), 0);
    assert_non_null(strstr(e.msg, "blob sha256:"));
    assert_non_null(strstr(e.msg, "of layer 1: digest mismatch (got "));
    assert_non_null(strstr(e.msg, good));
    pipe_release(&p);
    seen_release(&s);

    /* size: fewer bytes fail at close, more at the write */
    pipe_init(&p, DECOMP_GZIP, good, &s);
    digest_sink_expect_size(p.digest, (int64_t)z.len + 1);
    assert_int_not_equal(pipe_feed(&p, z.p, z.len, 0, &e), 0);
    assert_non_null(strstr(e.msg, "size mismatch"));
    pipe_release(&p);
    seen_release(&s);
    pipe_init(&p, DECOMP_GZIP, NULL, &s);
    digest_sink_expect_size(p.digest, 10);
    assert_int_not_equal(pipe_feed(&p, z.p, z.len, 0, &e), 0);
    assert_non_null(strstr(e.msg, "larger than the 10 bytes"));
    pipe_release(&p);
    seen_release(&s);

    /* a malformed or unknown digest is refused */
    pipe_init(&p, DECOMP_GZIP, "md5:abc", &s);
    assert_int_not_equal(pipe_feed(&p, z.p, z.len, 0, &e), 0);
    assert_non_null(strstr(e.msg, "unsupported digest"));
    pipe_release(&p);
    seen_release(&s);

    buf_release(&b);
    buf_release(&z);
}

static void test_decomp_errors(void **state)
{
    struct buf b = {0}, gz = {0}, zs = {0};
    struct seen s = {0};
    struct err e;
    struct pipe p;
    size_t k;

    (void)state;
    one_file_tar(&b);
    compress_into(&gz, COMP_GZIP, b.p, b.len);
    compress_into(&zs, COMP_ZSTD, b.p, b.len);
    for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
        /* truncated gzip: cut the trailer */
        pipe_init(&p, DECOMP_GZIP, NULL, &s);
        assert_int_not_equal(pipe_feed(&p, gz.p, gz.len - 5, chunks[k], &e), 0);
        assert_string_equal(e.msg, "layer 1: truncated gzip stream");
        pipe_release(&p);
        seen_release(&s);

        /* corrupt gzip: a flipped byte in the deflate data or the CRC */
        gz.p[gz.len - 6] ^= 0x55;
        pipe_init(&p, DECOMP_GZIP, NULL, &s);
        assert_int_not_equal(pipe_feed(&p, gz.p, gz.len, chunks[k], &e), 0);
        assert_non_null(strstr(e.msg, "layer 1: corrupt gzip stream"));
        pipe_release(&p);
        seen_release(&s);
        gz.p[gz.len - 6] ^= 0x55;

        /* truncated zstd */
        pipe_init(&p, DECOMP_ZSTD, NULL, &s);
        assert_int_not_equal(pipe_feed(&p, zs.p, zs.len - 3, chunks[k], &e), 0);
        assert_string_equal(e.msg, "layer 1: truncated zstd stream");
        pipe_release(&p);
        seen_release(&s);

        /* corrupt zstd: bad magic, then damaged content */
        zs.p[0] ^= 0xff;
        pipe_init(&p, DECOMP_ZSTD, NULL, &s);
        assert_int_not_equal(pipe_feed(&p, zs.p, zs.len, chunks[k], &e), 0);
        assert_non_null(strstr(e.msg, "layer 1: corrupt zstd stream"));
        pipe_release(&p);
        seen_release(&s);
        zs.p[0] ^= 0xff;

        /* gzip data given to zstd and the other way round */
        pipe_init(&p, DECOMP_ZSTD, NULL, &s);
        assert_int_not_equal(pipe_feed(&p, gz.p, gz.len, chunks[k], &e), 0);
        assert_non_null(strstr(e.msg, "corrupt zstd stream"));
        pipe_release(&p);
        seen_release(&s);
        pipe_init(&p, DECOMP_GZIP, NULL, &s);
        assert_int_not_equal(pipe_feed(&p, zs.p, zs.len, chunks[k], &e), 0);
        assert_non_null(strstr(e.msg, "corrupt gzip stream"));
        pipe_release(&p);
        seen_release(&s);

        /* an empty gzip blob is a truncated one */
        pipe_init(&p, DECOMP_GZIP, NULL, &s);
        assert_int_not_equal(pipe_feed(&p, gz.p, 0, chunks[k], &e), 0);
        assert_non_null(strstr(e.msg, "truncated gzip"));
        pipe_release(&p);
        seen_release(&s);
    }
    /* zstd with a damaged block: the content checksum or the block
     * decoder must notice (the test's frames carry no checksum, so break
     * the block header instead). */
    zs.p[zs.len / 2] ^= 0xa5;
    zs.p[6] ^= 0xff;
    pipe_init(&p, DECOMP_ZSTD, NULL, &s);
    assert_int_not_equal(pipe_feed(&p, zs.p, zs.len, 0, &e), 0);
    pipe_release(&p);
    seen_release(&s);
    buf_release(&b);
    buf_release(&gz);
    buf_release(&zs);
}

/* Two gzip members (pigz, concatenated writers) and two zstd frames read
 * as one stream; DECOMP_AUTO picks the right decoder from 1-byte writes. */
static void test_multi_member_and_sniff(void **state)
{
    struct buf b = {0}, z = {0};
    struct seen s = {0};
    struct err e;
    struct pipe p;
    size_t half, k;
    int c;

    (void)state;
    tw_file(&b, "a", 0644, "first");
    tw_file(&b, "b", 0644, "second");
    tw_end(&b);
    half = 512 + 512 + 100;
    for (c = COMP_NONE; c <= COMP_ZSTD; c++) {
        z.len = 0;
        compress_into(&z, (enum comp)c, b.p, half);
        compress_into(&z, (enum comp)c, b.p + half, b.len - half);
        for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
            enum decomp_kind kinds[2] = {kind_of[c], DECOMP_AUTO};
            int j;
            for (j = 0; j < 2; j++) {
                pipe_init(&p, kinds[j], NULL, &s);
                assert_int_equal(pipe_feed(&p, z.p, z.len, chunks[k], &e), 0);
                assert_int_equal(s.n, 2);
                assert_string_equal(s.e[1].content.buf, "second");
                pipe_release(&p);
                seen_release(&s);
            }
        }
    }
    /* trailing garbage after a gzip member is corruption */
    z.len = 0;
    compress_into(&z, COMP_GZIP, b.p, b.len);
    buf_add(&z, "junk", 4);
    pipe_init(&p, DECOMP_GZIP, NULL, &s);
    assert_int_not_equal(pipe_feed(&p, z.p, z.len, 0, &e), 0);
    assert_non_null(strstr(e.msg, "corrupt gzip stream"));
    pipe_release(&p);
    seen_release(&s);
    buf_release(&b);
    buf_release(&z);
}

/* ---- decompressed-size limits ------------------------------------------- */

struct count_sink {
    struct sink base;
    uint64_t n;
};

static int count_write(struct sink *s, const void *buf, size_t len,
                       struct err *e)
{
    (void)buf;
    (void)e;
    ((struct count_sink *)s)->n += len;
    return 0;
}

static int count_close(struct sink *s, struct err *e)
{
    (void)s;
    (void)e;
    return 0;
}

static void count_free(struct sink *s)
{
    (void)s;
}

/* Feeds data in chunk-byte writes (0: whole) into a decomp sink limited
 * to layer_max (and image_max over *used); the bytes passed on are in
 * *out. */
static int limit_feed(enum decomp_kind kind, const struct buf *z, size_t chunk,
                      uint64_t layer_max, uint64_t *used, uint64_t image_max,
                      uint64_t *out, struct err *e)
{
    struct count_sink cs = {{count_write, count_close, count_free}, 0};
    int over;
    struct sink *d =
        decomp_sink_new(kind, "layer 2 (sha256:ab) of img", &cs.base);
    size_t off = 0;
    int rc = 0;

    decomp_sink_limit(d, layer_max, used, image_max);
    if (!chunk)
        chunk = z->len ? z->len : 1;
    while (rc == 0 && off < z->len) {
        size_t n = z->len - off < chunk ? z->len - off : chunk;
        rc = d->write(d, z->p + off, n, e);
        off += n;
    }
    if (rc == 0)
        rc = d->close(d, e);
    over = decomp_sink_over_limit(d);
    d->free(d);
    *out = cs.n;
    /* Only a limit sets the flag, and every limit failure sets it. */
    assert_int_equal(over, rc != 0);
    return rc;
}

/* Exactly the limit passes; one byte more fails with the blob and the
 * limit named, and not a byte past the limit is passed on; the image's
 * total is shared by its layers. Every compression, every chunk size. */
static void test_decomp_limits(void **state)
{
    struct buf raw = {0}, z = {0};
    struct err e;
    uint64_t out, used;
    size_t k, i;
    int c;

    (void)state;
    for (i = 0; i < 300; i++)
        tw_file(&raw, "f", 0644, "some content that compresses well, again");
    tw_end(&raw);
    for (c = COMP_NONE; c <= COMP_ZSTD; c++) {
        z.len = 0;
        compress_into(&z, (enum comp)c, raw.p, raw.len);
        for (k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
            assert_int_equal(limit_feed(kind_of[c], &z, chunks[k], raw.len,
                                        NULL, 0, &out, &e),
                             0);
            assert_int_equal(out, raw.len);
            memset(&e, 0, sizeof(e));
            assert_int_not_equal(limit_feed(kind_of[c], &z, chunks[k],
                                            raw.len - 1, NULL, 0, &out, &e),
                                 0);
            assert_true(out <= raw.len - 1);
            assert_non_null(strstr(e.msg, "layer 2 (sha256:ab) of img: "
                                          "decompresses to more than"));
            assert_non_null(strstr(e.msg, "(--max-layer-size)"));
            /* Two layers sharing an image limit of 1.5 layers. */
            used = 0;
            assert_int_equal(limit_feed(kind_of[c], &z, chunks[k], 0, &used,
                                        raw.len + raw.len / 2, &out, &e),
                             0);
            assert_int_not_equal(limit_feed(kind_of[c], &z, chunks[k], 0, &used,
                                            raw.len + raw.len / 2, &out, &e),
                                 0);
            assert_true(used <= raw.len + raw.len / 2);
            assert_non_null(strstr(e.msg, "the image's layers decompress to "
                                          "more than"));
            assert_non_null(strstr(e.msg, "(--max-image-size)"));
        }
    }
    /* The limit as a person writes it. */
    z.len = 0;
    compress_into(&z, COMP_GZIP, raw.p, raw.len);
    assert_int_not_equal(
        limit_feed(DECOMP_GZIP, &z, 0, 1024, NULL, 0, &out, &e), 0);
    assert_non_null(strstr(e.msg, "more than 1 KiB, the limit per layer"));
    assert_int_not_equal(
        limit_feed(DECOMP_GZIP, &z, 0, 1536, NULL, 0, &out, &e), 0);
    assert_non_null(strstr(e.msg, "more than 1.5 KiB"));
    assert_int_not_equal(
        limit_feed(DECOMP_GZIP, &z, 0, 1000, NULL, 0, &out, &e), 0);
    assert_non_null(strstr(e.msg, "more than 1000 bytes"));
    buf_release(&raw);
    buf_release(&z);
}

static void test_media_types(void **state)
{
    static const struct {
        const char *mt;
        enum decomp_kind kind;
    } cases[] = {
        {"application/vnd.oci.image.layer.v1.tar", DECOMP_NONE},
        {"application/vnd.oci.image.layer.v1.tar+gzip", DECOMP_GZIP},
        {"application/vnd.oci.image.layer.v1.tar+zstd", DECOMP_ZSTD},
        {"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
         DECOMP_GZIP},
        {"application/vnd.docker.image.rootfs.diff.tar.gzip", DECOMP_GZIP},
        {"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
         DECOMP_GZIP},
        {"application/vnd.docker.image.rootfs.diff.tar", DECOMP_NONE},
        {"application/vnd.oci.image.layer.v1.tar+gzip+encrypted",
         DECOMP_UNKNOWN},
        {"application/vnd.oci.image.config.v1+json", DECOMP_UNKNOWN},
        {"", DECOMP_UNKNOWN},
        {NULL, DECOMP_UNKNOWN},
    };
    static const struct {
        const char *bytes;
        size_t n;
        enum decomp_kind kind;
    } sniffs[] = {
        {"\x1f\x8b\x08\x00", 4, DECOMP_GZIP},
        {"\x28\xb5\x2f\xfd", 4, DECOMP_ZSTD},
        {"\x50\x2a\x4d\x18", 4, DECOMP_ZSTD},
        {"BZh91AY", 7, DECOMP_UNKNOWN},
        {"\xfd"
         "7zXZ\0",
         6, DECOMP_UNKNOWN},
        {"etc/\0\0\0", 7, DECOMP_NONE},
        {"", 0, DECOMP_NONE},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if (decomp_kind_for_media_type(cases[i].mt) != cases[i].kind)
            fail_msg("%s: got %s", cases[i].mt ? cases[i].mt : "NULL",
                     decomp_kind_name(decomp_kind_for_media_type(cases[i].mt)));
    for (i = 0; i < sizeof(sniffs) / sizeof(sniffs[0]); i++)
        assert_int_equal(decomp_kind_sniff(sniffs[i].bytes, sniffs[i].n),
                         sniffs[i].kind);
}

/* ---- bounded memory ---------------------------------------------------- */

static long max_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

/* A header that claims 10 GB, then 64 MiB of content compressed on the
 * fly and pushed as it is made, then the end: a clean "truncated" error,
 * and the process grew by far less than the content. */
static void test_huge_entry_bounded(void **state)
{
    static unsigned char zeros[65536];
    struct buf hdr = {0};
    struct seen s = {0};
    struct err e;
    struct pipe p;
    z_stream zs;
    unsigned char out[65536];
    long before = max_rss_kb(), after;
    int i, rc = 0;

    (void)state;
    tw_header(&hdr, &(struct th){.name = "huge",
                                 .type = '0',
                                 .mode = 0644,
                                 .size = 10LL * 1000 * 1000 * 1000});
    pipe_init(&p, DECOMP_GZIP, NULL, &s);
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(
        deflateInit2(&zs, 1, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY), Z_OK);
    for (i = 0; i <= 1024 && rc == 0; i++) {
        int flush = i == 1024 ? Z_FINISH : Z_NO_FLUSH;
        zs.next_in = i == 0 ? hdr.p : zeros;
        zs.avail_in = i == 0 ? (uInt)hdr.len : (i == 1024 ? 0 : sizeof(zeros));
        do {
            zs.next_out = out;
            zs.avail_out = sizeof(out);
            deflate(&zs, flush);
            if (sizeof(out) - zs.avail_out > 0)
                rc = p.digest->write(p.digest, out, sizeof(out) - zs.avail_out,
                                     &e);
        } while (rc == 0 && zs.avail_out == 0);
    }
    deflateEnd(&zs);
    assert_int_equal(rc, 0);
    assert_int_not_equal(p.digest->close(p.digest, &e), 0);
    assert_non_null(strstr(e.msg, "truncated tar"));
    assert_non_null(strstr(e.msg, "\"huge\" (67043328 of 10000000000"));
    assert_int_equal(s.n, 1);
    assert_int_equal(s.e[0].size, 10000000000LL);
    assert_int_equal(s.e[0].data_bytes, 67043328);
    pipe_release(&p);
    seen_release(&s);
    buf_release(&hdr);
    after = max_rss_kb();
    if (after - before > 8 * 1024)
        fail_msg("peak RSS grew by %ld KiB for a 64 MiB entry", after - before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_and_modes),
        cmocka_unit_test(test_normalise_table),
        cmocka_unit_test(test_hostile_paths),
        cmocka_unit_test(test_whiteouts),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_pax_and_numbers),
        cmocka_unit_test(test_base256),
        cmocka_unit_test(test_sparse),
        cmocka_unit_test(test_ends),
        cmocka_unit_test(test_tar_errors),
        cmocka_unit_test(test_handler_stops),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_decomp_errors),
        cmocka_unit_test(test_multi_member_and_sniff),
        cmocka_unit_test(test_decomp_limits),
        cmocka_unit_test(test_media_types),
        cmocka_unit_test(test_huge_entry_bounded),
    };

    return cmocka_run_group_tests_name("tar", tests, NULL, NULL);
}
