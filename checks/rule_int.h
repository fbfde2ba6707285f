/*
 * rule_int.h: what rule.c (packs, views, rulesets) and rule_check.c (the
 * check compiler) share; not for use outside the rule loader.
 */
#ifndef FOURC_RULE_INT_H
#define FOURC_RULE_INT_H

#include <jansson.h>
#include <sqlite3.h>

#include "rule.h"

/* The index of s in the NULL-terminated list, or -1. */
int rule_in(const char *s, const char *const *list);

/* An in-memory database with an empty scan_resources table and fourc's
 * SQL functions, so SQL can be prepared at load; NULL when it cannot be
 * opened. Borrowed, one per process. */
sqlite3 *rule_sql_db(void);

/* Compiles check j (loc names it in messages) into a new check; each
 * problem goes to d and counts in *problems. NULL when j is no check. */
struct check *rule_check_compile(const json_t *j, const char *loc,
                                 struct diag *d, size_t *problems);
void rule_check_free(struct check *c);

/* Prepares every SQL query of c against rule_sql_db(): one that does not
 * prepare, does not return (uid, status, message) or writes is a problem.
 * The expensive half of checking a pack, left out for the packs built
 * into the binary (make check lints them). */
void rule_check_prepare(const struct check *c, const char *loc, struct diag *d,
                        size_t *problems);

#endif
