/* redact.c: redaction at the collector; see redact.h. */
#include "redact.h"

#include <ctype.h>
#include <string.h>

#include "util.h"
#include "banned.h"

json_t *redact_value(const char *value, size_t len)
{
    char digest[SHA256_STR_LEN];

    sha256_str(value, len, digest);
    return json_sprintf("[redacted: %zu bytes, sha256:%.8s]", len, digest + 7);
}

int redact_name_is_secret(const char *name)
{
    /* Substrings: compound words people write without separators. */
    static const char *const words[] = {
        "PASSWORD", "PASSWD",     "PASSPHRASE", "SECRET",   "TOKEN",
        "APIKEY",   "CREDENTIAL", "PRIVATEKEY", "CONN_STR", "CONNECTION_STRING",
        NULL};
    /* Whole words between separators: DB_PASS, SSH_KEY, GITHUB_PAT. */
    static const char *const tokens[] = {
        "PASS",    "PWD",     "KEY",  "AUTH",   "CREDS",   "DSN", "PAT",
        "PRIVATE", "SIGNING", "SALT", "COOKIE", "CERTKEY", NULL};
    char up[256];
    size_t i, j, start;

    for (i = 0; name[i] && i < sizeof(up) - 1; i++) {
        unsigned char c = (unsigned char)name[i];
        up[i] = (char)(isalnum(c) ? toupper(c) : '_');
    }
    up[i] = '\0';
    for (j = 0; words[j]; j++)
        if (strstr(up, words[j]))
            return 1;
    for (start = 0; up[start];) {
        size_t len = strcspn(up + start, "_");
        for (j = 0; tokens[j]; j++)
            if (len == strlen(tokens[j]) &&
                memcmp(up + start, tokens[j], len) == 0)
                return 1;
        start += len;
        while (up[start] == '_')
            start++;
    }
    return 0;
}

static int redact_prefix(const char *v, const char *p)
{
    return strncmp(v, p, strlen(p)) == 0;
}

int redact_value_is_secret(const char *v)
{
    static const char *const prefixes[] = {
        "ghp_",     "gho_",     "ghu_",    "ghs_",  "ghr_",  "github_pat_",
        "glpat-",   "xoxb-",    "xoxa-",   "xoxp-", "xoxr-", "xoxs-",
        "sk_live_", "rk_live_", "sk-ant-", "AIza",  NULL};
    const char *at, *scheme;
    size_t i;

    if (strstr(v, "-----BEGIN") && strstr(v, "PRIVATE KEY"))
        return 1;
    for (i = 0; prefixes[i]; i++)
        if (redact_prefix(v, prefixes[i]))
            return 1;
    if ((redact_prefix(v, "AKIA") || redact_prefix(v, "ASIA")) &&
        strlen(v) == 20)
        return 1;
    /* scheme://user:password@host */
    scheme = strstr(v, "://");
    if (scheme && (at = strchr(scheme + 3, '@')) != NULL) {
        const char *colon = strchr(scheme + 3, ':');
        if (colon && colon < at &&
            !memchr(scheme + 3, '/', (size_t)(at - scheme - 3)))
            return 1;
    }
    /* A JSON Web Token: three base64url parts, the first "eyJ". */
    if (redact_prefix(v, "eyJ") && strchr(v, '.') &&
        strchr(strchr(v, '.') + 1, '.'))
        return 1;
    return 0;
}

static size_t redact_map_values(json_t *map)
{
    const char *k;
    json_t *v;
    size_t n = 0;

    json_object_foreach(map, k, v)
    {
        if (json_is_string(v)) {
            json_object_set_new(
                map, k,
                redact_value(json_string_value(v), json_string_length(v)));
            n++;
        } else if (!json_is_null(v)) {
            json_object_set_new(map, k, json_string("[redacted]"));
            n++;
        }
    }
    return n;
}

/*
 * Command lines: "--password=x" keeps the flag and loses the value; any
 * word that looks like a credential by itself goes whole.
 */
