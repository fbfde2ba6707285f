/*
 * tar.c: a push-mode tar reader; see tar.h.
 *
 * A small state machine over 512-byte blocks: gather a header, then pass
 * the entry's content through (or skip it) and its padding, then the next
 * header. pax and GNU meta headers ('x', 'g', 'L', 'K') are gathered into
 * a capped buffer and applied to the entry that follows. Content is never
 * buffered, so a header claiming 10 GB costs a counter, not memory.
 *
 * Where formats disagree we follow Go's archive/tar, which is what Docker
 * and containerd use to apply layers: pax beats GNU beats ustar, link,
 * device, directory and fifo entries carry no content whatever their size
 * field says, a lone zero block ends the archive only if nothing follows.
 */
#include "tar.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

#define TAR_BLOCK_SIZE 512

/* pax keys seen, as bits of tar_attrs.have. */
enum {
    PAX_PATH = 1 << 0,
    PAX_LINK = 1 << 1,
    PAX_SIZE = 1 << 2,
    PAX_UID = 1 << 3,
    PAX_GID = 1 << 4,
    PAX_MTIME = 1 << 5,
    PAX_UNAME = 1 << 6,
    PAX_GNAME = 1 << 7,
    PAX_REALSIZE = 1 << 8,
    PAX_SPARSE = 1 << 9,
    PAX_CAPS = 1 << 10
};

struct tar_attrs {
    unsigned int have;
    struct strbuf path, link, uname, gname;
    int64_t size, uid, gid, mtime, realsize;
};

enum tar_state { ST_HEADER, ST_SPARSE_EXT, ST_DATA, ST_END, ST_FAILED };
enum tar_target { TARGET_ENTRY, TARGET_META };

struct tar_sink {
    struct sink base;
    const struct tar_handler *h;
    void *ctx;
    char *what;
    enum tar_state state;
    unsigned char blk[TAR_BLOCK_SIZE];
    size_t nblk;
    uint64_t offset;       /* bytes taken so far */
    uint64_t entry_offset; /* of the current entry's first header */
    uint64_t index;        /* entries reported */
    int zero_blocks;
    int pending; /* meta headers wait for their entry */

    /* content of the current header */
    enum tar_target target;
    char meta_type;
    uint64_t data_left, pad_left, data_size;
    int deliver;

    struct strbuf meta; /* a meta header's content */
    struct strbuf longname, longlink;
    int have_longname, have_longlink;
    struct tar_attrs local, global;

    struct tar_entry te;
    struct strbuf path, link, uname, gname, wh;
    char failed[sizeof(((struct err *)0)->msg)];
};

/* ---- errors ---------------------------------------------------------- */

