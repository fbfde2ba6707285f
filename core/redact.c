/* redact.c: redaction at the collector; see redact.h. */
#include "redact.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

/* Deeper than any real object; bounds the walk on hostile input. */
#define REDACT_MAX_DEPTH 64

json_t *redact_value(const char *value, size_t len)
{
    char digest[SHA256_STR_LEN], text[64];

    sha256_str(value, len, digest);
    /* Not json_sprintf, which formats everything twice to size it; 64
     * bytes hold the text for any size_t. */
    snprintf(text, sizeof(text), "[redacted: %zu bytes, sha256:%.8s]", len,
             digest + 7);
    return json_string(text);
}

/*
 * The words of a credential's name. Names are compared upper-cased, with
 * every byte that is not a letter or digit read as '_'. Most words match
 * anywhere: compound words people write without separators. The short
 * ones match only as a whole word between separators: DB_PASS, SSH_KEY,
 * GITHUB_PAT, but not KEYCLOAK_URL.
 */
enum redact_where { REDACT_ANYWHERE, REDACT_WHOLE_WORD };

struct redact_word {
    const char *text;
    enum redact_where where;
};

/*
 * Filed under their first letter, so that each byte of a name is compared
 * with the few words that can start there, not with all of them: this runs
 * for every env name and annotation key of every object. (A word filed
 * under another letter would never match; the unit tests name each one.)
 */
static const struct redact_word *const redact_words[26] = {
    ['A' - 'A'] = (const struct redact_word[]){{"APIKEY", REDACT_ANYWHERE},
                                               {"AUTH", REDACT_WHOLE_WORD},
                                               {NULL, 0}},
    ['C' - 'A'] =
        (const struct redact_word[]){{"CREDENTIAL", REDACT_ANYWHERE},
                                     {"CONN_STR", REDACT_ANYWHERE},
                                     {"CONNECTION_STRING", REDACT_ANYWHERE},
                                     {"CREDS", REDACT_WHOLE_WORD},
                                     {"COOKIE", REDACT_WHOLE_WORD},
                                     {"CERTKEY", REDACT_WHOLE_WORD},
                                     {NULL, 0}},
    ['D' - 'A'] =
        (const struct redact_word[]){{"DSN", REDACT_WHOLE_WORD}, {NULL, 0}},
    ['K' - 'A'] =
        (const struct redact_word[]){{"KEY", REDACT_WHOLE_WORD}, {NULL, 0}},
    ['P' - 'A'] = (const struct redact_word[]){{"PASSWORD", REDACT_ANYWHERE},
                                               {"PASSWD", REDACT_ANYWHERE},
                                               {"PASSPHRASE", REDACT_ANYWHERE},
                                               {"PRIVATEKEY", REDACT_ANYWHERE},
                                               {"PASS", REDACT_WHOLE_WORD},
                                               {"PWD", REDACT_WHOLE_WORD},
                                               {"PAT", REDACT_WHOLE_WORD},
                                               {"PRIVATE", REDACT_WHOLE_WORD},
                                               {NULL, 0}},
    ['S' - 'A'] = (const struct redact_word[]){{"SECRET", REDACT_ANYWHERE},
                                               {"SIGNING", REDACT_WHOLE_WORD},
                                               {"SALT", REDACT_WHOLE_WORD},
                                               {NULL, 0}},
    ['T' - 'A'] =
        (const struct redact_word[]){{"TOKEN", REDACT_ANYWHERE}, {NULL, 0}},
};

/*
 * How a byte of a name is compared: letters upper-cased, digits kept, and
 * everything else, bytes of UTF-8 sequences too, a separator. This is the
 * C locale's isalnum and toupper (fourc never sets a locale) as one load
 * per byte instead of two calls.
 */
static const char redact_fold[UCHAR_MAX + 2] =
    "________________________________"  /* 0x00 control */
    "________________0123456789______"  /* 0x20 punctuation, digits */
    "_ABCDEFGHIJKLMNOPQRSTUVWXYZ_____"  /* 0x40 upper case */
    "_ABCDEFGHIJKLMNOPQRSTUVWXYZ_____"  /* 0x60 lower case */
    "________________________________"  /* 0x80 not ASCII */
    "________________________________"  /* 0xa0 */
    "________________________________"  /* 0xc0 */
    "________________________________"; /* 0xe0 */
