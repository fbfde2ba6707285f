/*
 * k8sobj.h: what the collectors of Kubernetes objects (the manifests on
 * disk, the live cluster) agree on, so that the same object read either
 * way is the same resource: the same uid (and so the same findings'
 * fingerprints), the same namespace, the same known kinds.
 */
#ifndef FOURC_K8SOBJ_H
#define FOURC_K8SOBJ_H

#include "util.h"

/* Kind is cluster-scoped (Namespace, ClusterRole, Cilium's clusterwide
 * policies): its objects name no namespace. */
int k8sobj_cluster_kind(const char *kind);

/*
 * Appends the uid of an object to uid: "GROUP/Kind/NAMESPACE/NAME" with
 * GROUP the apiVersion's group ("core" for v1) and no version, so that
 * v1beta1 -> v1 keeps the findings' fingerprints; ns NULL for a
 * cluster-scoped object. name must be set (callers without one make their
 * own placeholder after the last slash: pass "" and append it).
 */
void k8sobj_uid(struct strbuf *uid, const char *api_version, const char *kind,
                const char *ns, const char *name);

/* NULL-terminated: the kinds of Kubernetes' built-in API groups and of the
 * custom resources rules name ("k8s/Deployment"), for
 * collector.known_kinds. */
extern const char *const k8sobj_known_kinds[];

#endif
