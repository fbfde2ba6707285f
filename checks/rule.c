/*
 * rule.c: load, validate and compile rule packs; see rule.h.
 *
 * Validation is strict on purpose: an unknown key or operator is an error,
 * because a typo that silently disabled a check would turn into a pass.
 */
#include "rule.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "catalogue.h"
#include "rule_int.h"
#include "engine.h"
#include "yamljson.h"
#include "banned.h"

static const char *const rule_pillars[] = {"code", "container", "cluster",
                                           "cloud", NULL};
static const char *const rule_severities[] = {"info", "low",      "medium",
                                              "high", "critical", NULL};
static const char *const rule_keys[] = {
    "id",          "title",     "pillar",      "kinds",
    "severity",    "level",     "automated",   "frameworks",
    "description", "rationale", "remediation", "references",
    "when",        "check",     "select",      NULL};

int rule_in(const char *s, const char *const *list)
{
    int i;
    for (i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return i;
    return -1;
}

int severity_rank(const char *sev)
{
    return sev ? rule_in(sev, rule_severities) : -1;
}

void diag_add(struct diag *d, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb.buf = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(sb.buf, (size_t)n + 1, fmt, ap);
    va_end(ap);
    d->msgs = xrealloc(d->msgs, (d->n + 1) * sizeof(*d->msgs));
    d->msgs[d->n++] = sb.buf;
}

void diag_release(struct diag *d)
{
    size_t i;
    for (i = 0; i < d->n; i++)
        free(d->msgs[i]);
    free(d->msgs);
    d->msgs = NULL;
    d->n = 0;
}

static void rule_free(struct rule *r)
{
    size_t i;

    if (!r)
        return;
    free(r->id);
    free(r->title);
    free(r->pillar);
    free(r->severity);
    free(r->pack);
    free(r->origin);
    for (i = 0; i < r->nkinds; i++)
        free(r->kinds[i]);
    free(r->kinds);
    rule_check_free(r->select);
    rule_check_free(r->when);
    rule_check_free(r->check);
    json_decref(r->doc);
    free(r);
}

static char *rule_str(const json_t *doc, const char *key, const char *def)
{
    const json_t *v = json_object_get(doc, key);
    return xstrdup(json_is_string(v) ? json_string_value(v) : def);
}

static int rule_id_ok(const char *id)
{
    const char *s;
    if (!*id)
        return 0;
    for (s = id; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-'))
            return 0;
    return 1;
}

/* The text of the file a rule came from, and the lines its item spans
 * ([first, last); last 0 for the rest of the file), to name the line of a
 * problem inside the rule. */
struct rule_src {
    const char *text;
    size_t len;
    long first, last;
};

static int rule_word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
           c == '/';
}

/*
 * The line of the rule's text where the words of path occur in order
 * ("frameworks", "cis-kubernetes", "5.2.13"), each a whole word on the line
 * of the one before it or a later one; the rule's first line when they do
 * not (flow mappings, anchors). Runs only to report a problem.
 */
static long rule_line_of(const struct rule_src *src, const char *const *path)
{
    const char *p = src->text, *end = src->text + src->len;
    long line = 1, found = src->first;

    if (!src->text)
        return src->first;
    while (p < end && line < src->first)
        if (*p++ == '\n')
            line++;
    while (*path && p < end && (src->last <= 0 || line < src->last)) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t wl = strlen(*path);
        const char *q;
        if (!eol)
            eol = end;
        for (q = p; q + wl <= eol; q++)
            if (memcmp(q, *path, wl) == 0 &&
                (q == p || !rule_word_char(q[-1])) &&
                (q + wl == eol || !rule_word_char(q[wl])))
                break;
        if (q + wl <= eol) {
            found = line;
            path++;
            p = q + wl; /* the next word may be on this line too */
            continue;
        }
        p = eol + 1;
        line++;
    }
    return *path ? src->first : found;
}

/* Every kind must be one some collector emits (the ruleset's kind_check;
 * none set, kinds are taken as written). */
