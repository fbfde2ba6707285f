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
 * 429 and 5xx answers, and connections refused or dropped before any byte
 * of the body, are retried twice (Retry-After, seconds or an HTTP-date,
 * honoured up to 10 s; TLS, timeouts and retries are core/http.h's);
 * img_opts.timeout (T, --registry-timeout) bounds every request: the
 * connection must come up within T seconds, the transfer may not fall
 * under DISTRIB_MIN_RATE (16 KiB/s) for T seconds at a time, and the whole
 * request must end by T seconds plus one second per 16 KiB received, an
 * overall deadline that grows with the blob: a server that trickles fails
 * after about T seconds, "registry H: GET /v2/R/blobs/sha256:...: too
 * slow: 10 bytes in 5 s, under the minimum of 16 KiB/s (--registry-timeout
 * 5)". Redirects are followed (5 at most);
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

/* Bytes a second a registry transfer must keep up (see above). */
#define DISTRIB_MIN_RATE 16384L

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

/* ---- the pure parsers (distrib_ref.c) ---------------------------------
 * What the client above uses to read a registry's answers and the docker
 * config, exposed so that they are tested and fuzzed on bytes. Every
 * input here is untrusted; none of them touches the network. */

/* "sha256:<64 lower hex>" or "sha512:<128 lower hex>": 1, else 0. */
int distrib_digest_ok(const char *s);

/* A tag ([A-Za-z0-9_][A-Za-z0-9._-]{0,127}): 1, else 0. */
int distrib_tag_ok(const char *s);

/* "docker.io" or "index.docker.io" (whose API is registry-1.docker.io). */
int distrib_is_docker_hub(const char *host);

/* Appends s (n bytes of anything a server sent) to sb, cut to about 200
 * bytes at a character boundary, invalid UTF-8 replaced by U+FFFD and
 * control characters by spaces: how a registry's words reach an error. */
void distrib_add_clean(struct strbuf *sb, const char *s, size_t n);

/* A status line without its CRLF ("HTTP/1.1 404 Not Found", n bytes):
 * returns the status (0 when there is none; digits stop at 1000 or more)
 * and writes the reason phrase, cleaned as by distrib_add_clean, into
 * reason (reasonsz bytes, always terminated, cut between characters when
 * longer). */
long distrib_status_line(const char *line, size_t n, char *reason,
                         size_t reasonsz);

/* A Retry-After value (n bytes, trimmed): delay-seconds in milliseconds,
 * capped at 10 s; -1 for anything else (an HTTP date, empty, junk).
 * The client no longer calls this nor distrib_status_line: core/http.c
 * reads status lines and Retry-After (dates too) for every client; both
 * stay for their tests and fuzz target until those move to http.h. */
long distrib_retry_after_ms(const char *v, size_t n);

/* Appends "404 MANIFEST_UNKNOWN: manifest unknown" for an answer whose
 * body (len bytes, may be anything) is the standard error body
 * {"errors":[{"code","message"}]} (the first error counts; its words
 * cleaned as by distrib_add_clean), else "500 Internal Server Error"
 * from the reason phrase (may be NULL or ""), else just "500". */
void distrib_error_text(long status, const char *reason, const char *body,
                        size_t len, struct strbuf *out);

enum distrib_scheme { DISTRIB_NONE, DISTRIB_BASIC, DISTRIB_BEARER };

/* What 401 answers ask for. Start it zeroed; owns its strings. */
struct distrib_challenge {
    enum distrib_scheme scheme; /* Bearer beats Basic beats none */
    char *realm;                /* of the first Bearer challenge, or NULL */
    char *service;              /* of the first Bearer challenge, or NULL */
    char *other; /* the first scheme we do not speak (32 bytes at most) */
};

/* Adds one WWW-Authenticate value (n bytes, without a newline) to c:
 * challenges separated by commas, each a scheme and auth-params
 * (token=token or token="quoted, \"string\""); call it once per header
 * of an answer. Never fails: what it cannot read it steps over. */
void distrib_challenge_parse(const char *s, size_t n,
                             struct distrib_challenge *c);
void distrib_challenge_release(struct distrib_challenge *c);

/* The token of a token server's answer (len bytes; "token", else
 * "access_token"): a new string the caller cleanses and frees, or NULL
 * with *why set to a static sentence ("the token server's answer has no
 * token", "... is not one header word"). */
char *distrib_token_parse(const char *body, size_t len, const char **why);

/* The credentials a docker config holds for a registry host. */
struct distrib_creds {
    char *basic;    /* base64 "user:password" (owned), or NULL: none */
    char *password; /* owned, only to scrub errors; NULL when basic is */
    int helper;     /* the config names a credsStore or a credHelper for
                       the host, which are not run */
};

/*
 * Finds host ("docker.io" also under https://index.docker.io/v1/ and the
 * other hub names; else the bare host, then https://host..., then any
 * URL naming it) in the "auths" of root (borrowed) and decodes its "auth"
 * (base64 "user:password") or "username"/"password". No entry is no
 * credentials, not an error. Errors name path (used only in messages)
 * and host, never a value from the file. out is zeroed first and holds
 * nothing to release after an error; else distrib_creds_release it.
 */
struct json_t;
int distrib_creds_parse(struct json_t *root, const char *path, const char *host,
                        struct distrib_creds *out, struct err *e);

/* distrib_creds_parse of the file at path: a file that is not there
 * (ENOENT, ENOTDIR) is no credentials; an unreadable or malformed one is an
 * error naming path and where the JSON breaks, without quoting the file. */
int distrib_creds_load(const char *path, const char *host,
                       struct distrib_creds *out, struct err *e);

/* Cleanses and frees the secrets; c may be NULL. */
void distrib_creds_release(struct distrib_creds *c);

#endif
