/*
 * detect.c: the secret detector engine (detect.h).
 *
 * Two passes over a buffer:
 *
 * 1. Vectorscan (hs_compile_lit_multi, caseless) finds every keyword of
 *    every detector in one pass. A keyword hit opens a window around it
 *    for its detector: from DETECT_BACK bytes before it (not before its
 *    line's start for a one-line pattern) to DETECT_FWD_LINE bytes after
 *    it, or DETECT_FWD for a pattern across lines (a PEM key), then on to
 *    the end of that line; overlapping windows of one detector merge.
 * 2. Each detector's PCRE2 pattern (JIT) runs on its windows only, so the
 *    full regex syntax (capture groups, lookarounds, lazy quantifiers)
 *    stays available and the secret group is exact.
 *
 * Why not the patterns themselves in Vectorscan (HS_FLAG_SOM_LEFTMOST,
 * then PCRE2 on each span for the secret group)? Measured on this machine
 * (one core of a shared 2-core VM, 100 MB of fourc's own C source;
 * benchmarks/secrets-engine.md, benchmarks/secrets_engine_hs.c):
 *   295 detectors (the pack of issue 13) in one Vectorscan database:
 *     compile 10.2 s per process, 1.6 MB; scan 1.47 GB/s without spans;
 *     with SOM_LEFTMOST 47 of 295 patterns are refused ("Pattern is too
 *     large"), compile 11.2 s, 3.5 MB; lookarounds are refused too
 *   this design, same patterns: compile 0.02 s; whole `fourc secrets`
 *     (read, keywords, PCRE2, lines, hashes) 430 MB/s on that C source,
 *     690 MB/s on Python's standard library, 1.07 GB/s on it when no
 *     keyword is shorter than 4 characters (2-letter keywords such as
 *     "ac" make the keyword pass itself slow); with the 14 test detectors
 *     1.0 GB/s on the C and 1.5 GB/s on the Python.
 * A 10-second compile at every start (pre-commit!), a PCRE2 fallback for
 * a sixth of the pack and a second match per span anyway: the keyword
 * prefilter with PCRE2 wins. Keywords of 4+ characters keep it >= 1 GB/s.
 *
 * Detectors without keywords run their pattern over the whole buffer
 * (slow; the pack lint should keep them rare).
 *
 * Bounds: line counting is incremental over the sorted hits (a 1 GB
 * buffer without a newline costs one pass); the `fourc:allow` search looks
 * at most DETECT_LINE_MAX bytes either side of a secret; PCRE2 runs with
 * a match limit; the candidates of one buffer are capped.
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <hs.h>
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "detect.h"
#include "detect_embedded.h"
#include "util.h"
#include "yamljson.h"
#include "banned.h"

#define DETECT_BACK 512u      /* window before a keyword */
#define DETECT_FWD 8192u      /* window after it (a PEM key fits) */
#define DETECT_FWD_LINE 256u  /* the same for a pattern of one line */
#define DETECT_LINE_MAX 4096u /* window end: on to the line's end */
#define DETECT_MATCH_LIMIT 10000000u
#define DETECT_MAX_CANDIDATES (1u << 20)
#define DETECT_HS_SEG (1u << 30)   /* hs_scan takes an unsigned length */
#define DETECT_OVERLAP (64u << 10) /* longest secret found across chunks */
#define DETECT_CONTEXT (4u << 10)  /* a keyword that far before one */
#define DETECT_CHUNK_DEFAULT (8u << 20)

struct detect_det {
    char *id, *title, *severity;
    pcre2_code *re;
    uint32_t group;
    double entropy;
    pcre2_code **allow;
    size_t nallow;
    char **stop;
    size_t nstop;
    char **path_allow;
    size_t npath;
    size_t nkw;
    size_t fwd; /* window after a keyword */
    int lines;  /* the pattern spans lines: the window is not cut at one */
};

struct detect {
    struct detect_det *det;
    size_t n;
    hs_database_t *db; /* NULL when no detector has a keyword */
    size_t *lit_det;   /* literal id -> detector */
    size_t *lit_len;   /* literal id -> its length */
    size_t nlit, maxkw;
    uint32_t maxgroup;
};