static void rule_check_kinds(const struct rule *r, kind_check_fn check,
                             const struct rule_src *src, const char *origin,
                             struct diag *d, size_t *problems)
{
    char why[512];
    size_t i;

    for (i = 0; check && i < r->nkinds; i++) {
        const char *path[] = {"kinds", r->kinds[i], NULL};
        int rc = check(r->kinds[i], why, sizeof(why));
        if (rc == 0)
            continue;
        diag_add(d, "%s:%ld: rule %s: %s%s", origin, rule_line_of(src, path),
                 r->id, rc > 0 ? "warning: " : "", why);
        if (rc < 0)
            (*problems)++;
    }
}

/* Every control id of a framework that has a catalogue must be in it. A
 * framework without one (a user's own) is taken as written. */
static void rule_check_frameworks(const struct rule *r, const json_t *fws,
                                  const struct rule_src *src,
                                  const char *origin, struct diag *d,
                                  size_t *problems)
{
    const char *fw;
    json_t *ids, *id;
    size_t i;

    json_object_foreach((json_t *)fws, fw, ids)
    {
        const struct catalogue *c = catalogue_find(fw);
        if (!c)
            continue;
        json_array_foreach(ids, i, id)
        {
            const char *s = json_string_value(id);
            const char *path[] = {"frameworks", fw, s, NULL};
            if (!s || catalogue_control(c, s))
                continue;
            diag_add(d,
                     "%s:%ld: rule %s: frameworks.%s: \"%s\" is not a "
                     "control of %s (see 'fourc rules coverage %s')",
                     origin, rule_line_of(src, path), r->id, fw, s,
                     catalogue_name(c), fw);
            (*problems)++;
        }
    }
}

/* 1 when c or a check inside it is SQL. */
static int rule_has_sql(const struct check *c)
{
    size_t i;

    if (!c)
        return 0;
    if (c->type == CK_SQL)
        return 1;
    for (i = 0; i < c->nkids; i++)
        if (rule_has_sql(c->kids[i]))
            return 1;
    return 0;
}

/*
 * select: is judged on each resource alone, before anything else, so it
 * can hold no SQL; and a SQL rule picks the rows it returns itself (every
 * resource of its kinds must get one), so it takes no select.
 */
static void rule_check_select(const struct rule *r, const char *loc,
                              struct diag *d, size_t *problems)
{
    if (!r->select)
        return;
    if (rule_has_sql(r->select)) {
        diag_add(d, "%s: select cannot hold sql (it judges one resource)", loc);
        (*problems)++;
    }
    if (r->check && r->check->type == CK_SQL) {
        diag_add(d,
                 "%s: a sql check takes no select (the query picks its "
                 "rows)",
                 loc);
        (*problems)++;
    }
}

