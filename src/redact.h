/*
 * redact.h: secret values are replaced at the collector, before anything
 * is stored, printed or sent. What stays is where the value was, its size
 * and a short hash prefix (enough to tell two values apart, or to see that
 * a value changed between scans), never the value.
 */
#ifndef FOURC_REDACT_H
#define FOURC_REDACT_H

#include <stddef.h>

#include <jansson.h>

/* "[redacted: 24 bytes, sha256:1a2b3c4d]"; new reference. */
json_t *redact_value(const char *value, size_t len);

/* True when an environment variable or key name suggests a credential. */
int redact_name_is_secret(const char *name);

/* True when a value looks like a credential whatever its name: private
 * keys, provider token formats, AWS key ids, passwords in URLs, JWTs. */
int redact_value_is_secret(const char *value);

/*
 * Redacts a Kubernetes object in place: Secret data and stringData;
 * credential-looking env values, command-line flags and words in any
 * container; ConfigMap data and annotations that look like credentials;
 * annotations that copy the whole object (kubectl's last-applied, kapp's
 * original). Returns how many values were replaced.
 */
size_t redact_k8s_object(json_t *obj);

#endif
