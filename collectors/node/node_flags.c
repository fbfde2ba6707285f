/*
 * node_flags.c: command lines, systemd units and component config files
 * (see node_flags.h).
 */
#include "node_flags.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

/* ---- argv --------------------------------------------------------------- */

/* The bool flags of kube-apiserver, kube-controller-manager, kube-scheduler,
 * etcd, kubelet and kube-proxy that the benchmark or a node commonly sets:
 * pflag never takes the next word as their value. */
static const char *const nodeflags_bools[] = {
    "allow-privileged",
    "alsologtostderr",
    "anonymous-auth",
    "auto-tls",
    "bind-address-hard-fail",
    "cgroups-per-qos",
    "cleanup",
    "client-cert-auth",
    "enable-aggregator-routing",
    "enable-bootstrap-token-auth",
    "enable-controller-attach-detach",
    "enable-debugging-handlers",
    "enable-garbage-collector",
    "enable-grpc-gateway",
    "enable-hostpath-provisioner",
    "enable-logs-handler",
    "enable-pprof",
    "enable-priority-and-fairness",
    "enable-server",
    "enable-v2",
    "experimental-initial-corrupt-check",
    "fail-swap-on",
    "help",
    "kernel-memcg-notification",
    "leader-elect",
    "log-flush-frequency-enabled",
    "logtostderr",
    "make-iptables-util-chains",
    "masquerade-all",
    "peer-auto-tls",
    "peer-client-cert-auth",
    "profiling",
    "protect-kernel-defaults",
    "register-node",
    "register-schedulable",
    "rotate-certificates",
    "rotate-server-certificates",
    "seccomp-default",
    "serialize-image-pulls",
    "service-account-lookup",
    "strict-reconfig-check",
    "use-service-account-credentials",
    "v2-deprecation",
    "version",
    NULL};

int nodeflags_is_bool(const char *name)
{
    return str_in(name, nodeflags_bools);
}

json_t *nodeflags_parse(const json_t *args)
{
    json_t *flags = json_object();
    size_t i, n = json_array_size(args);

    for (i = 0; i < n; i++) {
        const char *w = json_string_value(json_array_get(args, i));
        const char *name, *eq, *next;
        char *key;
        if (!w || w[0] != '-' || !w[1])
            continue; /* the binary, a positional */
        if (strcmp(w, "--") == 0)
            break;
        name = w + (w[1] == '-' ? 2 : 1);
        if (!*name || *name == '-' || *name == '=')
            continue;
        eq = strchr(name, '=');
        key = eq ? xstrndup(name, (size_t)(eq - name)) : xstrdup(name);
        if (eq) {
            json_object_set_new(flags, key, json_string(eq + 1));
        } else if (!nodeflags_is_bool(key) && i + 1 < n &&
                   (next = json_string_value(json_array_get(args, i + 1))) &&
                   next[0] != '-') {
            json_object_set_new(flags, key, json_string(next));
            i++;
        } else {
            json_object_set_new(flags, key, json_string("true"));
        }
        free(key);
    }
    return flags;
}

/* ---- systemd ------------------------------------------------------------ */

void nodeunit_init(struct nodeunit *u)
{
    u->env = json_object();
    u->envfiles = json_array();
    u->exec_start = NULL;
}

void nodeunit_release(struct nodeunit *u)
{
    json_decref(u->env);
    json_decref(u->envfiles);
    free(u->exec_start);
    u->env = u->envfiles = NULL;
    u->exec_start = NULL;
}

/* Words of an Environment= value, quotes removed: each "NAME=value". */
static void nodeunit_assignments(json_t *env, const char *v)
{
    struct strbuf w = STRBUF_INIT;

    while (*v) {
        char q = 0;
        while (isspace((unsigned char)*v))
            v++;
        if (!*v)
            break;
        sb_setlen(&w, 0);
        for (; *v && (q || !isspace((unsigned char)*v)); v++) {
            if (q && *v == q) {
                q = 0;
            } else if (!q && (*v == '"' || *v == '\'')) {
                q = *v;
            } else if (*v == '\\' && v[1] && q != '\'') {
                sb_add(&w, ++v, 1);
            } else {
                sb_add(&w, v, 1);
            }
        }
        if (w.len && strchr(w.buf, '=') && w.buf[0] != '=') {
            char *eq = strchr(w.buf, '=');
            *eq = '\0';
            json_object_set_new(env, w.buf, json_string(eq + 1));
        }
    }
    sb_release(&w);
}

