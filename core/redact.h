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

/* True when the n bytes at v start like one of the formats
 * redact_value_is_secret knows by their start (token prefixes, AWS key
 * ids, npm and Hugging Face tokens, JWTs), however they go on. Every
 * value redact_value_is_secret accepts starts so, holds '@' (a URL's
 * password) or holds "-----BEGIN" (a private key): redact_shell skips
 * text with none of these without reading it word by word. */
int redact_value_prefix(const char *v, size_t n);

/*
 * Redacts a Kubernetes object in place: Secret data and stringData;
 * credential-looking env values, command-line flags and words in any
 * container; ConfigMap data and annotations that look like credentials;
 * annotations that copy the whole object (kubectl's last-applied, kapp's
 * original). Returns how many values were replaced.
 */
size_t redact_k8s_object(json_t *obj);

/*
 * Credentials inside a command line (one shell string): mysql -pX,
 * --password X, --token=X, curl -u user:X, scheme://user:X@host,
 * export SECRET_KEY=X, NAME=X cmd, sshpass -p X, htpasswd -b f user X,
 * Authorization headers, token formats, private key blocks. Only the
 * credential's part of a word is replaced by the marker. Returns a new
 * string (caller frees), or NULL when nothing was replaced.
 */
char *redact_shell(const char *s, size_t n);

/* The same for a list of arguments (container command and args, exec
 * form, image Cmd): a flag in one element redacts the next; an element
 * that is a command of its own is read as redact_shell reads it.
 * Replaces elements in place; returns how many. */
size_t redact_argv(json_t *arr);

/* Config text (a ConfigMap file, an .env): lines KEY=VALUE, KEY: VALUE,
 * "KEY": "VALUE" whose KEY names a credential lose the value; other lines
 * are read as commands. New string, or NULL when nothing was replaced. */
char *redact_text(const char *s, size_t n);

/* Cuts jansson's " near 'TEXT'" from an error text, in place: the text
 * quoted may be a secret. */
void redact_json_error(char *text);

#endif