/* Values the vendors publish in their documentation: never findings. */
static const char *const detect_examples[] = {
    "AKIAIOSFODNN7EXAMPLE",
    "AKIAI44QH8DHBEXAMPLE",
    "ASIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
    "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    "pk_test_TYooMQauvdEDq54NiTphI7jx",
    "sk_test_BQokikJOvBiI2HlWgH4olfQ2",
    "xoxb-not-a-real-token-this-will-not-work",
    "AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe",
    "ghp_1234567890abcdefghijklmnopqrstuvwxyz",
    "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "github_pat_xxxxxxxxxxxxxxxxxxxxxx",
    "glpat-xxxxxxxxxxxxxxxxxxxx",
    "SG.xxxxxxxxxxxxxxxxxxxxxx.xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFt"
    "ZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36"
    "POk6yJV_adQssw5c",
    NULL,
};

/* ---- loading --------------------------------------------------------- */

static void detect_det_release(struct detect_det *t)
{
    size_t i;

    free(t->id);
    free(t->title);
    free(t->severity);
    pcre2_code_free(t->re);
    for (i = 0; i < t->nallow; i++)
        pcre2_code_free(t->allow[i]);
    free(t->allow);
    for (i = 0; i < t->nstop; i++)
        free(t->stop[i]);
    free(t->stop);
    for (i = 0; i < t->npath; i++)
        free(t->path_allow[i]);
    free(t->path_allow);
}

void detect_free(struct detect *d)
{
    size_t i;

    if (!d)
        return;
    for (i = 0; i < d->n; i++)
        detect_det_release(&d->det[i]);
    free(d->det);
    hs_free_database(d->db);
    free(d->lit_det);
    free(d->lit_len);
    free(d);
}

size_t detect_count(const struct detect *d)
{
    return d ? d->n : 0;
}

/* What the loader collects before compiling the keyword database. */
struct detect_build {
    struct detect *d;
    char **kw;
    size_t nkw, capkw;
};

static pcre2_code *detect_re(const char *where, const char *pat, struct err *e)
{
    int code;
    PCRE2_SIZE at;
    PCRE2_UCHAR msg[256];
    pcre2_code *re;

    re = pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, 0, &code, &at,
                       NULL);
    if (!re) {
        pcre2_get_error_message(code, msg, sizeof(msg));
        err_set(e, "%s: invalid pattern at offset %zu: %s", where, (size_t)at,
                (const char *)msg);
        return NULL;
    }
    /* JIT is an optimisation: without it (no JIT on this CPU) the
     * interpreter gives the same answers. */
    (void)pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
    return re;
}

/* A list of strings, or absent; -1 with e on anything else. */
static int detect_strings(const char *where, const json_t *o, const char *key,
                          char ***out, size_t *n, int lower, struct err *e)
{
    const json_t *v = json_object_get(o, key), *s;
    size_t i, j;

    *out = NULL;
    *n = 0;
    if (!v)
        return 0;
    if (!json_is_array(v))
        return err_set(e, "%s: %s: not a list of strings", where, key);
    *out = xcalloc(json_array_size(v) + 1, sizeof(char *));
    json_array_foreach(v, i, s)
    {
        if (!json_is_string(s) || json_string_length(s) == 0)
            return err_set(e, "%s: %s[%zu]: not a non-empty string", where, key,
                           i);
        (*out)[i] = xstrdup(json_string_value(s));
        if (lower)
            for (j = 0; (*out)[i][j]; j++)
                if ((*out)[i][j] >= 'A' && (*out)[i][j] <= 'Z')
                    (*out)[i][j] = (char)((*out)[i][j] - 'A' + 'a');
        (*n)++;
    }
    return 0;
}

/* Whether a pattern is written to match across lines ([\s\S], (?s), \n):
 * those get the long window; the others a short one to the end of the
 * line (a token is on one line), which is most of the speed. */
static int detect_multiline(const char *pat)
{
    static const char *const marks[] = {"[\\s\\S]", "[\\S\\s]", "(?s", "\\n",
                                        "[\\w\\W]", "[\\d\\D]", NULL};
    size_t i;

    for (i = 0; marks[i]; i++)
        if (strstr(pat, marks[i]))
            return 1;
    return 0;
}

