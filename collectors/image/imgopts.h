/*
 * imgopts.h: what the user said about how to reach images: the image
 * collector's own option state (--platform, --insecure-registry,
 * --registry-*, --max-*-size, declared and set in image.c), shared by its
 * sources and the registry client. Nothing outside collectors/image/
 * knows it: struct target carries it as an opaque pointer.
 */
#ifndef FOURC_IMGOPTS_H
#define FOURC_IMGOPTS_H

#include <stddef.h>
#include <stdint.h>

/* Defaults of the decompressed-size limits (--max-layer-size,
 * --max-image-size). */
#define IMG_DEFAULT_MAX_LAYER (UINT64_C(8) << 30)
#define IMG_DEFAULT_MAX_IMAGE (UINT64_C(32) << 30)

struct img_opts {
    /* "os/arch[/variant]" chosen from an index or manifest list;
     * "linux/amd64" unless --platform says otherwise. */
    const char *platform;
    /* Hosts ("host" or "host:port", as written in the reference) for
     * which TLS verification is off and plain http is allowed
     * (--insecure-registry HOST, repeatable). Nothing else turns TLS
     * verification off. */
    const char *const *insecure;
    size_t ninsecure;
    /* Docker's client config with "auths"; NULL: $DOCKER_CONFIG/config.json,
     * else ~/.docker/config.json (a missing file is no credentials). */
    const char *docker_config;
    /* CA bundle for registries (--registry-ca FILE), NULL: the system's. */
    const char *ca_file;
    /* Seconds a registry may take to connect or stall (default 30). */
    long timeout;
    /* Bytes a layer, and all the layers of an image together, may
     * decompress to (0: IMG_DEFAULT_MAX_LAYER, IMG_DEFAULT_MAX_IMAGE).
     * Past either, the layer is an input error naming the blob and the
     * limit, and the image's filesystem is not judged. */
    uint64_t max_layer_size;
    uint64_t max_image_size;
};

#endif
