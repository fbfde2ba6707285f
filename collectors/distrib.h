/*
 * distrib.h: a client for the OCI distribution API (the registry HTTP API
 * v2) over libcurl, for one repository.
 *
 * Speaks https, and plain http only to hosts named in img_opts.insecure
 * (where TLS verification is off too; nothing else turns it off). For
 * such a host https is tried first and plain http used when the TLS
 * handshake fails, as docker does; the choice holds for the struct's life.
 * Authentication follows what the registry asks for in its 401 answer's
 * WWW-Authenticate header: anonymous first; "Basic" with the credentials
 * for the registry from the docker config's "auths" (an "auth" field of
 * base64 "user:password", or "username"/"password"; "credsStore" and
 * "credHelpers" are not run: the authentication error says so); "Bearer
 * realm=...,service=...,scope=..." by fetching a token from the realm
 * (with those credentials as Basic when there are some, anonymous
 * otherwise) and retrying with it. A token is reused for the
 * repository until a 401 says otherwise. The docker config is
 * img_opts.docker_config, else $DOCKER_CONFIG/config.json, else
 * ~/.docker/config.json, read at the first 401 only: a missing file is no
 * credentials, a malformed one an error naming it. A 401 that persists is
 * "registry 127.0.0.1:5000: authentication failed for team/app (401
 * UNAUTHORIZED: authentication required): no credentials for
 * 127.0.0.1:5000 in /home/u/.docker/config.json" (or "... were refused").
 *
 * Errors name the URL or the reference and the HTTP status and say what
 * the registry said when it said it in the standard error body
 * ({"errors":[{"code","message"}]}): "registry 127.0.0.1:5000: GET
 * /v2/team/app/manifests/1.4: 404 MANIFEST_UNKNOWN: manifest unknown".
 * 429 and 5xx answers are retried twice (Retry-After honoured up to 10 s);
 * connect and stall timeouts are img_opts.timeout (less than a byte a
 * second for that long is a stall). Redirects are followed (5 at most);
 * libcurl drops our Authorization header when one leaves the host, port
 * or scheme. Credentials and tokens never appear in errors, logs or
 * anything returned.
 */
#ifndef FOURC_DISTRIB_H
#define FOURC_DISTRIB_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "imgopts.h"
#include "sink.h"
#include "util.h"

/* A registry reference, normalised the way docker does it:
 * "alpine" -> registry "registry-1.docker.io", repository "library/alpine",
 * tag "latest"; "localhost:5000/team/app@sha256:..." keeps its host (a
 * first component with '.' or ':' or equal to "localhost" is a host). */
struct distrib_ref {
    char *host;       /* as written: "127.0.0.1:5000", "docker.io" */
    char *api_host;   /* where requests go: docker.io -> registry-1.docker.io */
    char *repository; /* "team/app" */
    char *tag;        /* NULL when a digest is given without a tag */
    char *digest;     /* "sha256:<hex>" or NULL */
};

/* Parses s (without any "docker://" prefix, which the caller strips).
 * Rejects upper case repositories, empty components, bad tags and bad
 * digests with an error naming s. */
int distrib_ref_parse(const char *s, struct distrib_ref *out, struct err *e);
void distrib_ref_release(struct distrib_ref *r);

struct distrib;

/* Nothing goes over the network yet. NULL only on a bad option (e sets). */
struct distrib *distrib_new(const struct distrib_ref *ref,
                            const struct img_opts *o, struct err *e);
void distrib_free(struct distrib *d);

/*
 * GET /v2/<repo>/manifests/<reference> (a tag or a digest) with an Accept
 * header listing the OCI index and manifest and the Docker manifest list
 * and schema 2 types. body gets the bytes (at most 4 MiB, more is an
 * error), media_type the Content-Type (new string, caller frees; may be ""
 * when the registry sent none). When reference is a digest, the bytes'
 * digest must equal it (checked here; a mismatch is an error).
 */
int distrib_get_manifest(struct distrib *d, const char *reference,
                         struct strbuf *body, char **media_type, struct err *e);

/*
 * GET /v2/<repo>/blobs/<digest>, following redirects (to storage that
 * is not the registry, credentials are not sent), pushing the bytes to
 * `to` as they arrive (write only: the caller closes `to`). The digest is
 * not checked here: the caller puts a digest_sink in front. A sink error
 * stops the transfer and is returned as it is.
 */
int distrib_get_blob(struct distrib *d, const char *digest, struct sink *to,
                     struct err *e);

#endif