/* Validates and compiles one rule; NULL when it has problems. */
static struct rule *rule_compile(json_t *doc, const char *pack,
                                 const char *origin, long line,
                                 const struct rule_src *src, int lint,
                                 kind_check_fn kind_check, struct diag *d,
                                 size_t *problems)
{
    struct rule *r = xcalloc(1, sizeof(*r));
    char loc[512];
    size_t before = *problems, i;
    const char *k;
    json_t *v;
    char *canon;

    r->pack = xstrdup(pack);
    r->id = rule_str(doc, "id", "");
    snprintf(loc, sizeof(loc), "%s:%ld: rule %s", origin, line,
             *r->id ? r->id : "(no id)");
    {
        struct strbuf o = STRBUF_INIT;
        sb_addf(&o, "%s:%ld", origin, line);
        r->origin = sb_detach(&o);
    }
    if (!json_is_object(doc)) {
        diag_add(d, "%s:%ld: a rule must be a mapping", origin, line);
        (*problems)++;
        rule_free(r);
        return NULL;
    }
    json_object_foreach(doc, k, v)
    {
        if (rule_in(k, rule_keys) < 0) {
            diag_add(d, "%s: unknown key \"%s\"", loc, k);
            (*problems)++;
        }
    }
    if (!json_is_string(json_object_get(doc, "id"))) {
        diag_add(d, "%s: missing id", loc);
        (*problems)++;
    } else if (!rule_id_ok(r->id)) {
        diag_add(d, "%s: id must be upper-case letters, digits and '-'", loc);
        (*problems)++;
    }
    r->title = rule_str(doc, "title", "");
    if (!*r->title) {
        diag_add(d, "%s: missing title", loc);
        (*problems)++;
    }
    r->pillar = rule_str(doc, "pillar", "");
    if (rule_in(r->pillar, rule_pillars) < 0) {
        diag_add(d,
                 "%s: pillar must be one of code, container, cluster, "
                 "cloud",
                 loc);
        (*problems)++;
    }
    r->severity = rule_str(doc, "severity", "");
    if (severity_rank(r->severity) < 0) {
        diag_add(d,
                 "%s: severity must be one of critical, high, medium, "
                 "low, info",
                 loc);
        (*problems)++;
    }
    v = json_object_get(doc, "level");
    r->level = json_is_integer(v) ? (int)json_integer_value(v) : 1;
    if (v && !json_is_integer(v)) {
        diag_add(d, "%s: level must be a number", loc);
        (*problems)++;
    }
    v = json_object_get(doc, "automated");
    r->automated = v ? json_is_true(v) : 1;
    if (v && !json_is_boolean(v)) {
        diag_add(d, "%s: automated must be true or false", loc);
        (*problems)++;
    }
    v = json_object_get(doc, "kinds");
    if (!json_is_array(v) || json_array_size(v) == 0) {
        diag_add(d, "%s: kinds must be a non-empty list", loc);
        (*problems)++;
    } else {
        json_t *kv;
        r->kinds = xcalloc(json_array_size(v), sizeof(char *));
        json_array_foreach(v, i, kv)
        {
            if (!json_is_string(kv) || !strchr(json_string_value(kv), '/')) {
                diag_add(d, "%s: kinds[%zu] must look like k8s/Pod", loc, i);
                (*problems)++;
                continue;
            }
            r->kinds[r->nkinds++] = xstrdup(json_string_value(kv));
        }
        rule_check_kinds(r, kind_check, src, origin, d, problems);
    }
    v = json_object_get(doc, "frameworks");
    if (v) {
        json_t *ids, *id;
        size_t n;
        if (!json_is_object(v)) {
            diag_add(d, "%s: frameworks must map a catalogue to ids", loc);
            (*problems)++;
        } else {
            json_object_foreach(v, k, ids)
            {
                int ok = json_is_array(ids);
                json_array_foreach(ids, n, id)
                {
                    if (!json_is_string(id))
                        ok = 0;
                }
                if (!ok) {
                    diag_add(d,
                             "%s: frameworks.%s must be a list of "
                             "strings",
                             loc, k);
                    (*problems)++;
                }
            }
            if (lint)
                rule_check_frameworks(r, v, src, origin, d, problems);
        }
    }
    v = json_object_get(doc, "references");
    if (v && !json_is_array(v)) {
        diag_add(d, "%s: references must be a list", loc);
        (*problems)++;
    }
    if ((v = json_object_get(doc, "select")))
        r->select = rule_check_compile(v, loc, d, problems);
    if ((v = json_object_get(doc, "when")))
        r->when = rule_check_compile(v, loc, d, problems);
    v = json_object_get(doc, "check");
    if (v)
        r->check = rule_check_compile(v, loc, d, problems);
    rule_check_select(r, loc, d, problems);
    if (lint) {
        rule_check_prepare(r->when, loc, d, problems);
        rule_check_prepare(r->check, loc, d, problems);
    }
    if (!v && r->automated) {
        diag_add(d, "%s: missing check (or automated: false)", loc);
        (*problems)++;
    }
    if (*problems != before) {
        rule_free(r);
        return NULL;
    }
    r->doc = json_incref(doc);
    canon = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    sha256_str(canon, strlen(canon), r->hash);
    free(canon);
    return r;
}

