/*
 * rule_check.c: a rule's `check:` (and `when:`) compiled from its YAML
 * into the tree the engine evaluates: the forms (assert, all, any, not,
 * each, sql), the operators, the JSON types each operator judges, and SQL
 * prepared against an empty scan so a broken query is a lint error.
 */
#include "rule_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>
#include <pthread.h>

#include "engine.h"
#include "banned.h"

static const char *const rule_ops[] = {
    "eq",  "ne",     "in",     "nin",     "gt",       "gte",     "lt",
    "lte", "exists", "absent", "matches", "contains", "bitmask", NULL};

/* An empty scan_resources table, so SQL checks can be prepared at load.
 * Opened once for every thread (pthread_once); SQLite serialises the threads
 * that prepare statements on it. */
static sqlite3 *rule_check_db;
static pthread_once_t rule_check_db_once = PTHREAD_ONCE_INIT;

static void rule_check_db_open(void)
{
    sqlite3 *db = NULL;

    if (sqlite3_open_v2(":memory:", &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return;
    }
    sqlite3_exec(db,
                 "CREATE TABLE scan_resources (uid TEXT, kind TEXT, "
                 "name TEXT, namespace TEXT, source TEXT, doc TEXT)",
                 NULL, NULL, NULL);
    engine_sql_functions(db);
    rule_check_db = db;
}

sqlite3 *rule_sql_db(void)
{
    pthread_once(&rule_check_db_once, rule_check_db_open);
    return rule_check_db;
}

void rule_check_free(struct check *c)
{
    size_t i;

    if (!c)
        return;
    free(c->message);
    jpath_free(c->path);
    json_decref(c->value);
    free(c->expected);
    free(c->accept_text);
    if (c->has_re)
        regfree(&c->re);
    for (i = 0; i < c->nkids; i++)
        rule_check_free(c->kids[i]);
    free(c->kids);
    free(c->sql);
    free(c);
}

static void rule_check_add_kid(struct check *c, struct check *kid)
{
    c->kids = xrealloc(c->kids, (c->nkids + 1) * sizeof(*c->kids));
    c->kids[c->nkids++] = kid;
}

/* Parses "0644" / 420 into a permission mask. */
static int rule_check_mask(const json_t *v, unsigned long *out)
{
    char *end;

    if (json_is_integer(v) && json_integer_value(v) >= 0) {
        *out = (unsigned long)json_integer_value(v);
        return 0;
    }
    if (!json_is_string(v) || !*json_string_value(v))
        return -1;
    errno = 0;
    *out = strtoul(json_string_value(v), &end, 8);
    return errno || *end ? -1 : 0;
}

/* The types a value of v's type judges against: its own, numbers and
 * booleans as one type each. */
static unsigned rule_check_class(const json_t *v)
{
    if (json_is_number(v))
        return CHECK_T_NUMBER;
    if (json_is_boolean(v))
        return CHECK_T_BOOLEAN;
    return CHECK_T(json_typeof(v));
}

/* "boolean", "string or number": the types of mask (null left out). */
static void rule_check_mask_text(struct strbuf *sb, unsigned mask)
{
    static const struct {
        unsigned bits;
        const char *name;
    } names[] = {{CHECK_T(JSON_OBJECT), "object"},
                 {CHECK_T(JSON_ARRAY), "array"},
                 {CHECK_T(JSON_STRING), "string"},
                 {CHECK_T_NUMBER, "number"},
                 {CHECK_T_BOOLEAN, "boolean"}};
    size_t i, n = 0;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (!(mask & names[i].bits))
            continue;
        if (n++)
            sb_adds(sb, " or ");
        sb_adds(sb, names[i].name);
    }
}

/*
 * What the operator of c judges (c->accept, c->accept_text): eq and ne
 * the type of value, in and nin the types of its items, the comparisons
 * numbers, matches strings, contains arrays of value's type (and strings
 * for a string value), bitmask modes. exists and absent take anything.
 */