static const char *detect_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static int detect_add(struct detect_build *b, const char *origin, size_t idx,
                      const json_t *o, struct err *e)
{
    static const char *const sevs[] = {"critical", "high", "medium", "low",
                                       NULL};
    struct detect *d = b->d;
    struct detect_det *t;
    char where[512], **kw = NULL, **allow = NULL;
    const char *id = detect_str(o, "id"), *pat = detect_str(o, "pattern");
    const char *sev = detect_str(o, "severity");
    const json_t *g = json_object_get(o, "secret_group");
    const json_t *en = json_object_get(o, "entropy");
    uint32_t ncap = 0;
    size_t nkw = 0, nallow = 0, i;
    int rc = -1;

    snprintf(where, sizeof(where), "%s: detector %zu%s%s", origin, idx + 1,
             id ? " " : "", id ? id : "");
    if (!json_is_object(o))
        return err_set(e, "%s: not a mapping", where);
    if (!id || !*id)
        return err_set(e, "%s: no id", where);
    if (!pat || !*pat)
        return err_set(e, "%s: no pattern", where);
    if (!sev || !str_in(sev, sevs))
        return err_set(e, "%s: severity must be critical, high, medium or low",
                       where);
    if (g && (!json_is_integer(g) || json_integer_value(g) < 0))
        return err_set(e, "%s: secret_group: not a non-negative integer",
                       where);
    if (en && (!json_is_number(en) || json_number_value(en) < 0 ||
               json_number_value(en) > 8))
        return err_set(e, "%s: entropy: not a number from 0 to 8", where);
    for (i = 0; i < d->n; i++)
        if (strcmp(d->det[i].id, id) == 0)
            return err_set(e, "%s: duplicate id", where);

    d->det = xrealloc(d->det, (d->n + 1) * sizeof(*d->det));
    t = &d->det[d->n];
    memset(t, 0, sizeof(*t));
    d->n++;
    t->id = xstrdup(id);
    t->title = xstrdup(detect_str(o, "title") ? detect_str(o, "title") : id);
    t->severity = xstrdup(sev);
    t->group = g ? (uint32_t)json_integer_value(g) : 0;
    t->entropy = en ? json_number_value(en) : 0;
    if (!(t->re = detect_re(where, pat, e)))
        goto out;
    t->lines = detect_multiline(pat);
    t->fwd = t->lines ? DETECT_FWD : DETECT_FWD_LINE;
    pcre2_pattern_info(t->re, PCRE2_INFO_CAPTURECOUNT, &ncap);
    if (t->group > ncap) {
        err_set(e, "%s: secret_group %u but the pattern has %u groups", where,
                t->group, ncap);
        goto out;
    }
    if (ncap > d->maxgroup)
        d->maxgroup = ncap;
    if (detect_strings(where, o, "keywords", &kw, &nkw, 1, e) ||
        detect_strings(where, o, "stopwords", &t->stop, &t->nstop, 0, e) ||
        detect_strings(where, o, "path_allow", &t->path_allow, &t->npath, 0,
                       e) ||
        detect_strings(where, o, "allow", &allow, &nallow, 0, e))
        goto out;
    if (nallow)
        t->allow = xcalloc(nallow, sizeof(*t->allow));
    for (i = 0; i < nallow; i++) {
        if (!(t->allow[i] = detect_re(where, allow[i], e)))
            goto out;
        t->nallow++;
    }
    for (i = 0; i < nkw; i++) {
        if (b->nkw == b->capkw) {
            b->capkw = b->capkw ? 2 * b->capkw : 64;
            b->kw = xrealloc(b->kw, b->capkw * sizeof(*b->kw));
            d->lit_det = xrealloc(d->lit_det, b->capkw * sizeof(size_t));
        }
        d->lit_det[b->nkw] = d->n - 1;
        b->kw[b->nkw++] = kw[i];
        kw[i] = NULL;
    }
    t->nkw = nkw;
    rc = 0;
out:
    for (i = 0; kw && i < nkw; i++)
        free(kw[i]);
    free(kw);
    for (i = 0; allow && i < nallow; i++)
        free(allow[i]);
    free(allow);
    return rc;
}

struct detect_docs {
    struct detect_build *b;
    const char *origin;
    struct err *e;
    int rc;
};