static void rule_view_free(struct rule_view *v)
{
    size_t i;

    if (!v)
        return;
    free(v->name);
    free(v->pack);
    free(v->origin);
    free(v->sql);
    for (i = 0; i < v->nkinds; i++)
        free(v->kinds[i]);
    free(v->kinds);
    for (i = 0; i < v->ncols; i++) {
        free(v->cols[i].name);
        jpath_free(v->cols[i].path);
    }
    free(v->cols);
    for (i = 0; i < v->nindexes; i++)
        free(v->indexes[i]);
    free(v->indexes);
    free(v);
}

/* A lower-case SQL identifier: [a-z_][a-z0-9_]*, at most 64 bytes. */
static int rule_ident_ok(const char *s, size_t n)
{
    size_t i;

    if (n == 0 || n > 64 || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return 0;
    return 1;
}

/* "a, b" as the column list of an index: identifiers, comma-separated. */
static int rule_columns_ok(const char *s)
{
    for (;;) {
        size_t n;
        while (*s == ' ')
            s++;
        n = strcspn(s, ", ");
        if (!rule_ident_ok(s, n))
            return 0;
        s += n;
        while (*s == ' ')
            s++;
        if (*s == '\0')
            return 1;
        if (*s++ != ',')
            return 0;
    }
}

/* 1 when text holds no statement (only blanks, comments and ';'). */
static int rule_sql_empty(sqlite3 *db, const char *text)
{
    while (*text) {
        sqlite3_stmt *stmt = NULL;
        const char *tail = NULL;
        if (sqlite3_prepare_v2(db, text, -1, &stmt, &tail) != SQLITE_OK)
            return 0;
        if (stmt) {
            sqlite3_finalize(stmt);
            return 0;
        }
        if (!tail || tail == text)
            break;
        text = tail;
    }
    return 1;
}

/*
 * Builds view v in db as the engine does (CREATE TEMP TABLE ... AS, then
 * its indexes); 0 or an SQLite result code.
 */
int rule_view_create(sqlite3 *db, const struct rule_view *v)
{
    struct strbuf sql = STRBUF_INIT;
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL;
    size_t i;
    int rc;

    if (v->sql) {
        sb_addf(&sql, "CREATE TEMP TABLE \"%s\" AS ", v->name);
        sb_adds(&sql, v->sql);
    } else {
        /* filled by the engine as the resources are judged */
        sb_addf(&sql,
                "CREATE TEMP TABLE \"%s\" (uid TEXT, kind TEXT, name TEXT, "
                "namespace TEXT",
                v->name);
        for (i = 0; i < v->ncols; i++)
            sb_addf(&sql, ", \"%s\" TEXT", v->cols[i].name);
        sb_adds(&sql, ")");
    }
    rc = sqlite3_prepare_v2(db, sb_str(&sql), -1, &stmt, &tail);
    if (rc == SQLITE_OK && (!stmt || (tail && !rule_sql_empty(db, tail))))
        rc = SQLITE_MISUSE; /* checked at load: one statement */
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        rc = rc == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
    }
    sqlite3_finalize(stmt);
    for (i = 0; rc == SQLITE_OK && i < v->nindexes; i++) {
        sb_setlen(&sql, 0);
        sb_addf(&sql, "CREATE INDEX temp.\"%s__%zu\" ON \"%s\" (%s)", v->name,
                i, v->name, v->indexes[i]);
        rc = sqlite3_exec(db, sb_str(&sql), NULL, NULL, NULL);
    }
    sb_release(&sql);
    return rc;
}

/* The kinds and columns of a view of columns, into v; problems to d. */
static void rule_view_columns(struct rule_view *v, const json_t *doc,
                              kind_check_fn kind_check, const char *loc,
                              struct diag *d)
{
    static const char *const fixed[] = {"uid", "kind", "name", "namespace",
                                        NULL};
    const json_t *kinds = json_object_get(doc, "kinds");
    const json_t *cols = json_object_get(doc, "columns"), *it;
    const char *k;
    char why[512];
    size_t i;

