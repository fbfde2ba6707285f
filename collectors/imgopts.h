/*
 * imgopts.h: what the user said about how to reach images (shared by the
 * image collector, its sources and the registry client).
 */
#ifndef FOURC_IMGOPTS_H
#define FOURC_IMGOPTS_H

#include <stddef.h>

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
};

#endif
