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
    static const char *const words[] = {"PASSWORD",
                                        "PASSWD",
                                        "SECRET",
                                        "TOKEN",
                                        "APIKEY",
                                        "API_KEY",
                                        "ACCESS_KEY",
                                        "PRIVATE_KEY",
                                        "CREDENTIAL",
                                        "AUTH",
                                        "PASSPHRASE",
                                        "CONN_STR",
                                        "CONNECTION_STRING",
                                        "DSN",
                                        NULL};
    char up[256];
    size_t i;

    for (i = 0; name[i] && i < sizeof(up) - 1; i++)
        up[i] = (char)toupper((unsigned char)(name[i] == '-' ? '_' : name[i]));
    up[i] = '\0';
    for (i = 0; words[i]; i++)
        if (strstr(up, words[i]))
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
                        redact_name_is_secret(name)) {
                        json_object_set_new(
                            e, "value",
                            redact_value(json_string_value(val),
                                         json_string_length(val)));
                        n++;
                    }
                }
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
    if (json_is_object(ann) &&
        json_object_get(ann, "kubectl.kubernetes.io/last-applied-"
                             "configuration")) {
        json_object_set_new(ann,
                            "kubectl.kubernetes.io/last-applied-configuration",
                            json_string("[redacted: a copy of the object]"));
        n++;
    }
    return n + redact_env(obj, 0);
}
