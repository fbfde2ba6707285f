/*
 * node_flags.h: what a node component runs with, read the way the
 * component and systemd read it: argv parsed as pflag does, a systemd
 * unit's ExecStart with its Environment= and EnvironmentFile= expanded,
 * and a component config file (KubeletConfiguration,
 * KubeProxyConfiguration) checked strictly and mapped to flag names so
 * that the command line can override it. Pure functions over text and
 * JSON; node.c does the reading.
 */
#ifndef FOURC_NODE_FLAGS_H
#define FOURC_NODE_FLAGS_H

#include <stddef.h>

#include <jansson.h>

#include "err.h"

/*
 * argv words (a JSON array of strings) to {"flag": "value"}: "--f=v" and
 * "-f=v"; "--f v" when f takes a value and v does not start with '-'; a
 * bool flag or a flag with nothing after it is "true"; a later one wins;
 * "--" ends the flags; other words (the binary, positionals) are skipped.
 * New reference.
 */
json_t *nodeflags_parse(const json_t *args);

/* 1 when pflag reads name (no dashes) as a bool flag of these components. */
int nodeflags_is_bool(const char *name);

/*
 * A systemd service as its unit file and drop-ins say (fed in the order
 * systemd applies them). Only [Service] Environment=, EnvironmentFile= and
 * ExecStart= matter here; an empty assignment resets the list, as systemd
 * does.
 */
struct nodeunit {
    json_t *env;      /* {"NAME": "value"} from Environment= */
    json_t *envfiles; /* ["-/etc/default/kubelet", ...] */
    char *exec_start; /* the last ExecStart= after a reset; NULL */
};

void nodeunit_init(struct nodeunit *u);
void nodeunit_release(struct nodeunit *u);
void nodeunit_feed(struct nodeunit *u, const char *text, size_t n);

/* KEY=VALUE lines of an EnvironmentFile into env (later ones win). */
void nodeunit_envfile(json_t *env, const char *text, size_t n);

/*
 * Splits an ExecStart= command line into words (a new JSON array) as
 * systemd does: quotes and backslash escapes, a leading "@-:+!" prefix
 * dropped, "$NAME" as a word of its own replaced by the value split at
 * whitespace, "${NAME}" anywhere replaced by the value as it is, unset
 * names as empty. -1 with e on an unterminated quote.
 */
json_t *nodeunit_exec_words(const char *line, const json_t *env, struct err *e);

/*
 * Checks a parsed component config (kind "KubeletConfiguration" or
 * "KubeProxyConfiguration") the way the component decodes it: strictly. -1
 * with e saying what (an unknown field names the field and its path, a
 * wrong kind names both) and *field set to the field's name (borrowed
 * from config, NULL when not about a field).
 */
int nodeflags_config_check(const char *kind, const json_t *config,
                           const char **field, struct err *e);

/* The line (1-based) of the first "name:" or "\"name\"" key in text, 1
 * when not found. */
long nodeflags_line_of(const char *text, size_t n, const char *name);

/*
 * The config's settings under their command line flag names, values as
 * the command line writes them ("true", "0", "4h", "A=true,B=false",
 * lists comma-joined). New reference.
 */
json_t *nodeflags_config_flags(const char *kind, const json_t *config);

/*
 * effective = config_flags overridden by flags (both may be NULL); from
 * gets "flag" or "config" per key. New references in *effective, *from.
 */
void nodeflags_resolve(const json_t *flags, const json_t *config_flags,
                       json_t **effective, json_t **from);

#endif
