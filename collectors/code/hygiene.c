/*
 * hygiene.c: files that should not be committed (see hygiene.h). Names
 * decide what a file is, except private keys and kubeconfigs, which are
 * also recognised by their content whatever their name; the content
 * decides whether a credential is really in it (a kubeconfig that runs
 * an exec plugin, an .npmrc reading ${NPM_TOKEN}, an .env of empty
 * values hold none). Nothing of a value leaves this file.
 */
#include "hygiene.h"

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "redact.h"
#include "util.h"
#include "banned.h"

static const char *hygiene_base(const char *relpath)
{
    const char *s = strrchr(relpath, '/');
    return s ? s + 1 : relpath;
}

/* Whether the text (first len bytes, NUL-terminated copy) matches an
 * extended, case-insensitive regex. */
static int hygiene_match(const char *text, const char *pattern)
{
    regex_t re;
    int hit;
    if (regcomp(&re, pattern,
                REG_EXTENDED | REG_ICASE | REG_NOSUB | REG_NEWLINE))
        return 0;
    hit = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return hit;
}

/* A value that stands for no credential: empty, a variable reference, or
 * an obvious placeholder. */
static int hygiene_placeholder(const char *v, size_t n)
{
    static const char *const exact[] = {"password", "secret", "token", "none",
                                        "null",     "test",   NULL};
    static const char *const parts[] = {
        "changeme", "change_me", "example", "placeholder", "your_", "your-",
        "<",        "xxx",       "***",     "todo",        "dummy", NULL};
    char low[64];
    size_t i;

    while (n && (*v == ' ' || *v == '"' || *v == '\'')) {
        v++;
        n--;
    }
    while (n && (v[n - 1] == ' ' || v[n - 1] == '"' || v[n - 1] == '\'' ||
                 v[n - 1] == '\r'))
        n--;
    if (n == 0 || v[0] == '$' || v[0] == '#')
        return 1;
    if (n >= sizeof(low))
        return 0;
    for (i = 0; i < n; i++)
        low[i] = (char)tolower((unsigned char)v[i]);
    low[n] = '\0';
    if (str_in(low, exact))
        return 1;
    for (i = 0; parts[i]; i++)
        if (strstr(low, parts[i]))
            return 1;
    return 0;
}

/* Lines KEY=VALUE (or KEY: VALUE, KEY = VALUE) whose key names a
 * credential and whose value is not a placeholder, or whose value is in a
 * token format. */
static int hygiene_assignments(const char *text, int colon_too)
{
    const char *p = text;

    while (*p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        if (!eq && colon_too)
            eq = memchr(p, ':', n);
        if (eq && *p != '#') {
            char key[128], val[512];
            size_t kn = (size_t)(eq - p), vn = n - kn - 1;
            const char *k = p;
            if (strncmp(k, "export ", 7) == 0) {
                k += 7;
                kn -= 7;
            }
            while (kn && k[kn - 1] == ' ')
                kn--;
            while (kn && *k == ' ') {
                k++;
                kn--;
            }
            if (kn < sizeof(key) && vn < sizeof(val)) {
                memcpy(key, k, kn);
                key[kn] = '\0';
                memcpy(val, eq + 1, vn);
                val[vn] = '\0';
                if ((redact_name_is_secret(key) &&
                     !hygiene_placeholder(val, vn)) ||
                    redact_value_is_secret(val))
                    return 1;
            }
        }
        if (!eol)
            break;
        p = eol + 1;
    }
    return 0;
}

/* An .env template's name: NAME.env.example and the like. */
static int hygiene_env_template(const char *base)
{
    return strstr(base, ".env.") &&
           hygiene_match(base, "[.]env[.](example|sample|template|dist|"
                               "defaults?|tpl)$");
}

/* A name that alone makes a file a subject here. */
static int hygiene_named(const char *base, const char *relpath)
{
    static const char *const names[] = {
        ".env",   "terraform.tfstate", ".npmrc", ".pypirc", ".netrc",
        "_netrc", "kubeconfig",        NULL};
    return str_in(base, names) || strncmp(base, ".env.", 5) == 0 ||
           hygiene_env_template(base) || str_has_suffix(base, ".npmrc") ||
           str_has_suffix(base, ".pypirc") || str_has_suffix(base, ".netrc") ||
           str_has_suffix(base, ".env") || str_has_suffix(base, ".tfstate") ||
           str_has_suffix(base, ".tfstate.backup") ||
           str_has_suffix(base, ".kubeconfig") ||
           str_has_suffix(relpath, ".kube/config");
}