static void rule_check_accept(struct check *c)
{
    struct strbuf sb = STRBUF_INIT;
    const json_t *x;
    size_t i;

    c->accept = CHECK_T_ANY;
    switch (c->op) {
    case OP_EQ:
    case OP_NE:
        if (c->value && !json_is_null(c->value))
            c->accept = rule_check_class(c->value);
        break;
    case OP_IN:
    case OP_NIN:
        c->accept = 0;
        json_array_foreach(c->value, i, x)
        {
            c->accept |= json_is_null(x) ? CHECK_T_ANY : rule_check_class(x);
        }
        if (!c->accept)
            c->accept = CHECK_T_ANY; /* an empty list: nothing is in it */
        break;
    case OP_GT:
    case OP_GTE:
    case OP_LT:
    case OP_LTE:
        c->accept = CHECK_T_NUMBER;
        break;
    case OP_MATCHES:
        c->accept = CHECK_T(JSON_STRING);
        break;
    case OP_CONTAINS:
        c->accept = CHECK_T(JSON_ARRAY);
        if (json_is_string(c->value))
            c->accept |= CHECK_T(JSON_STRING);
        if (c->value) {
            sb_adds(&sb, "array of ");
            rule_check_mask_text(&sb, rule_check_class(c->value));
            if (json_is_string(c->value))
                sb_adds(&sb, " or string");
        }
        break;
    case OP_BITMASK:
        c->accept = CHECK_T(JSON_INTEGER) | CHECK_T(JSON_STRING);
        sb_adds(&sb, "file mode (non-negative integer or octal string)");
        break;
    case OP_EXISTS:
    case OP_ABSENT:
        break;
    }
    c->accept |= CHECK_T(JSON_NULL);
    if (!sb.len)
        rule_check_mask_text(&sb, c->accept);
    c->accept_text = sb_detach(&sb);
}

static struct check *rule_check_assert(const json_t *j, const char *loc,
                                       struct diag *d, size_t *problems)
{
    struct check *c = xcalloc(1, sizeof(*c));
    const json_t *path = json_object_get(j, "path");
    const json_t *op = json_object_get(j, "op");
    const json_t *value = json_object_get(j, "value");
    const char *k;
    json_t *v;
    struct err e;
    int opi;
    char *dump;

    c->type = CK_ASSERT;
    json_object_foreach((json_t *)j, k, v)
    {
        if (rule_in(k, (const char *const[]){"path", "op", "value", "message",
                                             NULL}) < 0) {
            diag_add(d, "%s: unknown key \"%s\" in assert", loc, k);
            (*problems)++;
        }
    }
    if (json_is_string(json_object_get(j, "message")))
        c->message = xstrdup(json_string_value(json_object_get(j, "message")));
    if (!json_is_string(path)) {
        diag_add(d, "%s: assert needs a path", loc);
        (*problems)++;
    } else if (!(c->path = jpath_parse(json_string_value(path), &e))) {
        diag_add(d, "%s: bad path: %s", loc, e.msg);
        (*problems)++;
    }
    opi = json_is_string(op) ? rule_in(json_string_value(op), rule_ops) : -1;
    if (opi < 0) {
        diag_add(d,
                 "%s: unknown operator \"%s\" (known: eq ne in nin gt gte "
                 "lt lte exists absent matches contains bitmask)",
                 loc, json_is_string(op) ? json_string_value(op) : "");
        (*problems)++;
        return c;
    }
    c->op = (enum op)opi;
    switch (c->op) {
    case OP_EXISTS:
    case OP_ABSENT:
        if (value) {
            diag_add(d, "%s: %s takes no value", loc, rule_ops[opi]);
            (*problems)++;
        }
        break;
    case OP_IN:
    case OP_NIN:
        if (!json_is_array(value)) {
            diag_add(d, "%s: %s needs a list value", loc, rule_ops[opi]);
            (*problems)++;
        }
        break;
    case OP_GT:
    case OP_GTE:
    case OP_LT:
    case OP_LTE:
        if (!json_is_number(value)) {
            diag_add(d, "%s: %s needs a number value", loc, rule_ops[opi]);
            (*problems)++;
        }
        break;
    case OP_MATCHES:
        if (!json_is_string(value) || regcomp(&c->re, json_string_value(value),
                                              REG_EXTENDED | REG_NOSUB) != 0) {
            diag_add(d, "%s: matches needs a valid POSIX extended regex", loc);
            (*problems)++;
        } else {
            c->has_re = 1;
        }
        break;
    case OP_BITMASK:
        if (rule_check_mask(value, &c->mask)) {
            diag_add(d, "%s: bitmask needs an octal mode such as \"0644\"",
                     loc);
            (*problems)++;
        }
        break;
    default:
        if (!value) {
            diag_add(d, "%s: %s needs a value", loc, rule_ops[opi]);
            (*problems)++;
        }
    }
    c->value = value ? json_incref((json_t *)value) : NULL;
    rule_check_accept(c);
    dump = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    {
        struct strbuf sb = STRBUF_INIT;
        sb_adds(&sb, rule_ops[opi]);
        if (dump) {
            sb_adds(&sb, " ");
            sb_adds(&sb, dump);
        }
        c->expected = sb_detach(&sb);
    }
    free(dump);
    return c;
}

static struct check *rule_check_list(enum check_type t, const json_t *list,
                                     const char *loc, struct diag *d,
                                     size_t *problems)
{
    struct check *c = xcalloc(1, sizeof(*c));
    const json_t *v;
    size_t i;

    c->type = t;
    if (!json_is_array(list) || json_array_size(list) == 0) {
        diag_add(d, "%s: %s needs a non-empty list of checks", loc,
                 t == CK_ALL ? "all" : "any");
        (*problems)++;
        return c;
    }
    json_array_foreach(list, i, v)
    {
        rule_check_add_kid(c, rule_check_compile(v, loc, d, problems));
    }
    return c;
}

