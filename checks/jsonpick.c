/*
 * jsonpick.c: fourc_json_pick(doc, path, key...), for SQL rules. They read a
 * few members of each document. json_extract parses the whole document into a
 * tree first (in SQLite 3.40 at some 17 instructions a byte), and that was most
 * of what a rule over every workload cost. Finding members only needs to skip
 * the values that are not asked for, a scan for quotes and brackets: values are
 * not decoded, nor the document checked beyond what the scan passes over.
 * Documents are fourc's own compact JSON (jsonw.c); elsewhere the result
 * is at worst a "malformed JSON" error or NULL, never a read past the text.
 */
#include "jsonpick.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

/* What a byte means when skipping: outside strings, and inside. */
enum {
    JSONPICK_PLAIN,
    JSONPICK_CTRL,
    JSONPICK_QUOTE,
    JSONPICK_OPEN,
    JSONPICK_CLOSE,
    JSONPICK_ESC
};

/* The first 32 entries of both are JSONPICK_CTRL (1): control characters,
 * among them the NUL that ends every text SQLite hands out. */
/* clang-format off */
static const unsigned char jsonpick_out[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = JSONPICK_QUOTE, ['{'] = JSONPICK_OPEN, ['['] = JSONPICK_OPEN,
    ['}'] = JSONPICK_CLOSE, [']'] = JSONPICK_CLOSE};
static const unsigned char jsonpick_in[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    ['"'] = JSONPICK_QUOTE, ['\\'] = JSONPICK_ESC};
/* clang-format on */

/*
 * Past the end of the string whose opening quote is just before p, or NULL
 * when it does not end before end (or holds a control character, which
 * JSON forbids). A byte at a time: eight at a time (SWAR) and memchr were
 * slower, a document's strings being a dozen bytes or so.
 */
static const char *jsonpick_string(const char *p, const char *end)
{
    for (;;) {
        while (!jsonpick_in[(unsigned char)*p])
            p++;
        if (*p == '"')
            return p + 1;
        if (*p != '\\' || end - p < 2)
            return NULL;
        p += 2;
    }
}

static const char *jsonpick_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

/* Past the value that starts at p, or NULL when it does not end. Objects
 * and arrays by counting brackets outside strings. */