void nodeunit_feed(struct nodeunit *u, const char *text, size_t n)
{
    struct strbuf line = STRBUF_INIT;
    const char *p = text, *end = text + n;
    int service = 0;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        const char *s, *eq;
        size_t len;
        sb_add(&line, p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
        /* A trailing backslash continues the line. */
        if (line.len && line.buf[line.len - 1] == '\\' && p < end) {
            line.buf[line.len - 1] = ' ';
            continue;
        }
        s = sb_str(&line);
        while (isspace((unsigned char)*s))
            s++;
        len = strlen(s);
        while (len && isspace((unsigned char)s[len - 1]))
            len--;
        if (*s == '[') {
            service = strncmp(s, "[Service]", 9) == 0;
        } else if (service && *s != '#' && *s != ';' &&
                   (eq = memchr(s, '=', len))) {
            size_t kl = (size_t)(eq - s);
            char *v;
            while (kl && isspace((unsigned char)s[kl - 1]))
                kl--;
            eq++;
            while (eq < s + len && isspace((unsigned char)*eq))
                eq++;
            v = xstrndup(eq, (size_t)(s + len - eq));
            if (kl == 11 && strncmp(s, "Environment", 11) == 0) {
                if (!*v)
                    json_object_clear(u->env);
                else
                    nodeunit_assignments(u->env, v);
            } else if (kl == 15 && strncmp(s, "EnvironmentFile", 15) == 0) {
                if (!*v)
                    json_array_clear(u->envfiles);
                else
                    json_array_append_new(u->envfiles, json_string(v));
            } else if (kl == 9 && strncmp(s, "ExecStart", 9) == 0) {
                free(u->exec_start);
                u->exec_start = *v ? xstrdup(v) : NULL;
            }
            free(v);
        }
        sb_setlen(&line, 0);
    }
    sb_release(&line);
}

void nodeunit_envfile(json_t *env, const char *text, size_t n)
{
    struct strbuf line = STRBUF_INIT, val = STRBUF_INIT;
    const char *p = text, *end = text + n;

    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *s, *eq, *v;
        char q = 0;
        sb_add(&line, p, (size_t)(le - p));
        p = nl ? nl + 1 : end;
        if (line.len && line.buf[line.len - 1] == '\\' && p < end) {
            sb_setlen(&line, line.len - 1);
            continue;
        }
        s = sb_str(&line);
        while (isspace((unsigned char)*s))
            s++;
        if (strncmp(s, "export ", 7) == 0)
            s += 7;
        if (*s == '#' || *s == ';' || !(eq = strchr(s, '=')) || eq == s) {
            sb_setlen(&line, 0);
            continue;
        }
        sb_setlen(&val, 0);
        for (v = eq + 1; isspace((unsigned char)*v); v++)
            ;
        for (; *v; v++) {
            if (q && *v == q)
                q = 0;
            else if (!q && (*v == '"' || *v == '\''))
                q = *v;
            else if (*v == '\\' && v[1] && q != '\'')
                sb_add(&val, ++v, 1);
            else
                sb_add(&val, v, 1);
        }
        while (val.len && !q && isspace((unsigned char)val.buf[val.len - 1]))
            sb_setlen(&val, val.len - 1);
        {
            size_t kl = (size_t)(eq - s);
            char *k;
            while (kl && isspace((unsigned char)s[kl - 1]))
                kl--;
            k = xstrndup(s, kl);
            json_object_set_new(env, k, json_string(sb_str(&val)));
            free(k);
        }
        sb_setlen(&line, 0);
    }
    sb_release(&line);
    sb_release(&val);
}

static int nodeunit_name_char(char c, int first)
{
    return c == '_' || isalpha((unsigned char)c) ||
           (!first && isdigit((unsigned char)c));
}

json_t *nodeunit_exec_words(const char *line, const json_t *env, struct err *e)
{
    json_t *words = json_array();
    struct strbuf w = STRBUF_INIT;
    const char *p = line;
    int first = 1;

    while (*p) {
        const char *start;
        char q = 0;
        size_t nl;
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        if (first) {
            while (*p && strchr("@-:+!", *p))
                p++;
            first = 0;
        }
        start = p;
        /* "$NAME" as a word of its own: the value split at whitespace. */
        if (*p == '$' && nodeunit_name_char(p[1], 1)) {
            for (nl = 2; nodeunit_name_char(p[nl], 0); nl++)
                ;
            if (!p[nl] || isspace((unsigned char)p[nl])) {
                char *name = xstrndup(p + 1, nl - 1);
                const char *v = json_string_value(json_object_get(env, name));
                free(name);
                p += nl;
                while (v && *v) {
                    size_t wl;
                    while (isspace((unsigned char)*v))
                        v++;
                    wl = strcspn(v, " \t\n\r\f\v");
                    if (wl)
                        json_array_append_new(words, json_stringn(v, wl));
                    v += wl;
                }
                continue;
            }
        }
        sb_setlen(&w, 0);
        for (p = start; *p && (q || !isspace((unsigned char)*p)); p++) {
            if (q && *p == q) {
                q = 0;
            } else if (!q && (*p == '"' || *p == '\'')) {
                q = *p;
            } else if (*p == '\\' && p[1]) {
                p++;
                sb_add(&w, *p == 'n' ? "\n" : *p == 't' ? "\t" : p, 1);
            } else if (*p == '$' && p[1] == '$') {
                sb_add(&w, "$", 1);
                p++;
            } else if (*p == '$' && p[1] == '{' && strchr(p, '}')) {
                const char *close = strchr(p, '}');
                char *name = xstrndup(p + 2, (size_t)(close - p - 2));
                const char *v = json_string_value(json_object_get(env, name));
                free(name);
                sb_adds(&w, v ? v : "");
                p = close;
            } else {
                sb_add(&w, p, 1);
            }
        }
        if (q) {
            err_set(e, "unterminated %s quote in ExecStart=",
                    q == '"' ? "double" : "single");
            json_decref(words);
            sb_release(&w);
            return NULL;
        }
        json_array_append_new(words, json_stringn(w.buf ? w.buf : "", w.len));
    }
    sb_release(&w);
    return words;
}
