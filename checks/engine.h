/*
 * engine.h: evaluates rules against resources as they are collected and
 * writes one finding per (rule, resource) to the store.
 *
 * Resources stream through: each is stored, judged by the rules of its
 * kind and released, so memory does not grow with the number of objects.
 * Cross-resource (SQL) rules run once at the end over the stored scan.
 */
#ifndef FOURC_ENGINE_H
#define FOURC_ENGINE_H

#include <stdint.h>

#include "resource.h"
#include "rule.h"
#include "store.h"

struct engine;

enum status { ST_PASS, ST_FAIL, ST_ERROR, ST_MANUAL, ST_SKIP, ST_WAIVED };
extern const char *const status_names[]; /* indexed by enum status */

struct engine_stats {
    size_t resources;
    size_t findings;
    size_t by_status[6];
};

/* Records the rule versions a scan runs (sets each rule's ref). */
int engine_store_rules(struct store *st, int64_t scan_id, struct ruleset *rs,
                       struct err *e);

/*
 * rs and st are borrowed and must outlive the engine. An engine keeps all
 * its state (scratch buffers, caches) in itself: engines on their own
 * stores may run in different threads at once. The rules' row ids
 * (rule->ref, set by engine_store_rules) are the store's, so engines that
 * share a ruleset share its store, and one thread at a time uses an
 * engine and its store.
 */
struct engine *engine_new(struct store *st, int64_t scan_id,
                          const struct ruleset *rs);
void engine_free(struct engine *eng);

/* Stores r (a duplicate uid gets a "#2" suffix) and evaluates it. */
int engine_resource(struct engine *eng, const char *target,
                    const struct resource *r, struct err *e);
/*
 * Records input that could not be used as an `error` finding of the
 * rule of kind fourc/InputError whose pillar is pillar (the collector's).
 */
int engine_input_error(struct engine *eng, const char *target,
                       const char *pillar, const char *source, const char *msg,
                       struct err *e);
/* Whether rs has a rule for the input errors of pillar: a collector of a
 * pillar without one must not run (its input errors would be silent). */
int engine_has_input_rule(const struct ruleset *rs, const char *pillar);
/*
 * The whole target failed: every rule that needed a kind the collector
 * produces gets an `error` finding on the target's resource.
 */
int engine_target_failed(struct engine *eng, const char *target_uid,
                         const char *kind_prefix, const char *msg,
                         struct err *e);
/* The same for exactly one kind the target could not give ("k8s/Secret"
 * when listing Secrets was forbidden): the rules naming that kind. */
int engine_kind_failed(struct engine *eng, const char *target_uid,
                       const char *kind, const char *msg, struct err *e);
/* Adds the functions SQL rules may call (fourc_json_pick) to db: the
 * scan's, and the one rules are checked against when loaded. */
int engine_sql_functions(sqlite3 *db);
/* Runs the SQL rules. */
int engine_finish(struct engine *eng, struct err *e);

const struct engine_stats *engine_stats(const struct engine *eng);

#endif
