/*
 * kube_list.h: discovery and paged listing of a Kubernetes API server for
 * the live-cluster collector (kube.c). Not for other modules.
 */
#ifndef FOURC_KUBE_LIST_H
#define FOURC_KUBE_LIST_H

#include <stddef.h>

#include "collector.h"
#include "err.h"
#include "http.h"
#include "kubeconfig.h"

#define KUBE_PAGE_LIMIT 500u       /* objects a page, as kubectl asks */
#define KUBE_MAX_PAGE (256u << 20) /* one page's body in memory */
#define KUBE_MAX_RESTARTS 3        /* lists started again on an expired token */

/* A resource the server serves, in its group's preferred version. */
struct kube_res {
    char *gv;   /* "v1", "apps/v1" */
    char *name; /* plural: "deployments" */
    char *kind; /* "Deployment" */
    int namespaced;
};

struct kube_lister {
    struct kube_conn *k;
    struct http *c;
    struct collect_ctx *ctx;
    unsigned limit;  /* objects a page; 0: KUBE_PAGE_LIMIT */
    size_t requests; /* made so far (attempts counted) */
    size_t objects;  /* emitted so far */
    /* Sees each object as it is emitted (redacted, r->doc borrowed), for
     * what needs more than the resource (the images pods run); may be
     * NULL. Non-zero stops the listing as a storing failure would. */
    int (*observe)(void *arg, const struct resource *r, struct err *e);
    void *observe_arg;
};

/*
 * The served resources whose kind the rules need (want: NULL-terminated
 * rule kinds, "k8s/" "*" for all; NULL: the known kinds), from /api,
 * /apis and each group's preferred version; those that cannot be listed
 * (no "list" verb, subresources) are left out. A group whose discovery
 * fails is an input error and the others go on. -1 with e set when /api
 * or /apis cannot be read (or storing failed).
 */
int kube_discover(struct kube_lister *l, const char *const *want,
                  struct kube_res **out, size_t *n, struct err *e);
void kube_res_free(struct kube_res *v, size_t n);

/*
 * Lists r across all namespaces, page by page (limit/continue; one page in
 * memory at a time), and emits each object as the k8s/<Kind> resource the
 * manifests collector would make of it. An expired continue token starts
 * the list again (KUBE_MAX_RESTARTS times), emitting no object twice;
 * Secrets are asked for as metadata only and whatever else a server sends
 * of them is dropped unread. A list that cannot be read whole (403, a
 * fault after retries, a cut or invalid page) makes the rules of exactly
 * that kind `error` findings saying why, and returns 0. -1: storing
 * failed (e set).
 */
int kube_list(struct kube_lister *l, const struct kube_res *r, struct err *e);

#endif