static int detect_doc(json_t *doc, long line, const json_t *item_lines,
                      void *arg)
{
    struct detect_docs *dd = arg;
    const json_t *list = doc, *v;
    size_t i;

    (void)line;
    (void)item_lines;
    if (json_is_object(doc))
        list = json_object_get(doc, "detectors");
    if (!json_is_array(list)) {
        dd->rc = err_set(dd->e, "%s: not a list of detectors", dd->origin);
    } else {
        json_array_foreach(list, i, v)
        {
            if (detect_add(dd->b, dd->origin, i, v, dd->e)) {
                dd->rc = -1;
                break;
            }
        }
    }
    json_decref(doc);
    return dd->rc;
}

static int detect_parse(struct detect_build *b, const char *origin,
                        const char *text, size_t len, struct err *e)
{
    struct detect_docs dd = {.b = b, .origin = origin, .e = e, .rc = 0};

    if (yj_parse(text, len, 1, detect_doc, &dd, e)) {
        if (dd.rc == 0)
            err_prefix(e, "%s", origin);
        return -1;
    }
    return dd.rc;
}

static int detect_compile(struct detect_build *b, struct err *e)
{
    struct detect *d = b->d;
    hs_compile_error_t *ce = NULL;
    unsigned *flags, *ids;
    size_t i;
    hs_error_t rc;

    d->nlit = b->nkw;
    if (!b->nkw)
        return 0;
    flags = xcalloc(b->nkw, sizeof(*flags));
    ids = xcalloc(b->nkw, sizeof(*ids));
    d->lit_len = xcalloc(b->nkw, sizeof(size_t));
    for (i = 0; i < b->nkw; i++) {
        flags[i] = HS_FLAG_CASELESS;
        ids[i] = (unsigned)i;
        d->lit_len[i] = strlen(b->kw[i]);
        if (d->lit_len[i] > d->maxkw)
            d->maxkw = d->lit_len[i];
    }
    rc = hs_compile_lit_multi((const char *const *)b->kw, flags, ids,
                              d->lit_len, (unsigned)b->nkw, HS_MODE_BLOCK, NULL,
                              &d->db, &ce);
    free(flags);
    free(ids);
    if (rc != HS_SUCCESS) {
        err_set(e, "detector keywords: %s",
                ce && ce->message ? ce->message : "cannot compile");
        hs_free_compile_error(ce);
        return -1;
    }
    return 0;
}

static void detect_build_release(struct detect_build *b)
{
    size_t i;

    for (i = 0; i < b->nkw; i++)
        free(b->kw[i]);
    free(b->kw);
}

struct detect *detect_load_text(const char *origin, const char *text,
                                size_t len, struct err *e)
{
    struct detect_build b = {.d = xcalloc(1, sizeof(struct detect))};
    int rc = detect_parse(&b, origin, text, len, e);

    if (rc == 0)
        rc = detect_compile(&b, e);
    detect_build_release(&b);
    if (rc) {
        detect_free(b.d);
        return NULL;
    }
    return b.d;
}

struct detect *detect_load(const char *path, struct err *e)
{
    struct strbuf sb = STRBUF_INIT;
    char buf[65536];
    struct detect *d = NULL;
    size_t n;
    FILE *f = fopen(path, "rb");

