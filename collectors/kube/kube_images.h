/*
 * kube_images.h: the images a cluster runs, gathered from the objects the
 * kubeconfig collector lists (--images), each handed once to the image
 * collector (collect_ctx.add_target) with the workloads that run it.
 *
 * An image is known by the digest its pods run when the kubelet reported
 * one (status.containerStatuses[].imageID, init and ephemeral containers
 * too: "docker-pullable://REPO@sha256:...", "REPO@sha256:..."), else by
 * the digest the pod spec pins, else by its reference; a bare "sha256:..."
 * imageID is the runtime's local image id, not a manifest digest. What is
 * pulled is "HOST/REPO@sha256:..." or "HOST/REPO:TAG", the host written
 * out the way docker reads a reference ("nginx" is
 * docker.io/library/nginx:latest), so the same image named two ways is
 * one target. A reference that is not a registry reference (no valid host
 * or name: "oci:/etc", "docker-archive:/x") is handed over as
 * "docker://..." so that it is refused as a registry reference and never
 * read from the scanning host's files.
 *
 * Workloads are each pod's top owner, through the controller
 * ownerReferences of the ReplicaSets and Jobs listed in the same scan (a
 * Pod of ReplicaSet web-7d9 of Deployment web is "Deployment web"; of a
 * ReplicaSet that was not listed, "ReplicaSet web-7d9"); a pod without
 * owner is itself. A top-level workload (Deployment, StatefulSet,
 * DaemonSet, CronJob, an unowned ReplicaSet, Job or ReplicationController)
 * none of whose pods was listed (scaled to zero, a CronJob between runs,
 * Pods not listable) adds its pod template's images by reference.
 *
 * The context each image goes with: {"via": VIA, "workloads": [{"kind",
 * "namespace", "name"}, ...] (sorted, KUBE_IMAGES_NAMED at most),
 * "workloads_more": N, "references": [the image as the pods name it, ...]
 * (KUBE_IMAGES_NAMED at most)}.
 */
#ifndef FOURC_KUBE_IMAGES_H
#define FOURC_KUBE_IMAGES_H

#include <jansson.h>

#include "collector.h"
#include "err.h"

#define KUBE_IMAGES_NAMED 20

struct kube_images;

/* via names the cluster in each context ("kubeconfig https://h:6443"). */
struct kube_images *kube_images_new(const char *via);
void kube_images_free(struct kube_images *ki);

/* One listed object (borrowed) of the list's kind ("Pod", "ReplicaSet",
 * "Job", "Deployment", ...); kinds without pods or pod templates are
 * ignored, and so is what is malformed in obj. */
void kube_images_add(struct kube_images *ki, const char *kind,
                     const json_t *obj);

/* kube_images_add of each k8s/<Kind> resource r (arg: ki), for the
 * lister's observe hook (kube_list.h); never fails. */
int kube_images_observe(void *arg, const struct resource *r, struct err *e);

/* want (rule kinds, NULL-terminated) with the kinds whose objects name
 * images or owners added: a new array the caller frees (the strings are
 * want's or static). NULL (the default kinds) stays NULL. */
const char **kube_images_kinds(const char *const *want);

/* Hands each distinct image to ctx->add_target("image", ...), sorted by
 * reference; the first failure stops it (e set). */
int kube_images_flush(struct kube_images *ki, struct collect_ctx *ctx,
                      struct err *e);

/* What is pulled for a container running image (the pod spec's) whose
 * status reports image_id (NULL or "" when none): a new string. */
char *kube_images_ref(const char *image, const char *image_id);

#endif