_Static_assert(sizeof(redact_fold) == UCHAR_MAX + 2, "one per byte, and NUL");

/* Where word ends in s when s starts with it, else NULL. */
static const char *redact_skip(const char *s, const char *word)
{
    while (*word && *s == *word) {
        s++;
        word++;
    }
    return *word ? NULL : s;
}

/* True when a word starts at up + i (up is upper-cased and terminated). */
static int redact_word_at(const char *up, size_t i)
{
    const struct redact_word *w = redact_words[up[i] - 'A'];
    const char *end;

    /* Every word has two letters or more, and up is terminated: testing
     * the second letter first is safe and rules out most words. */
    for (; w && w->text; w++) {
        if (w->text[1] != up[i + 1] ||
            (end = redact_skip(up + i + 2, w->text + 2)) == NULL)
            continue;
        if (w->where == REDACT_ANYWHERE)
            return 1;
        if ((i == 0 || up[i - 1] == '_') && (*end == '\0' || *end == '_'))
            return 1;
    }
    return 0;
}

int redact_name_is_secret(const char *name)
{
    char up[256];
    size_t n, i;

    /* Only the first 255 bytes are judged, as they always were. */
    for (n = 0; name[n] && n < sizeof(up) - 1; n++)
        up[n] = redact_fold[(unsigned char)name[n]];
    up[n] = '\0';
    for (i = 0; i < n; i++)
        if (up[i] >= 'A' && up[i] <= 'Z' && redact_word_at(up, i))
            return 1;
    return 0;
}

/* The first-byte test keeps strlen and strncmp for the rare near miss. */
static int redact_prefix(const char *v, const char *p)
{
    return v[0] == p[0] && strncmp(v, p, strlen(p)) == 0;
}

/*
 * Provider token formats (GitHub, GitLab, Slack, Stripe, Anthropic,
 * OpenAI, Shopify, Docker Hub, DigitalOcean, PyPI, Google), filed under
 * their first byte like the words of names: a value is compared with the
 * few that start like it.
 */
static const char *const *const redact_token_prefixes[UCHAR_MAX + 1] = {
    ['g'] = (const char *const[]){"ghp_", "gho_", "ghu_", "ghs_", "ghr_",
                                  "github_pat_", "glpat-", "glrt-", "gldt-",
                                  "glptt-", NULL},
    ['x'] = (const char *const[]){"xoxb-", "xoxa-", "xoxp-", "xoxr-", "xoxs-",
                                  "xoxe-", "xoxe.", "xapp-", NULL},
    ['s'] = (const char *const[]){"sk_live_", "sk-ant-", "sk-proj-", "shpat_",
                                  "shpss_", NULL},
    ['r'] = (const char *const[]){"rk_live_", NULL},
    ['w'] = (const char *const[]){"whsec_", NULL},
    ['d'] = (const char *const[]){"dckr_pat_", "dop_v1_", NULL},
    ['p'] = (const char *const[]){"pypi-AgE", NULL},
    ['A'] = (const char *const[]){"AIza", NULL},
};

/* A format added here that is known by how a value starts goes into
 * redact_value_prefix too (test_redact checks every case). */