    if (!f) {
        err_set(e, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(&sb, buf, n);
    if (ferror(f))
        err_set(e, "%s: cannot read: %s", path, strerror(errno));
    else
        d = detect_load_text(path, sb_str(&sb), sb.len, e);
    fclose(f);
    sb_release(&sb);
    return d;
}

static pthread_once_t detect_once = PTHREAD_ONCE_INIT;
static struct detect *detect_builtin_d;
static struct err detect_builtin_err;

static void detect_builtin_init(void)
{
    struct detect_build b = {.d = xcalloc(1, sizeof(struct detect))};
    size_t i;
    int rc = 0;

    for (i = 0; rc == 0 && i < detect_files_embedded_count; i++)
        rc = detect_parse(&b, detect_files_embedded[i].path,
                          detect_files_embedded[i].data,
                          detect_files_embedded[i].len, &detect_builtin_err);
    if (rc == 0)
        rc = detect_compile(&b, &detect_builtin_err);
    detect_build_release(&b);
    if (rc)
        detect_free(b.d);
    else
        detect_builtin_d = b.d;
}

const struct detect *detect_builtin(struct err *e)
{
    pthread_once(&detect_once, detect_builtin_init);
    if (!detect_builtin_d)
        err_set(e, "built-in detectors: %s", detect_builtin_err.msg);
    return detect_builtin_d;
}

/* ---- scanning -------------------------------------------------------- */

/* One Vectorscan scratch per thread, grown to fit every database. */
static pthread_key_t detect_scratch_key;
static pthread_once_t detect_scratch_once = PTHREAD_ONCE_INIT;

static void detect_scratch_free(void *p)
{
    hs_free_scratch(p);
}

static void detect_scratch_init(void)
{
    pthread_key_create(&detect_scratch_key, detect_scratch_free);
}

static hs_scratch_t *detect_scratch(const hs_database_t *db)
{
    hs_scratch_t *s;

    pthread_once(&detect_scratch_once, detect_scratch_init);
    s = pthread_getspecific(detect_scratch_key);
    if (hs_alloc_scratch(db, &s) != HS_SUCCESS)
        return NULL;
    pthread_setspecific(detect_scratch_key, s);
    return s;
}

struct detect_win {
    size_t det, start, end;
};

struct detect_cand {
    size_t det, off, len;
};

struct detect_scan {
    const struct detect *d;
    const char *buf;
    size_t len, base; /* base: offset of the segment hs is scanning */
    size_t *ws, *we;  /* per detector: its open window, we == 0: none */
    struct detect_win *win;
    size_t nwin, capwin;
    struct detect_cand *cand;
    size_t ncand, capcand;
};

static void detect_push_win(struct detect_scan *sc, size_t det)
{
    if (sc->nwin == sc->capwin) {
        sc->capwin = sc->capwin ? 2 * sc->capwin : 64;
        sc->win = xrealloc(sc->win, sc->capwin * sizeof(*sc->win));
    }
    sc->win[sc->nwin].det = det;
    sc->win[sc->nwin].start = sc->ws[det];
    sc->win[sc->nwin].end = sc->we[det];
    sc->nwin++;
}

/* The window's end goes on to the end of its line (bounded), so a token
 * is never cut by it. */
static size_t detect_win_end(const struct detect_scan *sc, size_t at)
{
    const char *nl;
    size_t lim;

    if (at >= sc->len)
        return sc->len;
    lim = sc->len - at < DETECT_LINE_MAX ? sc->len - at : DETECT_LINE_MAX;
    nl = memchr(sc->buf + at, '\n', lim);
    return nl ? (size_t)(nl - sc->buf) : at + lim;
}

static int detect_on_kw(unsigned id, unsigned long long from,
                        unsigned long long to, unsigned flags, void *arg)
{
    struct detect_scan *sc = arg;
    size_t det = sc->d->lit_det[id];
    const struct detect_det *t = &sc->d->det[det];
    size_t end = sc->base + (size_t)to, kw = end - sc->d->lit_len[id];
    size_t ws = kw > DETECT_BACK ? kw - DETECT_BACK : 0;
    size_t we = end + t->fwd < sc->len ? end + t->fwd : sc->len;
    const char *nl;

    (void)from;
    (void)flags;
    if (!t->lines && kw > ws &&
        (nl = memrchr(sc->buf + ws, '\n', kw - ws)) != NULL)
        ws = (size_t)(nl - sc->buf) + 1;
    /* Overlapping windows merge (either way round: the order of the
     * keyword hits is not relied on). */
    if (sc->we[det] && ws <= sc->we[det] && we >= sc->ws[det]) {
        if (ws < sc->ws[det])
            sc->ws[det] = ws;
        if (we > sc->we[det])
            sc->we[det] = detect_win_end(sc, we);
        return 0;
    }
    if (sc->we[det])
        detect_push_win(sc, det);
    sc->ws[det] = ws;
    sc->we[det] = detect_win_end(sc, we);
    return 0;
}

static int detect_run(struct detect_scan *sc, size_t det, size_t start,
                      size_t end, pcre2_match_data *md, pcre2_match_context *mc,
                      struct err *e)
{
    const struct detect_det *t = &sc->d->det[det];
    PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
    size_t at = start;
    int rc;

    while (at < end) {
        rc = pcre2_match(t->re, (PCRE2_SPTR)sc->buf, end, at, 0, md, mc);
        if (rc == PCRE2_ERROR_NOMATCH)
            return 0;
        if (rc < 0) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(rc, msg, sizeof(msg));
            return err_set(e, "detector %s: at byte %zu: %s", t->id, at,
                           (const char *)msg);
        }
        if ((uint32_t)rc > t->group && ov[2 * t->group] != PCRE2_UNSET &&
            ov[2 * t->group + 1] > ov[2 * t->group]) {
            if (sc->ncand == DETECT_MAX_CANDIDATES)
                return err_set(e,
                               "more than %u candidate secrets in one "
                               "buffer: not scanned further",
                               DETECT_MAX_CANDIDATES);
            if (sc->ncand == sc->capcand) {
                sc->capcand = sc->capcand ? 2 * sc->capcand : 64;
                sc->cand = xrealloc(sc->cand, sc->capcand * sizeof(*sc->cand));
            }
            sc->cand[sc->ncand].det = det;
            sc->cand[sc->ncand].off = ov[2 * t->group];
            sc->cand[sc->ncand].len = ov[2 * t->group + 1] - ov[2 * t->group];
            sc->ncand++;
        }
        at = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
    }
    return 0;
}

static int detect_cand_cmp(const void *a, const void *b)
{
    const struct detect_cand *x = a, *y = b;

    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->det < y->det ? -1 : x->det > y->det;
}

double detect_entropy(const void *s, size_t n)
{
    const unsigned char *p = s;
    size_t count[256] = {0}, i;
    double h = 0, q;

    for (i = 0; i < n; i++)
        count[p[i]]++;
    for (i = 0; i < 256; i++) {
        if (!count[i])
            continue;
        q = (double)count[i] / (double)n;
        h -= q * log2(q);
    }
    return h;
}

static int detect_has_ci(const char *s, size_t n, const char *word)
{
    size_t w = strlen(word), i;

    for (i = 0; w <= n && i <= n - w; i++)
        if (strncasecmp(s + i, word, w) == 0)
            return 1;
    return 0;
}

/* Whether the line(s) holding [off, off+n) say `fourc:allow`. */
static int detect_inline_allow(const char *buf, size_t len, size_t off,
                               size_t n)
{
    static const char tag[] = "fourc:allow";
    size_t s = off, end = off + n, lim;
    const char *nl;

    while (s > 0 && off - s < DETECT_LINE_MAX && buf[s - 1] != '\n')
        s--;
    lim = len - end < DETECT_LINE_MAX ? len - end : DETECT_LINE_MAX;
    nl = memchr(buf + end, '\n', lim);
    end = nl ? (size_t)(nl - buf) : end + lim;
    return memmem(buf + s, end - s, tag, sizeof(tag) - 1) != NULL;
}

/* fnmatch without FNM_PATHNAME: a star matches slashes too, so a glob of
 * star, "/testdata/", star matches "a/testdata/b"; a relative path is also
 * tried with a leading slash, so that glob matches "testdata/b" too. */
static int detect_path_match(const char *glob, const char *path)
{
    char slash[4096];

    if (fnmatch(glob, path, 0) == 0)
        return 1;
    if (path[0] == '/' ||
        (size_t)snprintf(slash, sizeof(slash), "/%s", path) >= sizeof(slash))
        return 0;
    return fnmatch(glob, slash, 0) == 0;
}

static int detect_allowed(const struct detect_det *t, const char *path,
                          const char *sec, size_t n, pcre2_match_data *md)
{
    size_t i;

    for (i = 0; detect_examples[i]; i++)
        if (strlen(detect_examples[i]) == n &&
            memcmp(detect_examples[i], sec, n) == 0)
            return 1;
    for (i = 0; path && i < t->npath; i++)
        if (detect_path_match(t->path_allow[i], path))
            return 1;
    for (i = 0; i < t->nstop; i++)
        if (detect_has_ci(sec, n, t->stop[i]))
            return 1;
    for (i = 0; i < t->nallow; i++)
        if (pcre2_match(t->allow[i], (PCRE2_SPTR)sec, n, 0, 0, md, NULL) >= 0)
            return 1;
    return 0;
}

static void detect_hit_fill(struct detect_hit *h, const struct detect_det *t,
                            const char *sec, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    size_t i;

    h->detector = t->id;
    h->title = t->title;
    h->severity = t->severity;
    for (i = 0; i < 4 && i < n; i++)
        h->prefix[i] = sec[i] > ' ' && sec[i] < 127 ? sec[i] : '?';
    h->prefix[i] = '\0';
    sha256_raw(sec, n, md);
    for (i = 0; i < 32; i++) {
        h->hash[2 * i] = hex[md[i] >> 4];
        h->hash[2 * i + 1] = hex[md[i] & 15];
    }
    h->hash[64] = '\0';
}

/* Newlines in p[0..n), 8 bytes at a time (memchr per line is slow on
 * short lines): a byte of y is zero exactly where p has '\n', and t has
 * the top bit of each zero byte of y set. */
static size_t detect_count_nl(const char *p, size_t n)
{
    const uint64_t lo7 = 0x7f7f7f7f7f7f7f7full, nls = 0x0a0a0a0a0a0a0a0aull;
    uint64_t w, y, t;
    size_t i = 0, c = 0;

    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        y = w ^ nls;
        t = ~(((y & lo7) + lo7) | y | lo7);
        /* one bit per byte: a multiply sums them into the top byte */
        c += (size_t)(((t >> 7) * 0x0101010101010101ull) >> 56);
    }
    for (; i < n; i++)
        c += p[i] == '\n';
    return c;
}

