/*
 * rule.h: rules as data. Rule packs (YAML lists, see docs/rules.md) are
 * parsed, validated and compiled here into a ruleset the engine runs.
 *
 * Every problem found while loading is collected in a struct diag as
 * "file:line: rule ID: problem", so `fourc rules lint` can show them all at
 * once rather than one per run.
 */
#ifndef FOURC_RULE_H
#define FOURC_RULE_H

#include <regex.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "jsonpath.h"
#include "resource.h"
#include "util.h"

enum op {
    OP_EQ,
    OP_NE,
    OP_IN,
    OP_NIN,
    OP_GT,
    OP_GTE,
    OP_LT,
    OP_LTE,
    OP_EXISTS,
    OP_ABSENT,
    OP_MATCHES,
    OP_CONTAINS,
    OP_BITMASK
};

enum check_type { CK_ASSERT, CK_ALL, CK_ANY, CK_NOT, CK_EACH, CK_SQL };

struct check {
    enum check_type type;
    char *message;      /* optional text for findings this check decides */
    struct jpath *path; /* assert: the value; each: the collection */
    enum op op;
    json_t *value;  /* assert: expected (new reference) */
    char *expected; /* assert: "ne true", for evidence */
    regex_t re;
    int has_re;
    unsigned long mask;
    /* assert: the JSON types the operator judges, as bits 1 << json_type
     * (CHECK_T_*), null always among them (unset, as the API reads it);
     * an actual value of any other type is an error, never a verdict.
     * accept_text names them for the message ("boolean"). */
    unsigned accept;
    char *accept_text;
    struct check **kids; /* all/any: n kids; not/each: kids[0] */
    size_t nkids;
    char *sql;
};

#define CHECK_T(t) (1u << (t))
#define CHECK_T_NUMBER (CHECK_T(JSON_INTEGER) | CHECK_T(JSON_REAL))
#define CHECK_T_BOOLEAN (CHECK_T(JSON_TRUE) | CHECK_T(JSON_FALSE))
#define CHECK_T_ANY 0xffu

struct rule {
    char *id, *title, *pillar, *severity, *pack, *origin;
    int level, automated;
    char **kinds;
    size_t nkinds;
    /* select: which resources of kinds are the rule's subject at all (no
     * finding when it does not hold; an error finding when it errors);
     * when: false is skip; then check. */
    struct check *select, *when, *check;
    json_t *doc;               /* the rule as written (new reference) */
    char hash[SHA256_STR_LEN]; /* of doc, canonical JSON */
    int64_t ref;               /* its row in the store, once recorded */
};

/*
 * A pack's named view (`- view: NAME`, docs/rules.md), a TEMP table NAME
 * the pack's SQL rules read, built once per scan before they run:
 *  - from `sql:`, a query over scan_resources (and the views declared
 *    before it), run when collection is done;
 *  - from `columns:`, filled while the resources of its `kinds:` are
 *    judged: a row per resource (uid, kind, name, namespace) with each
 *    column the JSON text of the value its path names (NULL when absent
 *    or unreachable), taken from the document the engine already holds
 *    instead of reading it back from the store.
 * With an index on each of indexes (column lists, "namespace, name").
 */
struct rule_view_col {
    char *name;
    struct jpath *path;
};

struct rule_view {
    char *name, *pack, *origin;
    char *sql; /* NULL: a view of columns */
    char **kinds;
    size_t nkinds;
    struct rule_view_col *cols;
    size_t ncols;
    char **indexes;
    size_t nindexes;
    char hash[SHA256_STR_LEN]; /* of the view as written, canonical JSON */
};

struct ruleset {
    struct rule **rules;
    size_t n;
    struct rule_view **views; /* in the order they were declared */
    size_t nviews;
    /* Set before loading to check every kind a rule or view names (the
     * CLI passes the collectors' registry, collector_kind_check); NULL
     * takes kinds as written. */
    kind_check_fn kind_check;
};

struct diag {
    char **msgs;
    size_t n;
};

void diag_add(struct diag *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void diag_release(struct diag *d);

/* One embedded rule file: path is "<pack>/<file>.yaml". */
struct rule_file {
    const char *path;
    const char *data;
    size_t len;
};
extern const struct rule_file rule_files_embedded[];
extern const size_t rule_files_embedded_count;

/*
 * Parses one pack file (YAML text) and appends its rules to rs. origin is
 * the file's name for messages. Problems go to d; returns their number.
 */
size_t ruleset_load_text(struct ruleset *rs, const char *pack,
                         const char *origin, const char *text, size_t len,
                         struct diag *d);
/* Loads every *.yaml file directly in dir (or the one file dir names). */
size_t ruleset_load_path(struct ruleset *rs, const char *path, struct diag *d);
/* The packs built into the binary. lint 0 (a scan) skips what `make check`
 * already proved of them, control ids against the catalogues and SQL
 * prepared at load (about 60% of start-up); lint 1 checks everything, as
 * for any other pack. */
size_t ruleset_load_embedded(struct ruleset *rs, int lint, struct diag *d);
/* Duplicate ids across everything loaded; a later pack may not redefine. */
size_t ruleset_check_unique(const struct ruleset *rs, struct diag *d);

/* Builds view v in db as a TEMP table with its indexes (a view of
 * columns: empty): 0 or an SQLite result code (the caller sets any
 * authorizer and time limit). */
int rule_view_create(sqlite3 *db, const struct rule_view *v);
/* The view a ruleset declares under name, or NULL. */
const struct rule_view *ruleset_view(const struct ruleset *rs,
                                     const char *name);
const struct rule *ruleset_find(const struct ruleset *rs, const char *id);
/* sha256 over the sorted rule hashes: which rule versions a scan used. */
void ruleset_digest(const struct ruleset *rs, char out[SHA256_STR_LEN]);
void ruleset_release(struct ruleset *rs);

int severity_rank(const char *sev); /* critical 4 .. info 0, -1 unknown */

/* severity_rank() of the rules table's severity column r.severity, as an
 * SQL expression, for queries that gate or sort by severity. */
#define SEVERITY_RANK_SQL                                                      \
    "(CASE r.severity WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN "         \
    "'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END)"

#endif
