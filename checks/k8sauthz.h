/*
 * k8sauthz.h: SQL functions for Kubernetes rules that must judge objects the
 * way the API server does: label selectors (fourc_selector_match) and RBAC
 * policy rules (fourc_rbac_grants, fourc_rbac_wildcard). See docs/rules.md.
 */
#ifndef FOURC_K8SAUTHZ_H
#define FOURC_K8SAUTHZ_H

#include <sqlite3.h>

/* Adds the functions to db; an SQLite result code. */
int k8sauthz_register(sqlite3 *db);

#endif