/* Filters the sorted candidates and reports the rest with their line. */
static int detect_report(struct detect_scan *sc, const char *path,
                         pcre2_match_data *md, detect_fn fn, void *arg)
{
    const char *buf = sc->buf, *nl;
    size_t pos = 0, bol = 0, i, last_off = 0, last_len = 0;
    long line = 1;
    int rc, reported = 0;

    for (i = 0; i < sc->ncand; i++) {
        const struct detect_cand *c = &sc->cand[i];
        const struct detect_det *t = &sc->d->det[c->det];
        const char *sec = buf + c->off;
        struct detect_hit h;

        /* One value at one place is one finding: of the detectors that
         * matched exactly it, the first in the pack (specific ones come
         * before the generic assignments) names it. */
        if (reported && c->off == last_off && c->len == last_len)
            continue;
        if (detect_allowed(t, path, sec, c->len, md))
            continue;
        memset(&h, 0, sizeof(h));
        h.entropy = detect_entropy(sec, c->len);
        if (h.entropy < t->entropy)
            continue;
        if (detect_inline_allow(buf, sc->len, c->off, c->len))
            continue;
        if (c->off > pos) {
            line += (long)detect_count_nl(buf + pos, c->off - pos);
            if ((nl = memrchr(buf + pos, '\n', c->off - pos)) != NULL)
                bol = (size_t)(nl - buf) + 1;
            pos = c->off;
        }
        detect_hit_fill(&h, t, sec, c->len);
        h.offset = c->off;
        h.len = c->len;
        h.line = line;
        h.column = (long)(c->off - bol) + 1;
        reported = 1;
        last_off = c->off;
        last_len = c->len;
        if ((rc = fn(arg, &h)) != 0)
            return rc;
    }
    return 0;
}

