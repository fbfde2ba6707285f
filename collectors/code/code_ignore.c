/* code_ignore.c: git's ignore patterns; see code_ignore.h. */
#include "code_ignore.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

struct code_ignore_pat {
    char *pat;   /* without `!`, the leading `/` and the trailing `/` */
    char *base;  /* the ignore file's directory, "" at the top */
    size_t file; /* which file (code_ignore_count) it came from */
    int neg, dironly, anchored;
};

struct code_ignore {
    struct code_ignore_pat *pats;
    size_t n, nfiles;
};

struct code_ignore *code_ignore_new(void)
{
    return xcalloc(1, sizeof(struct code_ignore));
}

void code_ignore_truncate(struct code_ignore *ig, size_t n)
{
    while (ig->n > 0 && ig->pats[ig->n - 1].file >= n) {
        ig->n--;
        free(ig->pats[ig->n].pat);
        free(ig->pats[ig->n].base);
    }
    if (ig->nfiles > n)
        ig->nfiles = n;
}

void code_ignore_free(struct code_ignore *ig)
{
    if (!ig)
        return;
    code_ignore_truncate(ig, 0);
    free(ig->pats);
    free(ig);
}

size_t code_ignore_count(const struct code_ignore *ig)
{
    return ig->nfiles;
}

static void code_ignore_line(struct code_ignore *ig, const char *base,
                             const char *s, size_t len)
{
    struct code_ignore_pat p = {NULL, NULL, ig->nfiles, 0, 0, 0};

    if (len == 0 || s[0] == '#')
        return;
    /* trailing spaces go unless the last one is escaped */
    while (len > 0 && s[len - 1] == ' ' && !(len >= 2 && s[len - 2] == '\\'))
        len--;
    if (len > 0 && s[0] == '!') {
        p.neg = 1;
        s++;
        len--;
    }
    if (len > 0 && s[len - 1] == '/') {
        p.dironly = 1;
        len--;
    }
    if (len == 0)
        return;
    p.anchored = memchr(s, '/', len) != NULL;
    if (s[0] == '/') {
        s++;
        len--;
    }
    if (len == 0)
        return;
    p.pat = xstrndup(s, len);
    p.base = xstrdup(base);
    ig->pats = xrealloc(ig->pats, (ig->n + 1) * sizeof(*ig->pats));
    ig->pats[ig->n++] = p;
}

void code_ignore_add(struct code_ignore *ig, const char *base, const char *text,
                     size_t len)
{
    size_t i = 0;

    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) : len;
        code_ignore_line(ig, base, text + i, end - i);
        i = end + 1;
    }
    ig->nfiles++;
}

/* A POSIX class "[:alpha:]" at *pp (inside a bracket): c is in it. The
 * class is consumed; -1 when *pp does not start one. */
static int code_ignore_class(const char **pp, unsigned char c)
{
    static const struct {
        const char *name;
        int (*fn)(int);
    } classes[] = {
        {"alnum", isalnum}, {"alpha", isalpha}, {"blank", isblank},
        {"cntrl", iscntrl}, {"digit", isdigit}, {"graph", isgraph},
        {"lower", islower}, {"print", isprint}, {"punct", ispunct},
        {"space", isspace}, {"upper", isupper}, {"xdigit", isxdigit}};
    const char *p = *pp, *end;
    size_t i;

    if (p[0] != '[' || p[1] != ':' || !(end = strstr(p + 2, ":]")))
        return -1;
    for (i = 0; i < sizeof(classes) / sizeof(*classes); i++)
        if (strlen(classes[i].name) == (size_t)(end - p - 2) &&
            strncmp(classes[i].name, p + 2, (size_t)(end - p - 2)) == 0) {
            *pp = end + 2;
            return classes[i].fn(c) != 0;
        }
    return -1;
}

/* A bracket expression at *pp ('['): whether c matches; *pp is left at
 * its ']'. -1: unterminated (git: no match). */
static int code_ignore_bracket(const char **pp, unsigned char c)
{
    const char *q = *pp + 1;
    int neg = 0, ok = 0, first = 1;

    if (*q == '!' || *q == '^') {
        neg = 1;
        q++;
    }
    while (*q && (*q != ']' || first)) {
        unsigned char lo, hi;
        int cl = code_ignore_class(&q, c);
        first = 0;
        if (cl >= 0) {
            ok |= cl;
            continue;
        }
        if (*q == '\\' && q[1])
            q++;
        lo = (unsigned char)*q;
        if (q[1] == '-' && q[2] && q[2] != ']') {
            q += 2;
            if (*q == '\\' && q[1])
                q++;
            hi = (unsigned char)*q;
            ok |= c >= lo && c <= hi;
        } else {
            ok |= c == lo;
        }
        q++;
    }
    if (!*q)
        return -1;
    *pp = q;
    return ok != neg;
}

static int code_ignore_glob_at(const char *start, const char *p, const char *s)
{
    for (; *p; p++, s++) {
        switch (*p) {
        case '?':
            if (!*s || *s == '/')
                return 0;
            break;
        case '*': {
            const char *q = p;
            while (*q == '*')
                q++;
            if (q - p >= 2 && (p == start || p[-1] == '/') &&
                (*q == '/' || !*q)) {
                if (!*q)
                    return 1; /* trailing "**": all that is inside */
                for (q++;;) { /* "**" "/": zero or more directories */
                    if (code_ignore_glob_at(start, q, s))
                        return 1;
                    s = strchr(s, '/');
                    if (!s)
                        return 0;
                    s++;
                }
            }
            for (;;) { /* any other run of stars: one `*` */
                if (code_ignore_glob_at(start, q, s))
                    return 1;
                if (!*s || *s == '/')
                    return 0;
                s++;
            }
        }
        case '[': {
            int r;
            if (!*s || *s == '/')
                return 0;
            r = code_ignore_bracket(&p, (unsigned char)*s);
            if (r <= 0)
                return 0;
            break;
        }
        case '\\':
            if (p[1])
                p++;
            /* fall through */
        default:
            if (*p != *s)
                return 0;
        }
    }
    return *s == '\0';
}

int code_ignore_glob(const char *pat, const char *s)
{
    return code_ignore_glob_at(pat, pat, s);
}

int code_ignore_match(const struct code_ignore *ig, const char *relpath,
                      int is_dir)
{
    size_t i;

    for (i = ig->n; i-- > 0;) {
        const struct code_ignore_pat *p = &ig->pats[i];
        const char *r = relpath;
        size_t bl = strlen(p->base);
        if (p->dironly && !is_dir)
            continue;
        if (bl) {
            if (strncmp(relpath, p->base, bl) != 0 || relpath[bl] != '/')
                continue;
            r = relpath + bl + 1;
        }
        if (!p->anchored) {
            const char *sl = strrchr(r, '/');
            r = sl ? sl + 1 : r;
        }
        if (code_ignore_glob(p->pat, r))
            return !p->neg;
    }
    return 0;
}

int code_ignore_check(const struct code_ignore *ig, const char *relpath,
                      int is_dir)
{
    struct strbuf dir = STRBUF_INIT;
    const char *sl;
    int r = 0;

    for (sl = strchr(relpath, '/'); sl && !r; sl = strchr(sl + 1, '/')) {
        sb_setlen(&dir, 0);
        sb_add(&dir, relpath, (size_t)(sl - relpath));
        r = code_ignore_match(ig, sb_str(&dir), 1);
    }
    sb_release(&dir);
    return r || code_ignore_match(ig, relpath, is_dir);
}