static int tar_sink_fail(struct tar_sink *t, struct err *e, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

static int tar_sink_fail(struct tar_sink *t, struct err *e, const char *fmt,
                         ...)
{
    char why[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    snprintf(t->failed, sizeof(t->failed),
             "%s: tar entry %" PRIu64 " at offset %" PRIu64 ": %s", t->what,
             t->index, t->entry_offset, why);
    t->state = ST_FAILED;
    return err_set(e, "%s", t->failed);
}

/* A handler said stop: keep its sentence. */
static int tar_sink_stopped(struct tar_sink *t, struct err *e)
{
    if (e && !e->msg[0])
        err_set(e, "%s: tar entry %" PRIu64 ": stopped by the handler", t->what,
                t->index);
    snprintf(t->failed, sizeof(t->failed), "%s", e ? e->msg : "stopped");
    t->state = ST_FAILED;
    return -1;
}

/* ---- fields ---------------------------------------------------------- */

/* A numeric header field: octal text, or GNU base-256 (first byte 0x80
 * positive, 0xff negative). */
static int tar_num(const unsigned char *f, size_t n, int64_t *out)
{
    uint64_t v = 0;
    size_t i, end;

    if (f[0] == 0x80 || f[0] == 0xff) {
        int neg = f[0] == 0xff;
        for (i = 0; i < n; i++) {
            unsigned char b = (unsigned char)(neg ? ~f[i] : f[i]);
            if (i == 0)
                b &= 0x7f;
            if (v >> 55)
                return -1;
            v = v << 8 | b;
        }
        if (v > INT64_MAX)
            return -1;
        *out = neg ? -(int64_t)v - 1 : (int64_t)v;
        return 0;
    }
    if (f[0] & 0x80)
        return -1;
    /* Like Go: spaces and NULs around the digits are padding. */
    i = 0;
    end = n;
    while (i < end && (f[i] == ' ' || f[i] == '\0'))
        i++;
    while (end > i && (f[end - 1] == ' ' || f[end - 1] == '\0'))
        end--;
    for (; i < end; i++) {
        if (f[i] < '0' || f[i] > '7' || (v >> 60))
            return -1;
        v = v << 3 | (uint64_t)(f[i] - '0');
    }
    *out = (int64_t)v;
    return 0;
}

/* A pax decimal ("-12.5" gives -12). */
static int tar_pax_num(const char *s, size_t n, int64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    int neg = 0, digits = 0;

    if (n > 0 && (s[0] == '-' || s[0] == '+'))
        neg = s[i++] == '-';
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, digits++) {
        if (v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (!digits || v > INT64_MAX)
        return -1;
    if (i < n && s[i] == '.') /* fractions of a second */
        for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
            ;
    if (i != n)
        return -1;
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

static size_t tar_field_len(const unsigned char *f, size_t n)
{
    const unsigned char *z = memchr(f, '\0', n);
    return z ? (size_t)(z - f) : n;
}

static int tar_checksum_ok(const unsigned char *b)
{
    int64_t want;
    long us = 0, ss = 0;
    size_t i;

    if (tar_num(b + 148, 8, &want))
        return 0;
    for (i = 0; i < TAR_BLOCK_SIZE; i++) {
        unsigned char c = (i >= 148 && i < 156) ? ' ' : b[i];
        us += c;
        ss += (signed char)c;
    }
    return want == us || want == ss;
}

/* ---- paths ----------------------------------------------------------- */

int tar_path_normalise(struct strbuf *sb, const char *name, size_t n)
{
    size_t i = 0, start, len;
    int unsafe = 0;

    n = strnlen(name, n);
    sb_setlen(sb, 0);
    sb_add(sb, "", 0);
    if (n > 0 && name[0] == '/')
        unsafe = 1;
    while (i < n) {
        while (i < n && name[i] == '/')
            i++;
        start = i;
        while (i < n && name[i] != '/')
            i++;
        len = i - start;
        if (len == 0 || (len == 1 && name[start] == '.'))
            continue;
        if (len == 2 && name[start] == '.' && name[start + 1] == '.') {
            size_t cut = sb->len;
            if (cut == 0) {
                unsafe = 1; /* would climb out of the root */
                continue;
            }
            while (cut > 0 && sb->buf[cut - 1] != '/')
                cut--;
            sb_setlen(sb, cut > 0 ? cut - 1 : 0);
            continue;
        }
        if (sb->len)
            sb_add(sb, "/", 1);
        sb_add(sb, name + start, len);
    }
    return unsafe;
}

/* Sets whiteout, opaque and whiteout_meta from the normalised path. */
static void tar_sink_whiteout(struct tar_sink *t)
{
    const char *p = sb_str(&t->path), *base = strrchr(p, '/');
    size_t dirlen = base ? (size_t)(base - p) : 0;
    const char *name;

    base = base ? base + 1 : p;
    if (strncmp(base, ".wh.", 4) != 0)
        return;
    sb_setlen(&t->wh, 0);
    sb_add(&t->wh, p, dirlen);
    if (strcmp(base, ".wh..wh..opq") == 0) {
        t->te.opaque = sb_str(&t->wh);
        return;
    }
    name = base + 4;
    if (strncmp(name, ".wh.", 4) == 0 || !*name || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0) {
        t->te.whiteout_meta = 1;
        if (*name == '.' && strncmp(name, ".wh.", 4) != 0)
            t->te.unsafe = 1; /* ".wh.." deletes the parent: refuse */
        return;
    }
    if (dirlen)
        sb_add(&t->wh, "/", 1);
    sb_adds(&t->wh, name);
    t->te.whiteout = sb_str(&t->wh);
}

/* ---- pax ------------------------------------------------------------- */

static void tar_attrs_release(struct tar_attrs *a)
{
    sb_release(&a->path);
    sb_release(&a->link);
    sb_release(&a->uname);
    sb_release(&a->gname);
    memset(a, 0, sizeof(*a));
}

static void tar_attrs_str(struct tar_attrs *a, unsigned int bit,
                          struct strbuf *sb, const char *v, size_t n)
{
    sb_setlen(sb, 0);
    sb_add(sb, v, n);
    a->have |= bit;
}

/* One "key=value" record; an empty value removes the key. */
static int tar_pax_record(struct tar_attrs *a, const char *key, size_t klen,
                          const char *v, size_t n)
{
    static const struct {
        const char *key;
        unsigned int bit;
    } nums[] = {{"size", PAX_SIZE},
                {"uid", PAX_UID},
                {"gid", PAX_GID},
                {"mtime", PAX_MTIME},
                {"GNU.sparse.realsize", PAX_REALSIZE},
                {"GNU.sparse.size", PAX_REALSIZE}};
    size_t i;
    int64_t x;

#define KEY_IS(k) (klen == sizeof(k) - 1 && memcmp(key, k, klen) == 0)
    if (KEY_IS("path") || KEY_IS("GNU.sparse.name")) {
        if (!n)
            a->have &= ~(unsigned int)PAX_PATH;
        else
            tar_attrs_str(a, PAX_PATH, &a->path, v, n);
    } else if (KEY_IS("linkpath")) {
        if (!n)
            a->have &= ~(unsigned int)PAX_LINK;
        else
            tar_attrs_str(a, PAX_LINK, &a->link, v, n);
    } else if (KEY_IS("uname")) {
        tar_attrs_str(a, PAX_UNAME, &a->uname, v, n);
    } else if (KEY_IS("gname")) {
        tar_attrs_str(a, PAX_GNAME, &a->gname, v, n);
    } else if (KEY_IS("SCHILY.xattr.security.capability")) {
        a->have |= PAX_CAPS;
    } else if (klen > 11 && memcmp(key, "GNU.sparse.", 11) == 0) {
        a->have |= PAX_SPARSE;
    }
    for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
        if (!(klen == strlen(nums[i].key) && !memcmp(key, nums[i].key, klen)))
            continue;
        if (!n) {
            a->have &= ~nums[i].bit;
            return 0;
        }
        if (tar_pax_num(v, n, &x) || (nums[i].bit != PAX_MTIME && x < 0))
            return -1;
        a->have |= nums[i].bit;
        if (nums[i].bit == PAX_SIZE)
            a->size = x;
        else if (nums[i].bit == PAX_UID)
            a->uid = x;
        else if (nums[i].bit == PAX_GID)
            a->gid = x;
        else if (nums[i].bit == PAX_MTIME)
            a->mtime = x;
        else
            a->realsize = x;
    }
#undef KEY_IS
    return 0;
}

static int tar_pax_parse(struct tar_sink *t, struct tar_attrs *a, struct err *e)
{
    const char *p = t->meta.buf, *end = p + t->meta.len;

    while (p < end) {
        const char *rec = p, *eq, *sp;
        size_t len = 0;

        if (*p == '\0')
            break; /* NUL padding after the records */
        for (sp = p; sp < end && *sp >= '0' && *sp <= '9'; sp++) {
            len = len * 10 + (size_t)(*sp - '0');
            if (len > TAR_PAX_MAX)
                break;
        }
        if (sp == p || sp >= end || *sp != ' ' || len > (size_t)(end - rec) ||
            len < (size_t)(sp - rec) + 3 || rec[len - 1] != '\n')
            return tar_sink_fail(t, e, "malformed pax record at byte %zu",
                                 (size_t)(rec - t->meta.buf));
        eq = memchr(sp + 1, '=', (size_t)(rec + len - 1 - (sp + 1)));
        if (!eq || eq == sp + 1)
            return tar_sink_fail(t, e, "malformed pax record at byte %zu",
                                 (size_t)(rec - t->meta.buf));
        if (tar_pax_record(a, sp + 1, (size_t)(eq - sp - 1), eq + 1,
                           (size_t)(rec + len - 1 - eq - 1)))
            return tar_sink_fail(t, e, "bad number in pax record \"%.*s\"",
                                 (int)(eq - sp - 1), sp + 1);
        p = rec + len;
    }
    return 0;
}

/* ---- entries --------------------------------------------------------- */

static void tar_sink_clear_pending(struct tar_sink *t)
{
    tar_attrs_release(&t->local);
    t->have_longname = t->have_longlink = 0;
    t->pending = 0;
}

static enum tar_type tar_type_of(char flag)
{
    switch (flag) {
    case '0':
    case '\0':
    case '7':
    case 'S':
        return TAR_FILE;
    case '1':
        return TAR_HARDLINK;
    case '2':
        return TAR_SYMLINK;
    case '3':
        return TAR_CHAR;
    case '4':
        return TAR_BLOCK;
    case '5':
        return TAR_DIR;
    case '6':
        return TAR_FIFO;
    default:
        return TAR_OTHER;
    }
}

/* Applies global then local pax values over the header's. */
static void tar_sink_apply(struct tar_sink *t, const struct tar_attrs *a,
                           struct strbuf *name, struct strbuf *link,
                           int64_t *size)
{
    struct tar_entry *te = &t->te;

    if (a->have & PAX_PATH) {
        sb_setlen(name, 0);
        sb_add(name, a->path.buf, a->path.len);
    }
    if (a->have & PAX_LINK) {
        sb_setlen(link, 0);
        sb_add(link, a->link.buf, a->link.len);
    }
    if (a->have & PAX_UNAME) {
        sb_setlen(&t->uname, 0);
        sb_add(&t->uname, a->uname.buf, a->uname.len);
    }
    if (a->have & PAX_GNAME) {
        sb_setlen(&t->gname, 0);
        sb_add(&t->gname, a->gname.buf, a->gname.len);
    }
    if (a->have & PAX_SIZE)
        *size = a->size;
    if (a->have & PAX_UID)
        te->uid = a->uid;
    if (a->have & PAX_GID)
        te->gid = a->gid;
    if (a->have & PAX_MTIME)
        te->mtime = a->mtime;
    if (a->have & (PAX_SPARSE | PAX_REALSIZE))
        te->sparse = 1;
    if (a->have & PAX_REALSIZE)
        te->size = a->realsize;
}

static int tar_sink_finish(struct tar_sink *t, struct err *e);

static int tar_sink_begin_data(struct tar_sink *t, struct err *e)
{
    t->state = ST_DATA;
    t->data_left = t->data_size;
    t->pad_left =
        (TAR_BLOCK_SIZE - t->data_size % TAR_BLOCK_SIZE) % TAR_BLOCK_SIZE;
    if (t->data_left == 0)
        return tar_sink_finish(t, e);
    return 0;
}

/* Builds t->te from the header block and the pending meta headers. */
static int tar_sink_entry(struct tar_sink *t, struct err *e)
{
    const unsigned char *b = t->blk;
    struct tar_entry *te = &t->te;
    struct strbuf name = STRBUF_INIT, link = STRBUF_INIT;
    int64_t mode = 0, size = 0, dev = 0, stored;
    int posix = memcmp(b + 257, "ustar\0", 6) == 0;
    int gnu = memcmp(b + 257, "ustar  \0", 8) == 0;
    int rc = -1;

    memset(te, 0, sizeof(*te));
    te->typeflag = (char)b[156];
    te->type = tar_type_of(te->typeflag);
    if (tar_num(b + 100, 8, &mode) || tar_num(b + 108, 8, &te->uid) ||
        tar_num(b + 116, 8, &te->gid) || tar_num(b + 124, 12, &size) ||
        tar_num(b + 136, 12, &te->mtime)) {
        tar_sink_fail(t, e, "bad numeric field in header");
        goto out;
    }
    te->mode = (unsigned int)(mode & 07777);
    if (posix && b[345]) {
        sb_add(&name, (const char *)b + 345, tar_field_len(b + 345, 155));
        sb_add(&name, "/", 1);
    }
    sb_add(&name, (const char *)b, tar_field_len(b, 100));
    sb_add(&link, (const char *)b + 157, tar_field_len(b + 157, 100));
    sb_setlen(&t->uname, 0);
    sb_setlen(&t->gname, 0);
    if (posix || gnu) {
        sb_add(&t->uname, (const char *)b + 265, tar_field_len(b + 265, 32));
        sb_add(&t->gname, (const char *)b + 297, tar_field_len(b + 297, 32));
        if (!tar_num(b + 329, 8, &dev))
            te->devmajor = (unsigned int)dev;
        if (!tar_num(b + 337, 8, &dev))
            te->devminor = (unsigned int)dev;
    }
    te->size = size;
    if (te->typeflag == 'S') {
        /* Old GNU sparse: the real size is at 483, the map follows. */
        te->sparse = 1;
        if (tar_num(b + 483, 12, &te->size)) {
            tar_sink_fail(t, e, "bad sparse size in header");
            goto out;
        }
    }
    if (t->have_longname) {
        sb_setlen(&name, 0);
        sb_add(&name, t->longname.buf,
               strnlen(t->longname.buf, t->longname.len));
    }
    if (t->have_longlink) {
        sb_setlen(&link, 0);
        sb_add(&link, t->longlink.buf,
               strnlen(t->longlink.buf, t->longlink.len));
    }
    stored = size;
    tar_sink_apply(t, &t->global, &name, &link, &stored);
    tar_sink_apply(t, &t->local, &name, &link, &stored);
    if (!((t->global.have | t->local.have) & PAX_REALSIZE) && !te->sparse)
        te->size = stored;
    if (stored < 0 || te->size < 0) {
        tar_sink_fail(t, e, "negative size");
        goto out;
    }
    if (te->typeflag == '\0' && name.len && name.buf[name.len - 1] == '/')
        te->type = TAR_DIR;
    if (name.len > TAR_NAME_MAX || link.len > TAR_NAME_MAX) {
        tar_sink_fail(t, e, "name longer than %d bytes", TAR_NAME_MAX);
        goto out;
    }
    te->unsafe = tar_path_normalise(&t->path, sb_str(&name), name.len);
    te->path = sb_str(&t->path);
    if (te->type == TAR_HARDLINK) {
        te->unsafe |= tar_path_normalise(&t->link, sb_str(&link), link.len);
    } else {
        sb_setlen(&t->link, 0);
        sb_add(&t->link, sb_str(&link), strnlen(sb_str(&link), link.len));
    }
    te->linkname = sb_str(&t->link);
    te->uname = sb_str(&t->uname);
    te->gname = sb_str(&t->gname);
    tar_sink_whiteout(t);
    te->index = t->index;
    te->offset = t->entry_offset;
    te->data_offset = t->offset;

    /* Header-only types carry no content, whatever size says (Go). */
    if (te->type == TAR_HARDLINK || te->type == TAR_SYMLINK ||
        te->type == TAR_CHAR || te->type == TAR_BLOCK || te->type == TAR_DIR ||
        te->type == TAR_FIFO)
        stored = 0;
    te->stored_size = stored;
    t->data_size = (uint64_t)stored;
    t->target = TARGET_ENTRY;
    t->deliver = te->type == TAR_FILE && !te->sparse && t->h->data;
    tar_sink_clear_pending(t);
    if (e)
        e->msg[0] = '\0';
    if (t->h->entry && t->h->entry(t->ctx, te, e)) {
        tar_sink_stopped(t, e);
        goto out;
    }
    if (te->typeflag == 'S' && b[482]) {
        /* The sparse map goes on in extension blocks before the data. */
        t->state = ST_SPARSE_EXT;
        rc = 0;
    } else {
        rc = tar_sink_begin_data(t, e);
    }
out:
    sb_release(&name);
    sb_release(&link);
    return rc;
}

/* A meta header's content is complete: file it for the next entry. */
static int tar_sink_meta_done(struct tar_sink *t, struct err *e)
{
    switch (t->meta_type) {
    case 'L':
        sb_setlen(&t->longname, 0);
        sb_add(&t->longname, t->meta.buf, t->meta.len);
        t->have_longname = 1;
        return 0;
    case 'K':
        sb_setlen(&t->longlink, 0);
        sb_add(&t->longlink, t->meta.buf, t->meta.len);
        t->have_longlink = 1;
        return 0;
    case 'g':
        return tar_pax_parse(t, &t->global, e);
    default:
        return tar_pax_parse(t, &t->local, e);
    }
}

static int tar_sink_finish(struct tar_sink *t, struct err *e)
{
    int rc = 0;

    t->state = ST_HEADER;
    if (t->target == TARGET_META) {
        rc = tar_sink_meta_done(t, e);
        sb_setlen(&t->meta, 0);
        return rc;
    }
    t->index++;
    if (e)
        e->msg[0] = '\0';
    if (t->h->end && t->h->end(t->ctx, &t->te, e))
        return tar_sink_stopped(t, e);
    return 0;
}

static int tar_sink_is_zero(const unsigned char *b)
{
    size_t i;

    for (i = 0; i < TAR_BLOCK_SIZE; i++)
        if (b[i])
            return 0;
    return 1;
}

static int tar_sink_header(struct tar_sink *t, uint64_t at, struct err *e)
{
    const unsigned char *b = t->blk;
    char flag = (char)b[156];
    int64_t size;

    if (!t->pending)
        t->entry_offset = at;
    if (tar_sink_is_zero(b)) {
        if (t->pending)
            return tar_sink_fail(t, e,
                                 "end of archive after a pax or GNU "
                                 "header that has no entry");
        if (++t->zero_blocks == 2)
            t->state = ST_END;
        return 0;
    }
    if (t->zero_blocks)
        return tar_sink_fail(t, e, "header after a zero block");
    if (!tar_checksum_ok(b))
        return tar_sink_fail(t, e,
                             "bad header checksum (not a tar archive, "
                             "or corrupt)");
    if (flag != 'L' && flag != 'K' && flag != 'x' && flag != 'g' && flag != 'X')
        return tar_sink_entry(t, e);

    /* A meta header: its content is a name or pax records. */
    if (tar_num(b + 124, 12, &size) || size < 0)
        return tar_sink_fail(t, e, "bad size in '%c' header", flag);
    if ((flag == 'L' || flag == 'K') && size > TAR_NAME_MAX)
        return tar_sink_fail(
            t, e, "GNU long %s of %" PRId64 " bytes is longer than %d",
            flag == 'L' ? "name" : "link name", size, TAR_NAME_MAX);
    if (size > TAR_PAX_MAX)
        return tar_sink_fail(
            t, e, "pax header of %" PRId64 " bytes is larger than %d", size,
            TAR_PAX_MAX);
    /* A global header belongs to no entry: the archive may end after it. */
    if (flag != 'g')
        t->pending = 1;
    t->meta_type = flag;
    t->target = TARGET_META;
    t->data_size = (uint64_t)size;
    sb_setlen(&t->meta, 0);
    return tar_sink_begin_data(t, e);
}

/* Old GNU sparse headers continue in 512-byte blocks while byte 504 (482
 * in the first) is set; the map itself does not matter to us. */
static int tar_sink_sparse_ext(struct tar_sink *t, struct err *e)
{
    if (t->blk[504])
        return 0;
    return tar_sink_begin_data(t, e);
}

/* ---- the sink -------------------------------------------------------- */

static int tar_sink_write(struct sink *s, const void *buf, size_t len,
                          struct err *e)
{
    struct tar_sink *t = (struct tar_sink *)s;
    const unsigned char *p = buf;
    size_t take;
    int rc;

    while (len > 0) {
        switch (t->state) {
        case ST_FAILED:
            return err_set(e, "%s", t->failed);
        case ST_END:
            t->offset += len;
            return 0;
        case ST_HEADER:
        case ST_SPARSE_EXT:
            take = TAR_BLOCK_SIZE - t->nblk;
            if (take > len)
                take = len;
            memcpy(t->blk + t->nblk, p, take);
            t->nblk += take;
            t->offset += take;
            p += take;
            len -= take;
            if (t->nblk < TAR_BLOCK_SIZE)
                return 0;
            t->nblk = 0;
            if (t->state == ST_SPARSE_EXT)
                rc = tar_sink_sparse_ext(t, e);
            else
                rc = tar_sink_header(t, t->offset - TAR_BLOCK_SIZE, e);
            if (rc)
                return -1;
            break;
        case ST_DATA:
            if (t->data_left > 0) {
                take = t->data_left < len ? (size_t)t->data_left : len;
                if (t->target == TARGET_META)
                    sb_add(&t->meta, (const char *)p, take);
                else if (t->deliver) {
                    if (e)
                        e->msg[0] = '\0';
                    if (t->h->data(t->ctx, p, take, e))
                        return tar_sink_stopped(t, e);
                }
                t->data_left -= take;
            } else {
                take = t->pad_left < len ? (size_t)t->pad_left : len;
                t->pad_left -= take;
            }
            t->offset += take;
            p += take;
            len -= take;
            if (t->data_left == 0 && t->pad_left == 0 && tar_sink_finish(t, e))
                return -1;
            break;
        }
    }
    return 0;
}

static int tar_sink_close(struct sink *s, struct err *e)
{
    struct tar_sink *t = (struct tar_sink *)s;

    switch (t->state) {
    case ST_FAILED:
        return err_set(e, "%s", t->failed);
    case ST_END:
        return 0;
    case ST_HEADER:
        if (t->nblk)
            return tar_sink_fail(t, e,
                                 "truncated tar: the stream ends "
                                 "inside a header");
        if (t->pending)
            return tar_sink_fail(t, e,
                                 "truncated tar: the stream ends after "
                                 "a pax or GNU header");
        return 0; /* no end blocks, but whole entries: accepted */
    case ST_SPARSE_EXT:
        return tar_sink_fail(t, e,
                             "truncated tar: the stream ends inside "
                             "sparse headers of \"%s\"",
                             t->te.path);
    case ST_DATA:
        if (t->target == TARGET_META)
            return tar_sink_fail(t, e,
                                 "truncated tar: the stream ends "
                                 "inside a '%c' header",
                                 t->meta_type);
        return tar_sink_fail(t, e,
                             "truncated tar: the stream ends inside \"%s\" "
                             "(%" PRIu64 " of %" PRIu64 " bytes read)",
                             t->te.path, t->data_size - t->data_left,
                             t->data_size);
    }
    return 0;
}

static void tar_sink_free(struct sink *s)
{
    struct tar_sink *t = (struct tar_sink *)s;

    if (!t)
        return;
    sb_release(&t->meta);
    sb_release(&t->longname);
    sb_release(&t->longlink);
    tar_attrs_release(&t->local);
    tar_attrs_release(&t->global);
    sb_release(&t->path);
    sb_release(&t->link);
    sb_release(&t->uname);
    sb_release(&t->gname);
    sb_release(&t->wh);
    free(t->what);
    free(t);
}

struct sink *tar_sink_new(const struct tar_handler *h, void *ctx,
                          const char *what)
{
    struct tar_sink *t = xcalloc(1, sizeof(*t));

    t->base.write = tar_sink_write;
    t->base.close = tar_sink_close;
    t->base.free = tar_sink_free;
    t->h = h;
    t->ctx = ctx;
    t->what = xstrdup(what ? what : "tar");
    return &t->base;
}

uint64_t tar_sink_entries(const struct sink *s)
{
    return ((const struct tar_sink *)s)->index;
}
