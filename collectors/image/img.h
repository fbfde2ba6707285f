/*
 * img.h: an image opened from one of its sources: an OCI image layout
 * directory, a `docker save` archive, or a registry. Whatever the source,
 * the caller gets the chosen platform's manifest, the config (verified
 * against its digest) and the layer descriptors, and streams each layer's
 * blob, as stored, into a sink chain.
 *
 *   oci:DIR[:TAG]  oci:DIR@sha256:...   (index.json; TAG matches the
 *                  org.opencontainers.image.ref.name annotation)
 *   docker-archive:FILE[:REPO:TAG]      (manifest.json: old layout with
 *                  <id>/layer.tar and the OCI-style one with blobs/)
 *   [docker://]HOST[:PORT]/NAME[:TAG|@DIGEST]   (distrib.h)
 *
 * Every manifest, config and layer is checked against the digest that
 * names it; a mismatch is an error naming the image and the blob.
 */
#ifndef FOURC_IMG_H
#define FOURC_IMG_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "imgopts.h"
#include "sink.h"

struct img_layer {
    char *digest;     /* of the blob as stored ("sha256:...") */
    char *media_type; /* NULL in old docker archives */
    int64_t size;     /* from the descriptor, -1 when unknown */
    char *diff_id;    /* the config's rootfs.diff_ids entry, or NULL */
};

struct img_backend;

struct img {
    char *ref;             /* as the user wrote it */
    char *transport;       /* "oci", "docker-archive", "registry" */
    char *manifest_digest; /* of the chosen platform's manifest; the old
                              docker archive layout has none: NULL */
    char *index_digest;    /* of the index or manifest list it was chosen
                              from, or NULL */
    char *manifest_media_type;
    char *platform;   /* "linux/amd64" as the config says */
    char *tag;        /* the tag the reference names (a registry reference
                         without tag or digest names "latest"), or NULL */
    char *ref_digest; /* the digest the reference pins, or NULL */
    char *config_digest;
    json_t *manifest; /* new reference; NULL for old docker archives */
    json_t *config;
    struct img_layer *layers;
    size_t nlayers;
    struct img_backend *backend;
};

/* Checks the shape of ref without opening anything (usage errors). */
int img_ref_check(const char *ref, struct err *e);

/* Opens ref: reads (or fetches) and verifies index, manifest and config. */
int img_open(const char *ref, const struct img_opts *o, struct img **out,
             struct err *e);

/*
 * Pushes the i-th layer's blob bytes to `to` (write only; the caller
 * closes). Put a digest_sink first to verify it; for old docker archives,
 * whose layers are named by no digest, verify the uncompressed bytes
 * against diff_id instead.
 */
int img_layer_stream(struct img *im, size_t i, struct sink *to, struct err *e);

void img_free(struct img *im);

#endif