static size_t redact_args(json_t *arr)
{
    json_t *a;
    size_t i, n = 0;

    json_array_foreach(arr, i, a)
    {
        const char *v = json_string_value(a), *eq;
        struct strbuf sb = STRBUF_INIT;
        char name[128];
        size_t len;

        if (!v)
            continue;
        if (redact_value_is_secret(v)) {
            json_array_set_new(arr, i, redact_value(v, strlen(v)));
            n++;
            continue;
        }
        eq = strchr(v, '=');
        if (!eq || v[0] != '-' || eq == v)
            continue;
        len = (size_t)(eq - v) < sizeof(name) ? (size_t)(eq - v)
                                              : sizeof(name) - 1;
        memcpy(name, v, len);
        name[len] = '\0';
        if (!redact_name_is_secret(name) || !eq[1])
            continue;
        sb_add(&sb, v, (size_t)(eq - v) + 1);
        {
            json_t *r = redact_value(eq + 1, strlen(eq + 1));
            sb_adds(&sb, json_string_value(r));
            json_decref(r);
        }
        json_array_set_new(arr, i, json_stringn(sb.buf, sb.len));
        sb_release(&sb);
        n++;
    }
    return n;
}

/* Values of a string map (ConfigMap data, annotations) that look like
 * credentials, by their key or by themselves. */
static size_t redact_map_if_secret(json_t *map)
{
    const char *k;
    json_t *v;
    size_t n = 0;

    json_object_foreach(map, k, v)
    {
        const char *s = json_string_value(v);
        if (!s || !*s)
            continue;
        if (redact_name_is_secret(k) || redact_value_is_secret(s)) {
            json_object_set_new(map, k, redact_value(s, strlen(s)));
            n++;
        }
    }
    return n;
}

/* Every "env" list below v: values of credential-looking names. */
static size_t redact_env(json_t *v, int depth)
{
    const char *k;
    json_t *c, *e;
    size_t i, n = 0;

    if (depth > 64)
        return 0;
    if (json_is_object(v)) {
        json_object_foreach(v, k, c)
        {
            if (strcmp(k, "env") == 0 && json_is_array(c)) {
                json_array_foreach(c, i, e)
                {
                    const char *name =
                        json_string_value(json_object_get(e, "name"));
                    json_t *val = json_object_get(e, "value");
                    if (name && json_is_string(val) &&
                        json_string_length(val) &&
                        (redact_name_is_secret(name) ||
                         redact_value_is_secret(json_string_value(val)))) {
                        json_object_set_new(
                            e, "value",
                            redact_value(json_string_value(val),
                                         json_string_length(val)));
                        n++;
                    }
                }
            } else if ((strcmp(k, "args") == 0 || strcmp(k, "command") == 0) &&
                       json_is_array(c)) {
                n += redact_args(c);
            } else {
                n += redact_env(c, depth + 1);
            }
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, c)
        {
            n += redact_env(c, depth + 1);
        }
    }
    return n;
}

size_t redact_k8s_object(json_t *obj)
{
    const char *kind = json_string_value(json_object_get(obj, "kind"));
    json_t *ann =
        json_object_get(json_object_get(obj, "metadata"), "annotations");
    json_t *v;
    size_t n = 0;

    if (kind && strcmp(kind, "Secret") == 0) {
        if (json_is_object(v = json_object_get(obj, "data")))
            n += redact_map_values(v);
        if (json_is_object(v = json_object_get(obj, "stringData")))
            n += redact_map_values(v);
    }
    if (kind && strcmp(kind, "ConfigMap") == 0 &&
        json_is_object(v = json_object_get(obj, "data")))
        n += redact_map_if_secret(v);
    if (json_is_object(ann)) {
        /* Tools keep whole copies of the object in annotations (kubectl's
         * last-applied, kapp's original): Secret data included. */
        static const char *const copies[] = {
            "kubectl.kubernetes.io/last-applied-configuration",
            "kapp.k14s.io/original", NULL};
        const char *k;
        size_t i;
        for (i = 0; copies[i]; i++) {
            if (json_object_get(ann, copies[i])) {
                json_object_set_new(
                    ann, copies[i],
                    json_string("[redacted: a copy of the object]"));
                n++;
            }
        }
        json_object_foreach(ann, k, v)
        {
            const char *s = json_string_value(v);
            if (s && s[0] == '{' && strstr(s, "\"apiVersion\"") &&
                strstr(s, "\"kind\"")) {
                json_object_set_new(
                    ann, k, json_string("[redacted: a copy of the object]"));
                n++;
            }
        }
        n += redact_map_if_secret(ann);
    }
    return n + redact_env(obj, 0);
}