int redact_value_is_secret(const char *v)
{
    const char *const *p = redact_token_prefixes[(unsigned char)v[0]];
    const char *at, *scheme;

    if (strstr(v, "-----BEGIN") && strstr(v, "PRIVATE KEY"))
        return 1;
    for (; p && *p; p++)
        if (strncmp(v, *p, strlen(*p)) == 0)
            return 1;
    if ((redact_prefix(v, "AKIA") || redact_prefix(v, "ASIA")) &&
        strlen(v) == 20)
        return 1;
    /* Short prefixes, told from words by their exact length: npm access
     * tokens, Hugging Face tokens. */
    if ((redact_prefix(v, "npm_") && strlen(v) == 40) ||
        (redact_prefix(v, "hf_") && strlen(v) == 37))
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

int redact_value_prefix(const char *v, size_t n)
{
    const char *const *p;

    if (n < 3) /* no format starts shorter */
        return 0;
    for (p = redact_token_prefixes[(unsigned char)v[0]]; p && *p; p++) {
        size_t k;
        if ((*p)[1] != v[1])
            continue;
        k = strlen(*p);
        if (n >= k && memcmp(v, *p, k) == 0)
            return 1;
    }
    switch (v[0]) {
    case 'A': /* AWS key ids */
        return n >= 4 &&
               (memcmp(v, "AKIA", 4) == 0 || memcmp(v, "ASIA", 4) == 0);
    case 'n': /* npm */
        return n >= 4 && memcmp(v, "npm_", 4) == 0;
    case 'h': /* Hugging Face */
        return n >= 3 && memcmp(v, "hf_", 3) == 0;
    case 'e': /* JSON Web Tokens */
        return n >= 3 && memcmp(v, "eyJ", 3) == 0;
    default:
        return 0;
    }
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

/* A scalar that is not a string (DB_PASSWORD: 123456 read as a number,
 * a boolean): its text, hashed like a string's. */
static json_t *redact_scalar(const json_t *v)
{
    char *text;
    json_t *r;

    if (json_is_string(v))
        return redact_value(json_string_value(v), json_string_length(v));
    text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    r = redact_value(text ? text : "", text ? strlen(text) : 0);
    free(text);
    return r;
}

/* A value that may hold a command line or a config line: it has a space,
 * an "=" or a scheme; most values are one word and skip the scan. */
static int redact_may_hold_command(const char *s, size_t n)
{
    return n >= 4 && (memchr(s, ' ', n) || memchr(s, '=', n) ||
                      memchr(s, '\n', n) || strstr(s, "://"));
}

/* Replaces the string at map[k] with the text redact_shell or
 * redact_text made of it, when they replaced anything. */
static size_t redact_map_scan(json_t *map, const char *k, const char *s,
                              size_t n, char *(*scan)(const char *, size_t))
{
    char *r = scan(s, n);

    if (!r)
        return 0;
    json_object_set_new(map, k, json_string_lossy(r));
    free(r);
    return 1;
}

/* Values of a string map (ConfigMap data, annotations) that look like
 * credentials, by their key or by themselves; with text set (ConfigMap
 * data, which holds whole files), the credentials inside the others. */
static size_t redact_map_if_secret(json_t *map, int text)
{
    const char *k;
    json_t *v;
    size_t n = 0;

    json_object_foreach(map, k, v)
    {
        const char *s = json_string_value(v);
        if (!s) {
            /* Not a string where Kubernetes wants one: a number or a
             * boolean under a credential's name is still its value. */
            if ((json_is_number(v) || json_is_boolean(v)) &&
                redact_name_is_secret(k)) {
                json_object_set_new(map, k, redact_scalar(v));
                n++;
            }
            continue;
        }
        if (!*s)
            continue;
        if (redact_name_is_secret(k) || redact_value_is_secret(s)) {
            json_object_set_new(map, k, redact_value(s, strlen(s)));
            n++;
        } else if (text && redact_may_hold_command(s, json_string_length(v))) {
            n += redact_map_scan(map, k, s, json_string_length(v), redact_text);
        }
    }
    return n;
}

/* An "env" list: values of credential-looking names, or that look like
 * credentials themselves. */
static size_t redact_env_list(json_t *env)
{
    json_t *e;
    size_t i, n = 0;

    json_array_foreach(env, i, e)
    {
        json_t *val = json_object_get(e, "value");
        const char *name, *s;

        if (!json_is_object(e) || !val || json_is_null(val))
            continue;
        name = json_string_value(json_object_get(e, "name"));
        if (!json_is_string(val)) {
            /* DB_PASSWORD: 123456 is a number to YAML, still the value. */
            if (!json_is_object(val) && !json_is_array(val) &&
                (!name || redact_name_is_secret(name))) {
                json_object_set_new(e, "value", redact_scalar(val));
                n++;
            }
            continue;
        }
        if (!json_string_length(val))
            continue;
        s = json_string_value(val);
        if (!name || redact_name_is_secret(name) || redact_value_is_secret(s)) {
            json_object_set_new(e, "value",
                                redact_value(s, json_string_length(val)));
            n++;
        } else if (redact_may_hold_command(s, json_string_length(val))) {
            /* JAVA_OPTS=-Ddb.password=X, a command in a variable */
            n += redact_map_scan(e, "value", s, json_string_length(val),
                                 redact_shell);
        }
    }
    return n;
}

static int redact_is_container(const json_t *v)
{
    return json_is_object(v) || json_is_array(v);
}

/*
 * Every "env", "args" and "command" list below v, wherever it is: CRDs
 * nest pod templates anywhere, so the walk is generic and visits every
 * member. It runs on every object, so it is kept cheap: plain iterators
 * instead of json_object_foreach's key-to-iterator round trips, scalars
 * (most members) cost a type test and nothing else, and a key's first
 * byte is tested before strcmp.
 */
static size_t redact_env(json_t *v, int depth)
{
    size_t n = 0;

    if (depth > REDACT_MAX_DEPTH)
        return 0;
    if (json_is_object(v)) {
        void *it;
        for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
            json_t *c = json_object_iter_value(it);
            const char *k;

            /* Most members are scalars, with nothing below them. */
            if (!redact_is_container(c))
                continue;
            k = json_object_iter_key(it);
            if (json_is_array(c) && k[0] == 'e' && strcmp(k, "env") == 0)
                n += redact_env_list(c);
            else if (json_is_array(c) &&
                     ((k[0] == 'a' && strcmp(k, "args") == 0) ||
                      (k[0] == 'c' && strcmp(k, "command") == 0)))
                n += redact_argv(c);
            else
                n += redact_env(c, depth + 1);
        }
    } else if (json_is_array(v)) {
        /* Nothing below changes the array's size. */
        size_t i, len = json_array_size(v);
        for (i = 0; i < len; i++) {
            json_t *c = json_array_get(v, i);
            if (redact_is_container(c))
                n += redact_env(c, depth + 1);
        }
    }
    return n;
}

/*
 * A kubeconfig (kind Config): every scalar under a credential's name
 * (token, password, client-key-data, auth-provider's id-token,
 * refresh-token and client-secret) or that is one by its form (a proxy-url
 * with a password), and every exec plugin env value, whatever its name.
 * client-certificate-data and certificate-authority-data are
 * certificates, public, and stay.
 */
static size_t redact_kubeconfig(json_t *v, int depth)
{
    void *it;
    size_t n = 0;

    if (depth > REDACT_MAX_DEPTH || !json_is_object(v))
        return 0;
    for (it = json_object_iter(v); it; it = json_object_iter_next(v, it)) {
        const char *k = json_object_iter_key(it);
        json_t *c = json_object_iter_value(it);
        size_t i;

        if (json_is_object(c)) {
            n += redact_kubeconfig(c, depth + 1);
        } else if (json_is_array(c) && strcmp(k, "env") != 0 &&
                   strcmp(k, "args") != 0) {
            json_t *e;
            json_array_foreach(c, i, e) n += redact_kubeconfig(e, depth + 1);
        } else if (json_is_array(c) && strcmp(k, "env") == 0) {
            json_t *e;
            json_array_foreach(c, i, e)
            {
                json_t *val = json_object_get(e, "value");
                if (json_is_object(e) && val && !json_is_null(val) &&
                    !json_is_object(val) && !json_is_array(val)) {
                    json_object_set_new(e, "value", redact_scalar(val));
                    n++;
                }
            }
        } else if (json_is_array(c)) {
            n += redact_argv(c);
        } else if (!json_is_null(c) &&
                   (redact_name_is_secret(k) ||
                    (json_is_string(c) &&
                     redact_value_is_secret(json_string_value(c))))) {
            json_object_iter_set_new(v, it, redact_scalar(c));
            n++;
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
        n += redact_map_if_secret(v, 1);
    if (kind && strcmp(kind, "Config") == 0)
        n += redact_kubeconfig(obj, 0);
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
        n += redact_map_if_secret(ann, 0);
    }
    return n + redact_env(obj, 0);
}