static int detect_keywords(struct detect_scan *sc, struct err *e)
{
    hs_scratch_t *s = detect_scratch(sc->d->db);
    size_t seg, i;

    if (!s)
        return err_set(e, "detector keywords: cannot allocate scratch");
    for (sc->base = 0;;) {
        seg = sc->len - sc->base < DETECT_HS_SEG ? sc->len - sc->base
                                                 : DETECT_HS_SEG;
        if (hs_scan(sc->d->db, sc->buf + sc->base, (unsigned)seg, 0, s,
                    detect_on_kw, sc) != HS_SUCCESS)
            return err_set(e, "detector keywords: scan failed");
        if (sc->base + seg >= sc->len)
            break;
        /* the next segment overlaps by a keyword's length */
        sc->base += seg - sc->d->maxkw;
    }
    for (i = 0; i < sc->d->n; i++)
        if (sc->we[i])
            detect_push_win(sc, i);
    return 0;
}

int detect_scan(const struct detect *d, const char *path, const void *buf,
                size_t len, detect_fn fn, void *arg, struct err *e)
{
    struct detect_scan sc = {.d = d, .buf = buf, .len = len};
    pcre2_match_data *md = NULL;
    pcre2_match_context *mc = NULL;
    size_t i;
    int rc = 0;

    if (!d->n || !len)
        return 0;
    sc.ws = xcalloc(d->n, sizeof(size_t));
    sc.we = xcalloc(d->n, sizeof(size_t));
    md = pcre2_match_data_create(d->maxgroup + 1, NULL);
    mc = pcre2_match_context_create(NULL);
    if (!md || !mc) {
        rc = err_set(e, "detectors: out of memory");
        goto out;
    }
    pcre2_set_match_limit(mc, DETECT_MATCH_LIMIT);
    if (d->db && (rc = detect_keywords(&sc, e)) != 0)
        goto out;
    for (i = 0; rc == 0 && i < sc.nwin; i++)
        rc = detect_run(&sc, sc.win[i].det, sc.win[i].start, sc.win[i].end, md,
                        mc, e);
    for (i = 0; rc == 0 && i < d->n; i++)
        if (d->det[i].nkw == 0)
            rc = detect_run(&sc, i, 0, len, md, mc, e);
    if (rc)
        goto out;
    if (sc.ncand)
        qsort(sc.cand, sc.ncand, sizeof(*sc.cand), detect_cand_cmp);
    rc = detect_report(&sc, path, md, fn, arg);
out:
    pcre2_match_data_free(md);
    pcre2_match_context_free(mc);
    free(sc.ws);
    free(sc.we);
    free(sc.win);
    free(sc.cand);
    return rc;
}