    if (!json_is_array(kinds) || json_array_size(kinds) == 0)
        diag_add(d, "%s: kinds must be a non-empty list", loc);
    json_array_foreach(kinds, i, it)
    {
        const char *kind = json_string_value(it);
        if (!kind || !strchr(kind, '/')) {
            diag_add(d, "%s: kinds[%zu] must look like k8s/Pod", loc, i);
            continue;
        }
        if (kind_check && kind_check(kind, why, sizeof(why)) < 0)
            diag_add(d, "%s: kinds[%zu]: %s", loc, i, why);
        v->kinds = xrealloc(v->kinds, (v->nkinds + 1) * sizeof(*v->kinds));
        v->kinds[v->nkinds++] = xstrdup(kind);
    }
    if (!json_is_object(cols) || json_object_size(cols) == 0) {
        diag_add(d,
                 "%s: columns must map column names to paths "
                 "(sa: $pod.serviceAccountName)",
                 loc);
        return;
    }
    json_object_foreach((json_t *)cols, k, it)
    {
        struct err pe = {0};
        struct jpath *p;
        if (!rule_ident_ok(k, strlen(k)) || rule_in(k, fixed) >= 0) {
            diag_add(d,
                     "%s: column \"%s\": a lower-case SQL identifier, not "
                     "uid, kind, name or namespace (every row has those)",
                     loc, k);
            continue;
        }
        if (!json_is_string(it)) {
            diag_add(d, "%s: column %s: a path string", loc, k);
            continue;
        }
        p = jpath_parse(json_string_value(it), &pe);
        if (!p) {
            diag_add(d, "%s: column %s: %s", loc, k, pe.msg);
            continue;
        }
        if (p->has_wild || p->anchor == JP_CONTAINERS || p->anchor == JP_SC) {
            diag_add(d,
                     "%s: column %s: the path must name one value (no [*], "
                     "$containers or $sc)",
                     loc, k);
            jpath_free(p);
            continue;
        }
        v->cols = xrealloc(v->cols, (v->ncols + 1) * sizeof(*v->cols));
        v->cols[v->ncols].name = xstrdup(k);
        v->cols[v->ncols++].path = p;
    }
}

