/* registry.c: the table of reporters, and writing a report into place. */
#include "reporter.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "banned.h"

extern const struct reporter reporter_json;
extern const struct reporter reporter_html;
extern const struct reporter reporter_sarif;
extern const struct reporter reporter_junit;
extern const struct reporter reporter_csv;
extern const struct reporter reporter_markdown;

static const struct reporter *const registry_reporters[] = {
    &reporter_json,  &reporter_html, &reporter_sarif,
    &reporter_junit, &reporter_csv,  &reporter_markdown,
};

#define REGISTRY_N (sizeof(registry_reporters) / sizeof(*registry_reporters))

const struct reporter *reporter_find(const char *name)
{
    size_t i;

    for (i = 0; i < REGISTRY_N; i++)
        if (strcmp(registry_reporters[i]->name, name) == 0)
            return registry_reporters[i];
    return NULL;
}

const struct reporter *reporter_at(size_t i)
{
    return i < REGISTRY_N ? registry_reporters[i] : NULL;
}

const char *reporter_names(char *buf, size_t cap)
{
    size_t i, off = 0;

    if (cap == 0)
        return buf;
    buf[0] = '\0';
    for (i = 0; i < REGISTRY_N && off < cap; i++) {
        int n = snprintf(buf + off, cap - off, "%s%s", i ? ", " : "",
                         registry_reporters[i]->name);
        if (n < 0)
            break;
        off += (size_t)n;
    }
    return buf;
}

/* ---- bidirectional controls ------------------------------------------- */

/*
 * Every report passes through this filter on its way out, so no format
 * (nor a future one) can carry a control that makes text read in another
 * order than it is stored (CVE-2021-42574, "Trojan Source"): U+202A-U+202E,
 * U+2066-U+2069, U+200E, U+200F and U+061C. JSON keeps the character as a
 * \uXXXX escape (inert bytes, same data for a program); every other format
 * shows it as the visible text "[U+XXXX]", which needs no escaping in CSV,
 * XML, HTML or Markdown. Reports are valid UTF-8 (the model replaces
 * invalid bytes), so the filter only needs to recognise whole sequences.
 */
struct registry_bidi {
    FILE *to;
    int json;
    unsigned char held[3]; /* the start of a sequence split between writes */
    size_t nheld;
};

static int registry_bidi_put(struct registry_bidi *b, long cp)
{
    char rep[16];
    int n = snprintf(rep, sizeof(rep), b->json ? "\\u%04lx" : "[U+%04lX]", cp);

    return fwrite(rep, 1, (size_t)n, b->to) == (size_t)n ? 0 : -1;
}

static ssize_t registry_bidi_write(void *cookie, const char *buf, size_t len)
{
    struct registry_bidi *b = cookie;
    const unsigned char *p = (const unsigned char *)buf;
    size_t i = 0, start, j;
    long cp;

    /* Finish a sequence the last write ended inside. */
    while (b->nheld > 0 && i < len) {
        b->held[b->nheld++] = p[i++];
        cp = utf8_bidi_at(b->held, b->nheld);
        if (cp < 0)
            continue;
        if (cp > 0 ? registry_bidi_put(b, cp)
                   : fwrite(b->held, 1, b->nheld, b->to) != b->nheld)
            return -1;
        b->nheld = 0;
    }
    for (start = j = i; j < len; j++) {
        if (p[j] != 0xE2 && p[j] != 0xD8)
            continue;
        if ((cp = utf8_bidi_at(p + j, len - j)) == 0)
            continue;
        if (j > start && fwrite(p + start, 1, j - start, b->to) != j - start)
            return -1;
        if (cp < 0) {
            b->nheld = len - j;
            memcpy(b->held, p + j, b->nheld);
            return (ssize_t)len;
        }
        if (registry_bidi_put(b, cp))
            return -1;
        j += p[j] == 0xD8 ? 1 : 2;
        start = j + 1;
    }
    if (len > start && fwrite(p + start, 1, len - start, b->to) != len - start)
        return -1;
    return (ssize_t)len;
}

static int registry_bidi_close(void *cookie)
{
    struct registry_bidi *b = cookie;

    /* A sequence cut by the end of the report is no control: as it is. */
    if (b->nheld && fwrite(b->held, 1, b->nheld, b->to) != b->nheld)
        return -1;
    b->nheld = 0;
    return fflush(b->to) == 0 ? 0 : -1;
}