static struct check *rule_check_sql(const json_t *sql, const char *loc,
                                    struct diag *d, size_t *problems)
{
    struct check *c = xcalloc(1, sizeof(*c));

    c->type = CK_SQL;
    if (!json_is_string(sql)) {
        diag_add(d, "%s: sql needs a query string", loc);
        (*problems)++;
        return c;
    }
    c->sql = xstrdup(json_string_value(sql));
    return c;
}

void rule_check_prepare(const struct check *c, const char *loc, struct diag *d,
                        size_t *problems)
{
    sqlite3 *db = rule_sql_db();
    sqlite3_stmt *stmt = NULL;
    size_t i;

    if (!c)
        return;
    for (i = 0; i < c->nkids; i++)
        rule_check_prepare(c->kids[i], loc, d, problems);
    if (c->type != CK_SQL || !c->sql || !db)
        return;
    if (sqlite3_prepare_v2(db, c->sql, -1, &stmt, NULL) != SQLITE_OK) {
        diag_add(d, "%s: sql does not prepare: %s", loc, sqlite3_errmsg(db));
        (*problems)++;
    } else if (stmt && sqlite3_column_count(stmt) != 3) {
        diag_add(d,
                 "%s: sql must return 3 columns (uid, status, message), "
                 "not %d",
                 loc, sqlite3_column_count(stmt));
        (*problems)++;
    } else if (stmt && !sqlite3_stmt_readonly(stmt)) {
        diag_add(d, "%s: sql must only read", loc);
        (*problems)++;
    }
    sqlite3_finalize(stmt);
}

struct check *rule_check_compile(const json_t *j, const char *loc,
                                 struct diag *d, size_t *problems)
{
    static const char *const forms[] = {"assert", "all", "any",  "not",
                                        "each",   "sql", "path", NULL};
    const json_t *msg = json_object_get(j, "message");
    struct check *c = NULL;
    const char *k;
    json_t *v;
    int nforms = 0;

    if (!json_is_object(j)) {
        diag_add(d, "%s: a check must be a mapping", loc);
        (*problems)++;
        return xcalloc(1, sizeof(struct check));
    }
    json_object_foreach((json_t *)j, k, v)
    {
        if (rule_in(k, forms) >= 0 && strcmp(k, "each") != 0)
            nforms++;
        else if (strcmp(k, "each") != 0 && strcmp(k, "message") != 0 &&
                 strcmp(k, "op") != 0 && strcmp(k, "value") != 0) {
            diag_add(d, "%s: unknown key \"%s\" in check", loc, k);
            (*problems)++;
        }
    }
    if (nforms != 1) {
        diag_add(d,
                 "%s: a check needs exactly one of assert, all, any, not, "
                 "sql (or an inline path/op/value)",
                 loc);
        (*problems)++;
        return xcalloc(1, sizeof(struct check));
    }
    if (json_object_get(j, "path"))
        c = rule_check_assert(j, loc, d, problems);
    else if ((v = json_object_get(j, "assert")))
        c = rule_check_assert(v, loc, d, problems);
    else if ((v = json_object_get(j, "all")))
        c = rule_check_list(CK_ALL, v, loc, d, problems);
    else if ((v = json_object_get(j, "any")))
        c = rule_check_list(CK_ANY, v, loc, d, problems);
    else if ((v = json_object_get(j, "not"))) {
        c = xcalloc(1, sizeof(*c));
        c->type = CK_NOT;
        rule_check_add_kid(c, rule_check_compile(v, loc, d, problems));
    } else {
        c = rule_check_sql(json_object_get(j, "sql"), loc, d, problems);
    }
    if (json_is_string(msg) && !c->message)
        c->message = xstrdup(json_string_value(msg));
    v = json_object_get(j, "each");
    if (v) {
        struct check *each = xcalloc(1, sizeof(*each));
        struct err e;
        each->type = CK_EACH;
        if (!json_is_string(v)) {
            diag_add(d, "%s: each needs a path", loc);
            (*problems)++;
        } else if (!(each->path = jpath_parse(json_string_value(v), &e))) {
            diag_add(d, "%s: bad each path: %s", loc, e.msg);
            (*problems)++;
        }
        if (c->type == CK_SQL) {
            diag_add(d, "%s: each cannot wrap sql", loc);
            (*problems)++;
        }
        rule_check_add_kid(each, c);
        if (c->message)
            each->message = xstrdup(c->message);
        c = each;
    }
    return c;
}