static const char *jsonpick_skip(const char *p, const char *end)
{
    size_t depth = 0;

    if (*p == '"')
        return jsonpick_string(p + 1, end);
    if (*p != '{' && *p != '[') { /* number, true, false, null */
        const char *s = p;
        while (*p == '-' || *p == '+' || *p == '.' ||
               (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
               (*p >= 'A' && *p <= 'Z'))
            p++;
        return p > s ? p : NULL;
    }
    for (;;) {
        while (!jsonpick_out[(unsigned char)*p])
            p++;
        switch (jsonpick_out[(unsigned char)*p]) {
        case JSONPICK_QUOTE:
            if (!(p = jsonpick_string(p + 1, end)))
                return NULL;
            break;
        case JSONPICK_OPEN:
            depth++;
            p++;
            break;
        case JSONPICK_CLOSE:
            p++;
            if (--depth == 0)
                return p;
            break;
        default: /* whitespace, or the end */
            if (p >= end || (*p != '\t' && *p != '\n' && *p != '\r'))
                return NULL;
            p++;
        }
    }
}

/* A walk over the members of one object, in order. */
struct jsonpick_iter {
    const char *p, *end;
    const char *key; /* the member's key as written, between the quotes */
    size_t klen;
    const char *v; /* its value; NULL once the caller moved p past it */
    int started;
};

static void jsonpick_open(struct jsonpick_iter *it, const char *obj,
                          const char *end)
{
    it->p = obj + 1;
    it->end = end;
    it->v = NULL;
    it->started = 0;
}

/*
 * The next member: 1 with key, klen and v set, 0 after the last one, -1
 * when the text is not JSON. The value of the member before is skipped
 * here unless the caller did (v = NULL, p past it), so that the member a
 * path goes into is read once, not skipped first.
 */
static int jsonpick_next(struct jsonpick_iter *it)
{
    const char *p = it->p, *kend;

    if (it->v && !(p = jsonpick_skip(it->v, it->end)))
        return -1;
    p = jsonpick_ws(p);
    if (it->started) {
        if (*p == '}')
            return 0;
        if (*p != ',')
            return -1;
        p = jsonpick_ws(p + 1);
    } else if (*p == '}') {
        return 0;
    }
    it->started = 1;
    if (*p != '"' || !(kend = jsonpick_string(p + 1, it->end)))
        return -1;
    it->key = p + 1;
    it->klen = (size_t)(kend - 1 - it->key);
    p = jsonpick_ws(kend);
    if (*p != ':')
        return -1;
    it->v = it->p = jsonpick_ws(p + 1);
    return 1;
}

/* The length of the key at the start of s (up to '.' or the end), or 0
 * when it is empty or holds '[', '"', '\\' or a control character:
 * json_extract would read those as something else than a plain key. */
static size_t jsonpick_key(const char *s)
{
    size_t n = strcspn(s, ".[\"\\"), i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return 0;
    return s[n] == '.' || s[n] == '\0' ? n : 0;
}

/* "$" or "$.key.key...". */
static int jsonpick_path_ok(const char *path)
{
    size_t n;

    if (*path++ != '$')
        return 0;
    for (; *path == '.'; path += n)
        if (!(n = jsonpick_key(++path)))
            return 0;
    return *path == '\0';
}

/*
 * The object at path (checked by jsonpick_path_ok) in doc, or NULL when
 * there is none; *bad is set when doc turned out not to be JSON. As in
 * json_extract, a key matches the text between the quotes as written, and
 * the first member of that name is the one.
 */
static const char *jsonpick_at(const char *doc, const char *end,
                               const char *path, int *bad)
{
    const char *p = jsonpick_ws(doc);
    struct jsonpick_iter it;
    size_t n;
    int rc;

    for (path++; *path == '.'; path += n) {
        n = jsonpick_key(++path);
        if (*p != '{')
            return NULL;
        jsonpick_open(&it, p, end);
        while ((rc = jsonpick_next(&it)) == 1 &&
               (it.klen != n || memcmp(it.key, path, n) != 0))
            ;
        if (rc != 1) {
            *bad = rc < 0;
            return NULL;
        }
        p = it.v;
    }
    return *p == '{' ? p : NULL;
}

#define ENGINE_PICK_MAX 16 /* keys of one fourc_json_pick */

struct jsonpick_pick {
    int n;
    const char *key[ENGINE_PICK_MAX];
    size_t klen[ENGINE_PICK_MAX];
    const char *v[ENGINE_PICK_MAX], *vend[ENGINE_PICK_MAX]; /* found */
};

/* Finds the first member of each name pk asks for in the object at obj:
 * 0, or -1 when the text is not JSON. Stops once all have been found. */
static int jsonpick_pick(struct jsonpick_pick *pk, const char *obj,
                         const char *end)
{
    struct jsonpick_iter it;
    int i, left = pk->n, rc = 1;

    jsonpick_open(&it, obj, end);
    while (left > 0 && (rc = jsonpick_next(&it)) == 1) {
        for (i = 0; i < pk->n; i++) {
            if (pk->v[i] || it.klen != pk->klen[i] ||
                memcmp(it.key, pk->key[i], it.klen) != 0)
                continue;
            if (!(it.p = jsonpick_skip(it.v, end)))
                return -1;
            pk->v[i] = it.v;
            pk->vend[i] = it.p;
            it.v = NULL;
            left--;
            break;
        }
    }
    return rc < 0 ? -1 : 0;
}

/* The keys after doc and path: NULL, or why they cannot be picked. */
static const char *jsonpick_keys(struct jsonpick_pick *pk, int argc,
                                 sqlite3_value **argv)
{
    int i;

    if (argc < 3 || argc - 2 > ENGINE_PICK_MAX)
        return "fourc_json_pick takes a document, a path and 1 to 16 keys";
    pk->n = argc - 2;
    for (i = 0; i < pk->n; i++) {
        pk->key[i] = (const char *)sqlite3_value_text(argv[i + 2]);
        if (!pk->key[i] || !(pk->klen[i] = jsonpick_key(pk->key[i])) ||
            pk->key[i][pk->klen[i]] != '\0')
            return "fourc_json_pick: a key must be a plain name";
        pk->v[i] = pk->vend[i] = NULL;
    }
    return NULL;
}

/*
 * fourc_json_pick(doc, path, key, ...): the members of the object at path
 * in doc that are named key..., as the text of a JSON object: values as
 * written, the first member of a name only, in the order of the keys.
 * NULL when doc is NULL or path leads to no object. For such a key k,
 * json_type(fourc_json_pick(doc, P, k), '$.k') = json_type(doc, P || '.k'),
 * and the same for json_extract.
 */
static void jsonpick_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *doc = (const char *)sqlite3_value_text(argv[0]);
    const char *path =
        argc > 1 ? (const char *)sqlite3_value_text(argv[1]) : NULL;
    struct strbuf out = STRBUF_INIT;
    struct jsonpick_pick pk;
    const char *obj, *why;
    int i, bad = 0;

    why = jsonpick_keys(&pk, argc, argv);
    if (!why && !(path && jsonpick_path_ok(path)))
        why = "fourc_json_pick: the path must be $ or $.key.key...";
    if (why) {
        sqlite3_result_error(ctx, why, -1);
        return;
    }
    if (!doc) {
        sqlite3_result_null(ctx);
        return;
    }
    /* sqlite3_value_bytes after sqlite3_value_text: the text's length */
    obj = jsonpick_at(doc, doc + sqlite3_value_bytes(argv[0]), path, &bad);
    if (obj && jsonpick_pick(&pk, obj, doc + sqlite3_value_bytes(argv[0])))
        bad = 1;
    if (bad || !obj) {
        if (bad)
            sqlite3_result_error(ctx, "malformed JSON", -1);
        else
            sqlite3_result_null(ctx);
        return;
    }
    sb_add(&out, "{", 1);
    for (i = 0; i < pk.n; i++) {
        if (!pk.v[i])
            continue;
        if (out.len > 1)
            sb_add(&out, ",", 1);
        sb_add(&out, "\"", 1);
        sb_add(&out, pk.key[i], pk.klen[i]);
        sb_add(&out, "\":", 2);
        sb_add(&out, pk.v[i], (size_t)(pk.vend[i] - pk.v[i]));
    }
    sb_add(&out, "}", 1);
    sqlite3_result_text(ctx, out.buf, (int)out.len, free);
}

int jsonpick_register(sqlite3 *db)
{
    return sqlite3_create_function(db, "fourc_json_pick", -1,
                                   SQLITE_UTF8 | SQLITE_DETERMINISTIC |
                                       SQLITE_INNOCUOUS,
                                   NULL, jsonpick_fn, NULL, NULL);
}
