/*
 * resource.h: what collectors make and the engine judges. One object of a
 * target (a Kubernetes object, a Dockerfile, an image's config), with the
 * document rules read.
 */
#ifndef FOURC_RESOURCE_H
#define FOURC_RESOURCE_H

#include <jansson.h>

struct resource {
    const char *kind; /* "k8s/Deployment" */
    const char *uid;  /* stable across scans: no line numbers */
    const char *name;
    const char *namespace; /* NULL for cluster-scoped objects */
    const char *source;    /* "deploy/web.yaml:12" */
    json_t *doc;           /* borrowed */
};

/*
 * Whether a rule may name kind: 0 something emits it; 1 a member of a
 * family no known kind names (a custom resource, say), accepted with the
 * note in why; -1 nothing emits it, why says so and names a near known
 * kind. The collectors' registry answers (collector_kind_check); the
 * layers below it take the answer as a function of this type.
 */
typedef int (*kind_check_fn)(const char *kind, char *why, size_t cap);

#endif
