/*
 * kube_int.h: what kubeconfig.c (loading, requests) and kube_exec.c (exec
 * credential plugins) share. Not for other modules.
 */
#ifndef FOURC_KUBE_INT_H
#define FOURC_KUBE_INT_H

#include <jansson.h>

#include "err.h"
#include "kubeconfig.h"

/* The string member k of o, or NULL. */
static inline const char *jstr(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Wipes a secret string and frees it (NULL: nothing). */
void kube_free_secret(char *s);
/* Every secret k holds, scrubbed from e. */
void kube_scrub(const struct kube_conn *k, struct err *e);

#endif