/* Validates one `- view:` entry and appends it to rs; 0 or 1 problem. */
static size_t rule_view_compile(struct ruleset *rs, json_t *doc,
                                const char *pack, const char *origin, long line,
                                int lint, struct diag *d)
{
    static const char *const keys[] = {
        "view", "sql", "kinds", "columns", "indexes", "description", NULL};
    struct rule_view *v = xcalloc(1, sizeof(*v));
    const json_t *name = json_object_get(doc, "view");
    const json_t *sql = json_object_get(doc, "sql");
    const json_t *idx = json_object_get(doc, "indexes"), *it;
    sqlite3 *db = lint ? rule_sql_db() : NULL;
    sqlite3_stmt *stmt = NULL;
    const char *tail = NULL, *k;
    char loc[512], *canon;
    size_t before = d->n, i;
    json_t *val;

    snprintf(loc, sizeof(loc), "%s:%ld: view %s", origin, line,
             json_is_string(name) ? json_string_value(name) : "(no name)");
    json_object_foreach(doc, k, val)
    {
        if (rule_in(k, keys) < 0)
            diag_add(d, "%s: unknown key \"%s\"", loc, k);
    }
    if (!json_is_string(name) ||
        !rule_ident_ok(json_string_value(name),
                       strlen(json_string_value(name))) ||
        strcmp(json_string_value(name), "scan_resources") == 0 ||
        strncmp(json_string_value(name), "sqlite_", 7) == 0 ||
        strncmp(json_string_value(name), "json_", 5) == 0)
        diag_add(d,
                 "%s: a view's name is a lower-case SQL identifier "
                 "([a-z_][a-z0-9_]*, not scan_resources, sqlite_*, json_*)",
                 loc);
    else if (ruleset_view(rs, json_string_value(name)))
        diag_add(d, "%s: duplicate view (first declared at %s)", loc,
                 ruleset_view(rs, json_string_value(name))->origin);
    if (idx && !json_is_array(idx))
        diag_add(d, "%s: indexes is a list of column lists (\"a, b\")", loc);
    json_array_foreach(idx, i, it)
    {
        if (!json_is_string(it) || !rule_columns_ok(json_string_value(it)))
            diag_add(d, "%s: indexes[%zu] is not a column list (\"a, b\")", loc,
                     i);
    }
    if (json_object_get(doc, "columns") || json_object_get(doc, "kinds")) {
        if (sql)
            diag_add(d, "%s: a view has either sql or columns, not both", loc);
        else
            rule_view_columns(v, doc, rs->kind_check, loc, d);
    } else if (!json_is_string(sql)) {
        diag_add(d, "%s: sql needs a query string (or kinds and columns)", loc);
    } else if (!db) {
        /* a built-in pack: make check lints it */
    } else if (sqlite3_prepare_v2(db, json_string_value(sql), -1, &stmt,
                                  &tail) != SQLITE_OK) {
        diag_add(d, "%s: sql does not prepare: %s", loc, sqlite3_errmsg(db));
    } else if (!stmt || (tail && !rule_sql_empty(db, tail))) {
        diag_add(d, "%s: sql must be exactly one query", loc);
    } else if (!sqlite3_stmt_readonly(stmt)) {
        diag_add(d, "%s: sql must only read", loc);
    }
    sqlite3_finalize(stmt);
    if (d->n > before) {
        rule_view_free(v);
        return d->n - before;
    }
    v->name = xstrdup(json_string_value(name));
    v->pack = xstrdup(pack);
    v->sql = json_is_string(sql) ? xstrdup(json_string_value(sql)) : NULL;
    {
        struct strbuf o = STRBUF_INIT;
        sb_addf(&o, "%s:%ld", origin, line);
        v->origin = sb_detach(&o);
    }
    json_array_foreach(idx, i, it)
    {
        v->indexes = xrealloc(v->indexes, (i + 1) * sizeof(*v->indexes));
        v->indexes[v->nindexes++] = xstrdup(json_string_value(it));
    }
    canon = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    sha256_str(canon, strlen(canon), v->hash);
    free(canon);
    /* The rules after it are prepared against it: an empty table of its
     * columns in the loader's database (rebuilt if a ruleset loaded
     * earlier in this process declared one of the same name). */
    if (db) {
        struct strbuf drop = STRBUF_INIT;
        sb_addf(&drop, "DROP TABLE IF EXISTS temp.\"%s\"", v->name);
        sqlite3_exec(db, sb_str(&drop), NULL, NULL, NULL);
        sb_release(&drop);
        if (rule_view_create(db, v) != SQLITE_OK) {
            diag_add(d, "%s: sql does not run: %s", loc, sqlite3_errmsg(db));
            rule_view_free(v);
            return 1;
        }
    }
    rs->views = xrealloc(rs->views, (rs->nviews + 1) * sizeof(*rs->views));
    rs->views[rs->nviews++] = v;
    return 0;
}

struct rule_load {
    struct ruleset *rs;
    const char *pack, *origin;
    const char *text;
    size_t len;
    int lint; /* check control ids and prepare SQL (not built-in packs) */
    struct diag *d;
    size_t problems;
    int docs;
};