/* ---- streams --------------------------------------------------------- */

struct detect_stream {
    detect_fn fn;
    void *arg;
    size_t from, to;   /* hits of this round: from <= offset < to */
    size_t file_base;  /* file offset of the buffer's first byte */
    long lines_before; /* newlines before it */
    long col_base;     /* bytes between the last of them and it */
};

static int detect_stream_hit(void *arg, const struct detect_hit *h)
{
    struct detect_stream *st = arg;
    struct detect_hit g = *h;

    if (h->offset < st->from || h->offset >= st->to)
        return 0;
    g.offset += st->file_base;
    if (g.line == 1)
        g.column += st->col_base;
    g.line += st->lines_before;
    return st->fn(st->arg, &g);
}

int detect_scan_fd(const struct detect *d, const char *path, int fd,
                   size_t chunk, detect_fn fn, void *arg, struct err *e)
{
    struct detect_stream st = {.fn = fn, .arg = arg};
    size_t cap, have = 0, keep;
    char *buf, *nl;
    ssize_t n;
    int eof = 0, rc = 0;

    if (chunk < 2 * (DETECT_OVERLAP + DETECT_CONTEXT))
        chunk = chunk ? 2 * (DETECT_OVERLAP + DETECT_CONTEXT)
                      : DETECT_CHUNK_DEFAULT;
    cap = chunk;
    buf = xmalloc(cap);
    while (!eof) {
        while (have < cap) {
            n = read(fd, buf + have, cap - have);
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                rc = err_set(e, "%s: cannot read: %s", path ? path : "input",
                             strerror(errno));
                goto out;
            }
            if (n == 0) {
                eof = 1;
                break;
            }
            have += (size_t)n;
        }
        /* A secret starting in the last DETECT_OVERLAP bytes may be cut:
         * it is found in the next round, which starts DETECT_CONTEXT
         * bytes earlier still, so its keyword is in that buffer too. */
        st.to = eof ? have : have - DETECT_OVERLAP;
        rc = detect_scan(d, path, buf, have, detect_stream_hit, &st, e);
        if (rc || eof)
            goto out;
        keep = st.to - DETECT_CONTEXT;
        st.lines_before += (long)detect_count_nl(buf, keep);
        nl = memrchr(buf, '\n', keep);
        st.col_base = nl ? (long)(keep - (size_t)(nl - buf) - 1)
                         : st.col_base + (long)keep;
        memmove(buf, buf + keep, have - keep);
        have -= keep;
        st.file_base += keep;
        st.from = DETECT_CONTEXT;
    }
out:
    free(buf);
    return rc;
}