/* Renders r into to through the filter; e set on failure. */
static int registry_render(const struct reporter *r,
                           const struct report_ctx *rc, FILE *to,
                           const char *name, struct err *e)
{
    static const cookie_io_functions_t io = {
        .write = registry_bidi_write,
        .close = registry_bidi_close,
    };
    struct registry_bidi b = {to, r->bidi_json, {0}, 0};
    FILE *f = fopencookie(&b, "w", io);
    int rc2;

    if (!f)
        return err_set(e, "cannot write %s: %s", name, strerror(errno));
    rc2 = r->render(rc, f, e);
    if (fclose(f) != 0 && rc2 == 0)
        rc2 = err_set(e, "cannot write %s: %s", name, strerror(errno));
    if (rc2 == 0 && (fflush(to) != 0 || ferror(to)))
        rc2 = err_set(e, "cannot write %s: %s", name, strerror(errno));
    return rc2;
}

/* ---- into place ------------------------------------------------------- */

/* Through an existing device, FIFO, or a symlink that leads nowhere yet:
 * opened for writing as a shell redirection would. */
static int registry_write_through(const struct reporter *r,
                                  const struct report_ctx *rc, const char *path,
                                  int create, struct err *e)
{
    int fd =
        open(path,
             O_WRONLY | O_NOCTTY | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0),
             0644);
    FILE *f;
    int rc2;

    if (fd < 0)
        return err_set(e, "cannot write %s: %s", path, strerror(errno));
    if (!(f = fdopen(fd, "w"))) {
        close(fd);
        return err_set(e, "cannot write %s: %s", path, strerror(errno));
    }
    rc2 = registry_render(r, rc, f, path, e);
    if (fclose(f) != 0 && rc2 == 0)
        rc2 = err_set(e, "cannot write %s: %s", path, strerror(errno));
    return rc2;
}

/* A regular file (or a new one) at dest, written beside it and renamed
 * over it, so a failed render never leaves half a report where a good
 * one was. An existing file keeps its permission bits. */
static int registry_write_beside(const struct reporter *r,
                                 const struct report_ctx *rc, const char *dest,
                                 const char *name, struct err *e)
{
    struct strbuf tmp = STRBUF_INIT;
    struct stat st;
    mode_t mode = 0644;
    FILE *f;
    int fd, rc2;

    if (stat(dest, &st) == 0)
        mode = st.st_mode & 07777;
    sb_addf(&tmp, "%s.tmp.XXXXXX", dest);
    fd = mkstemp(tmp.buf);
    if (fd < 0) {
        err_set(e, "cannot write %s: %s", name, strerror(errno));
        sb_release(&tmp);
        return -1;
    }
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp.buf);
        err_set(e, "cannot write %s: %s", name, strerror(errno));
        sb_release(&tmp);
        return -1;
    }
    rc2 = registry_render(r, rc, f, name, e);
    if (rc2 == 0 && fchmod(fileno(f), mode) != 0)
        rc2 = err_set(e, "cannot write %s: %s", name, strerror(errno));
    if (fclose(f) != 0 && rc2 == 0)
        rc2 = err_set(e, "cannot write %s: %s", name, strerror(errno));
    if (rc2 == 0 && rename(tmp.buf, dest) != 0)
        rc2 = err_set(e, "cannot write %s: %s", name, strerror(errno));
    if (rc2 != 0)
        unlink(tmp.buf);
    sb_release(&tmp);
    return rc2;
}

int report_write(const struct reporter *r, const struct report_ctx *rc,
                 const char *path, struct err *e)
{
    struct stat st, lst;
    char *target;
    int rc2;

    if (strcmp(path, "-") == 0)
        return registry_render(r, rc, stdout, "the report to stdout", e);
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return err_set(e, "cannot write %s: it is a directory", path);
        if (!S_ISREG(st.st_mode))
            return registry_write_through(r, rc, path, 0, e);
        if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
            /* The link stays a link: its target is replaced. */
            if (!(target = realpath(path, NULL)))
                return err_set(e, "cannot write %s: %s", path, strerror(errno));
            rc2 = registry_write_beside(r, rc, target, path, e);
            free(target);
            return rc2;
        }
    } else if (lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        return registry_write_through(r, rc, path, 1, e);
    }
    return registry_write_beside(r, rc, path, path, e);
}