static int rule_load_doc(json_t *doc, long line, const json_t *item_lines,
                         void *ctx)
{
    struct rule_load *rl = ctx;
    json_t *item;
    size_t i;

    if (rl->docs++ > 0) {
        diag_add(rl->d, "%s:%ld: a rule file holds one YAML document",
                 rl->origin, line);
        rl->problems++;
    } else if (!json_is_array(doc)) {
        diag_add(rl->d, "%s:%ld: a rule file is a list of rules", rl->origin,
                 line);
        rl->problems++;
    } else {
        /* Views first: the rules of the file may read any of them. */
        json_array_foreach(doc, i, item)
        {
            json_t *l = json_array_get(item_lines, i);
            if (json_is_object(item) && json_object_get(item, "view"))
                rl->problems += rule_view_compile(
                    rl->rs, item, rl->pack, rl->origin,
                    l ? (long)json_integer_value(l) : line, rl->lint, rl->d);
        }
        json_array_foreach(doc, i, item)
        {
            json_t *l = json_array_get(item_lines, i);
            if (json_is_object(item) && json_object_get(item, "view"))
                continue;
            json_t *next = json_array_get(item_lines, i + 1);
            struct rule_src src = {rl->text, rl->len,
                                   l ? (long)json_integer_value(l) : line,
                                   next ? (long)json_integer_value(next) : 0};
            struct rule *r = rule_compile(item, rl->pack, rl->origin, src.first,
                                          &src, rl->lint, rl->rs->kind_check,
                                          rl->d, &rl->problems);
            if (!r)
                continue;
            rl->rs->rules = xrealloc(rl->rs->rules,
                                     (rl->rs->n + 1) * sizeof(struct rule *));
            rl->rs->rules[rl->rs->n++] = r;
        }
    }
    json_decref(doc);
    return 0;
}

static size_t rule_load_text(struct ruleset *rs, const char *pack,
                             const char *origin, const char *text, size_t len,
                             int lint, struct diag *d)
{
    struct rule_load rl = {rs, pack, origin, text, len, lint, d, 0, 0};
    struct err e;

    if (yj_parse(text, len, 1, rule_load_doc, &rl, &e)) {
        diag_add(d, "%s:%s", origin, e.msg);
        rl.problems++;
    }
    return rl.problems;
}

size_t ruleset_load_text(struct ruleset *rs, const char *pack,
                         const char *origin, const char *text, size_t len,
                         struct diag *d)
{
    return rule_load_text(rs, pack, origin, text, len, 1, d);
}

static size_t rule_load_file(struct ruleset *rs, const char *pack,
                             const char *path, struct diag *d)
{
    FILE *f = fopen(path, "rb");
    struct strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t n, problems;

    if (!f) {
        diag_add(d, "%s: %s", path, strerror(errno));
        return 1;
    }
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        sb_add(&sb, buf, n);
    if (ferror(f)) {
        diag_add(d, "%s: read error: %s", path, strerror(errno));
        fclose(f);
        sb_release(&sb);
        return 1;
    }
    fclose(f);
    problems = ruleset_load_text(rs, pack, path, sb_str(&sb), sb.len, d);
    sb_release(&sb);
    return problems;
}

static int rule_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

size_t ruleset_load_path(struct ruleset *rs, const char *path, struct diag *d)
{
    struct stat st;
    DIR *dir;
    struct dirent *de;
    char **names = NULL, *pack, *slash;
    size_t n = 0, i, problems = 0;
    struct strbuf full = STRBUF_INIT;

    if (stat(path, &st) != 0) {
        diag_add(d, "%s: %s", path, strerror(errno));
        return 1;
    }
    {
        /* The pack is named after its directory. */
        struct strbuf p = STRBUF_INIT;
        sb_adds(&p, path);
        while (p.len > 1 && p.buf[p.len - 1] == '/')
            sb_setlen(&p, p.len - 1);
        if (!S_ISDIR(st.st_mode) && (slash = strrchr(p.buf, '/')))
            sb_setlen(&p, (size_t)(slash - p.buf));
        else if (!S_ISDIR(st.st_mode))
            sb_setlen(&p, 0), sb_adds(&p, ".");
        slash = strrchr(sb_str(&p), '/');
        pack = xstrdup(slash ? slash + 1 : sb_str(&p));
        sb_release(&p);
    }
    if (!S_ISDIR(st.st_mode)) {
        problems = rule_load_file(rs, pack, path, d);
        free(pack);
        return problems;
    }
    if (!(dir = opendir(path))) {
        diag_add(d, "%s: %s", path, strerror(errno));
        free(pack);
        return 1;
    }
    while ((de = readdir(dir))) {
        if (de->d_name[0] == '.' || !(str_has_suffix(de->d_name, ".yaml") ||
                                      str_has_suffix(de->d_name, ".yml")))
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        names[n++] = xstrdup(de->d_name);
    }
    closedir(dir);
    if (n > 1)
        qsort(names, n, sizeof(*names), rule_cmp_str);
    if (n == 0) {
        diag_add(d, "%s: no *.yaml rule files in this directory", path);
        problems++;
    }
    for (i = 0; i < n; i++) {
        sb_setlen(&full, 0);
        sb_addf(&full, "%s/%s", path, names[i]);
        problems += rule_load_file(rs, pack, sb_str(&full), d);
        free(names[i]);
    }
    free(names);
    free(pack);
    sb_release(&full);
    return problems;
}