static const char hygiene_key_re[] =
    "-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----|PuTTY-User-Key-File-";

static json_t *hygiene_doc(const char *relpath, const char *kind,
                           int has_secret, int template, const char *reason)
{
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string_lossy(relpath));
    json_object_set_new(o, "kind", json_string(kind));
    json_object_set_new(o, "has_secret", json_boolean(has_secret));
    json_object_set_new(o, "template", json_boolean(template));
    json_object_set_new(o, "reason", json_string(reason));
    return o;
}

json_t *code_hygiene_file(const char *relpath, const char *buf, size_t len)
{
    const char *base = hygiene_base(relpath);
    char *text;
    json_t *out = NULL;

    /* Most files are none of these: only names, and the markers a key
     * or a kubeconfig cannot lack, are looked at before anything is
     * copied. */
    if (!hygiene_named(base, relpath) && !memmem(buf, len, "PRIVATE KEY", 11) &&
        !memmem(buf, len, "PuTTY-User-Key-File-", 20) &&
        !memmem(buf, len, "clusters:", 9))
        return NULL;
    /* A NUL-terminated copy: the regexes and line readers need one (read
     * as far as the first NUL). */
    text = xstrndup(buf, len);
    if (strcmp(base, ".env") == 0 || strncmp(base, ".env.", 5) == 0 ||
        str_has_suffix(base, ".env") || hygiene_env_template(base)) {
        int tmpl = hygiene_env_template(base);
        int s = hygiene_assignments(text, 0);
        out = hygiene_doc(relpath, "dotenv", s, tmpl,
                          s ? "a credential variable has a value"
                            : "no credential variable has a value");
    } else if (strcmp(base, "terraform.tfstate") == 0 ||
               str_has_suffix(base, ".tfstate") ||
               str_has_suffix(base, ".tfstate.backup")) {
        /* State holds every resource attribute in clear, sensitive or
         * not: a state with resources is a secret whatever it shows. */
        int s = strstr(text, "\"resources\"") &&
                !hygiene_match(text, "\"resources\"[[:space:]]*:[[:space:]]*"
                                     "\\[[[:space:]]*\\]");
        out = hygiene_doc(relpath, "terraform-state", s, 0,
                          s ? "the state records resources (their "
                              "attributes, secrets included, in clear)"
                            : "the state records no resources");
    } else if (str_has_suffix(base, ".npmrc")) {
        int s = hygiene_match(text, "(_authToken|_auth|_password)[[:space:]]*"
                                    "=[[:space:]]*[^[:space:]$]");
        out = hygiene_doc(relpath, "npmrc", s, 0,
                          s ? "an _authToken, _auth or _password is set"
                            : "no literal credential");
    } else if (str_has_suffix(base, ".pypirc")) {
        int s = hygiene_match(text, "^[[:space:]]*password[[:space:]]*[=:]"
                                    "[[:space:]]*[^[:space:]$]");
        out = hygiene_doc(relpath, "pypirc", s, 0,
                          s ? "a password is set" : "no password");
    } else if (str_has_suffix(base, ".netrc") || strcmp(base, "_netrc") == 0) {
        int s = hygiene_match(text, "(^|[[:space:]])password[[:space:]]+"
                                    "[^[:space:]]");
        out = hygiene_doc(relpath, "netrc", s, 0,
                          s ? "a password is set" : "no password");
    } else if (hygiene_match(text, hygiene_key_re)) {
        int enc = hygiene_match(text, "ENCRYPTED|Proc-Type: 4,ENCRYPTED|"
                                      "Encryption: aes");
        out = hygiene_doc(relpath, "private-key", 1, 0,
                          enc ? "a private key (encrypted)" : "a private key");
    } else if (strcmp(base, "kubeconfig") == 0 ||
               str_has_suffix(base, ".kubeconfig") ||
               str_has_suffix(relpath, ".kube/config") ||
               (hygiene_match(text,
                              "^kind:[[:space:]]*\"?Config\"?[[:space:]]*$") &&
                hygiene_match(text, "^clusters:"))) {
        int s =
            hygiene_match(text, "(client-key-data|token|password)[[:space:]]*"
                                ":[[:space:]]*[^[:space:]\"'{}$]");
        out = hygiene_doc(relpath, "kubeconfig", s, 0,
                          s ? "a client key, token or password is inline"
                            : "no inline credential (exec or files)");
    }
    free(text);
    return out;
}