size_t ruleset_load_embedded(struct ruleset *rs, int lint, struct diag *d)
{
    size_t i, problems = 0;

    for (i = 0; i < rule_files_embedded_count; i++) {
        const struct rule_file *f = &rule_files_embedded[i];
        const char *slash = strchr(f->path, '/');
        char *pack = xstrndup(f->path, slash ? (size_t)(slash - f->path)
                                             : strlen(f->path));
        problems += rule_load_text(rs, pack, f->path, f->data, f->len, lint, d);
        free(pack);
    }
    return problems;
}

size_t ruleset_check_unique(const struct ruleset *rs, struct diag *d)
{
    size_t i, j, problems = 0;

    for (i = 0; i < rs->n; i++)
        for (j = 0; j < i; j++)
            if (strcmp(rs->rules[i]->id, rs->rules[j]->id) == 0) {
                diag_add(d, "%s: rule %s: duplicate id (first defined at %s)",
                         rs->rules[i]->origin, rs->rules[i]->id,
                         rs->rules[j]->origin);
                problems++;
                break;
            }
    return problems;
}

const struct rule_view *ruleset_view(const struct ruleset *rs, const char *name)
{
    size_t i;
    for (i = 0; i < rs->nviews; i++)
        if (strcmp(rs->views[i]->name, name) == 0)
            return rs->views[i];
    return NULL;
}

const struct rule *ruleset_find(const struct ruleset *rs, const char *id)
{
    size_t i;
    for (i = 0; i < rs->n; i++)
        if (strcmp(rs->rules[i]->id, id) == 0)
            return rs->rules[i];
    return NULL;
}

void ruleset_digest(const struct ruleset *rs, char out[SHA256_STR_LEN])
{
    /* the views too: what the SQL rules decide depends on them */
    size_t n = rs->n + rs->nviews;
    char **hashes = xcalloc(n ? n : 1, sizeof(char *));
    struct strbuf sb = STRBUF_INIT;
    size_t i;

    for (i = 0; i < rs->n; i++)
        hashes[i] = rs->rules[i]->hash;
    for (i = 0; i < rs->nviews; i++)
        hashes[rs->n + i] = rs->views[i]->hash;
    if (n > 1)
        qsort(hashes, n, sizeof(char *), rule_cmp_str);
    for (i = 0; i < n; i++) {
        sb_adds(&sb, hashes[i]);
        sb_adds(&sb, "\n");
    }
    sha256_str(sb_str(&sb), sb.len, out);
    sb_release(&sb);
    free(hashes);
}

void ruleset_release(struct ruleset *rs)
{
    size_t i;
    for (i = 0; i < rs->n; i++)
        rule_free(rs->rules[i]);
    free(rs->rules);
    rs->rules = NULL;
    rs->n = 0;
    for (i = 0; i < rs->nviews; i++)
        rule_view_free(rs->views[i]);
    free(rs->views);
    rs->views = NULL;
    rs->nviews = 0;
}
