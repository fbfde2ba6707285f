/*
 * dockerfile_insn.c: the Dockerfile parser's handler for each instruction
 * (FROM, ARG/ENV/LABEL pairs, USER, EXPOSE, WORKDIR, COPY/ADD,
 * HEALTHCHECK and the simple ones), called by dockerfile_parse.c with the
 * instruction's flags split off.
 */
#include "dockerfile_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "redact.h"
#include "userspec.h"
#include "banned.h"

json_t *dockerfile_stage_json(struct dockerfile *p, int i)
{
    return json_array_get(p->stages, (size_t)i);
}

/* The stage a name or number refers to, or -1. Names are matched as
 * BuildKit does, case-insensitively, the first stage of a name winning;
 * the index keeps this O(1) however many stages there are. */
static int dockerfile_stage_lookup(struct dockerfile *p, const char *ref,
                                   int numeric_ok)
{
    struct dockerfile_var *v;
    char *lower = xstrdup(ref), *end;
    long l;

    for (char *c = lower; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    v = dockerfile_var_find(&p->stage_names, lower, strlen(lower));
    free(lower);
    if (v)
        return v->stage;
    if (numeric_ok && isdigit((unsigned char)ref[0])) {
        errno = 0;
        l = strtol(ref, &end, 10);
        if (!*end && !errno && l >= 0 && l < p->nstages)
            return (int)l;
    }
    return -1;
}

/* Records the new stage's AS name (the first stage of a name wins). */
static void dockerfile_stage_name(struct dockerfile *p, json_t *name, int idx)
{
    char *lower;

    if (!json_is_string(name))
        return;
    lower = xstrdup(json_string_value(name));
    for (char *c = lower; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (!dockerfile_var_find(&p->stage_names, lower, strlen(lower))) {
        dockerfile_var_set(&p->stage_names, lower, NULL, 0, 0);
        dockerfile_var_find(&p->stage_names, lower, strlen(lower))->stage = idx;
    }
    free(lower);
}

/*
 * Why a FROM reference BuildKit would refuse, or NULL: a digest must be
 * algorithm:hex of the algorithm's length (sha256: 64 lower-case hex
 * digits, as go-digest checks), a tag [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}.
 * "app@sha256:1234" is neither a digest nor a tag.
 */
static const char *dockerfile_ref_invalid(const char *tag, size_t tn,
                                          const char *digest)
{
    static const struct {
        const char *alg;
        size_t hex;
    } algs[] = {{"sha256:", 64}, {"sha384:", 96}, {"sha512:", 128}};
    size_t k, i;

    if (tag) {
        if (tn == 0 || tn > 128)
            return "the tag is empty or longer than 128 characters";
        for (i = 0; i < tn; i++)
            if (!(isalnum((unsigned char)tag[i]) || tag[i] == '_' ||
                  (i && (tag[i] == '.' || tag[i] == '-'))))
                return "the tag has a character a tag cannot have";
    }
    if (!digest)
        return NULL;
    for (k = 0; k < sizeof(algs) / sizeof(algs[0]); k++) {
        size_t al = strlen(algs[k].alg);
        if (strncmp(digest, algs[k].alg, al) != 0)
            continue;
        if (strlen(digest + al) != algs[k].hex)
            return "the digest does not have the length of its algorithm";
        for (i = al; digest[i]; i++)
            if (!isdigit((unsigned char)digest[i]) &&
                !(digest[i] >= 'a' && digest[i] <= 'f'))
                return "the digest is not lower-case hexadecimal";
        return NULL;
    }
    return "the digest's algorithm is not sha256, sha384 or sha512";
}

int dockerfile_from(struct dockerfile *p, struct dockerfile_insn *in,
                    struct dockerfile_words *ws)
{
    const char *invalid;
    struct dockerfile_exp x = {0, 0, 0};
    struct strbuf ref = STRBUF_INIT;
    json_t *from, *stage, *platform, *name, *parent;
    const char *img, *at, *colon, *slash;
    int stage_ref = -1;
    size_t img_len;

    dockerfile_split(in->body, in->body_len, p->esc, ws);
    if (ws->n != 1 && !(ws->n == 3 && ws->w[1].n == 2 &&
                        dockerfile_casecmp(ws->w[1].s, "AS", 2) == 0))
        return dockerfile_err(p, in->line,
                              "FROM takes an image and optionally AS name");
    name = ws->n == 3 ? dockerfile_strn(ws->w[2].s, ws->w[2].n) : json_null();
    dockerfile_word(p, ws->w[0].s, ws->w[0].n, 0, &ref, &x);
    img = sb_str(&ref);
    at = strchr(img, '@');
    img_len = at ? (size_t)(at - img) : ref.len;
    /* the tag is after the last '/': localhost:5000/app has none */
    slash = img;
    for (const char *c = img; c < img + img_len; c++)
        if (*c == '/')
            slash = c + 1;
    colon = memchr(slash, ':', img_len - (size_t)(slash - img));
    if (!colon && !at)
        stage_ref = dockerfile_stage_lookup(p, img, 0);

    platform = json_object_get(in->flags, "--platform");
    from = json_object();
    dockerfile_set(
        p, from, "image",
        dockerfile_strn(img, colon ? (size_t)(colon - img) : img_len));
    dockerfile_set(
        p, from, "tag",
        colon ? dockerfile_strn(colon + 1, img_len - (size_t)(colon + 1 - img))
              : json_null());
    dockerfile_set(p, from, "digest", at ? json_string(at + 1) : json_null());
    dockerfile_set(p, from, "platform",
                   platform ? json_incref(platform) : json_null());
    dockerfile_set(p, from, "raw", dockerfile_strn(ws->w[0].s, ws->w[0].n));
    dockerfile_set(p, from, "stage_ref",
                   stage_ref >= 0 ? json_integer(stage_ref) : json_null());
    dockerfile_set(p, from, "resolved", json_boolean(!x.dynamic));
    invalid = x.dynamic || stage_ref >= 0
                  ? NULL
                  : dockerfile_ref_invalid(
                        colon ? colon + 1 : NULL,
                        colon ? img_len - (size_t)(colon + 1 - img) : 0,
                        at ? at + 1 : NULL);
    dockerfile_set(p, from, "valid", json_boolean(!invalid));
    dockerfile_set(p, from, "invalid",
                   invalid ? json_string(invalid) : json_null());

    /* the instruction carries the same fields, the stage the whole */
    dockerfile_set(p, in->obj, "image",
                   json_incref(json_object_get(from, "image")));
    dockerfile_set(p, in->obj, "tag",
                   json_incref(json_object_get(from, "tag")));
    dockerfile_set(p, in->obj, "digest",
                   json_incref(json_object_get(from, "digest")));
    dockerfile_set(p, in->obj, "platform",
                   json_incref(json_object_get(from, "platform")));
    dockerfile_set(p, in->obj, "stage_name", json_incref(name));
    dockerfile_set(p, in->obj, "stage_ref",
                   json_incref(json_object_get(from, "stage_ref")));
    dockerfile_set(p, in->obj, "resolved", json_boolean(!x.dynamic));
    dockerfile_set(p, in->obj, "valid", json_boolean(!invalid));

    parent = stage_ref >= 0 ? dockerfile_stage_json(p, stage_ref) : NULL;
    stage = json_object();
    dockerfile_set(p, stage, "index", json_integer(p->nstages));
    dockerfile_set(p, stage, "name", name);
    dockerfile_set(p, stage, "from", from);
    dockerfile_set(p, stage, "line", json_integer(in->line));
    dockerfile_set(p, stage, "user",
                   parent ? json_incref(json_object_get(parent, "user"))
                          : json_null());
    dockerfile_set(p, stage, "healthcheck",
                   parent ? json_incref(json_object_get(parent, "healthcheck"))
                          : json_null());
    if (parent) {
        dockerfile_set(p, stage, "user_check",
                       json_incref(json_object_get(parent, "user_check")));
    } else {
        struct userspec none;
        userspec_parse("", 0, &none);
        dockerfile_set(p, stage, "user_check",
                       userspec_json("", 0, &none, 1, NULL));
    }
    dockerfile_append(p, p->stages, stage);

    dockerfile_stage_name(p, name, p->nstages);
    if (p->nstages == p->stages_cap) {
        p->stages_cap = p->stages_cap ? p->stages_cap * 2 : 8;
        p->stage_vars = xrealloc(p->stage_vars, (size_t)p->stages_cap *
                                                    sizeof(*p->stage_vars));
    }
    memset(&p->stage_vars[p->nstages], 0, sizeof(*p->stage_vars));
    p->stage_vars[p->nstages].open = strcmp(img, "scratch") != 0;
    if (stage_ref >= 0) { /* the parent image's ENV, not its ARGs */
        struct dockerfile_vars *src = &p->stage_vars[stage_ref];
        p->stage_vars[p->nstages].open = src->open;
        for (size_t k = 0; k < src->n; k++) {
            const struct dockerfile_var *v = &src->v[k];
            if (!v->env)
                continue;
            /* a chain of stages copies its ENV again and again */
            if (dockerfile_charge(p, v->name_len + v->value_len + 64) != 0)
                break;
            dockerfile_var_set(&p->stage_vars[p->nstages], v->name, v->value, 1,
                               v->secret);
        }
    }
    p->scope = &p->stage_vars[p->nstages];
    p->nstages++;
    sb_release(&ref);
    return 0;
}

/* Redacts a pair value when the name or a variable behind it is secret. */
static json_t *dockerfile_pair_value(struct dockerfile *p, json_t *obj,
                                     const char *key, json_t *val, int secret)
{
    json_t *r;
    char *part;

    if (!json_is_string(val) || !json_string_length(val))
        return val;
    if (!(secret || redact_name_is_secret(key) ||
          redact_value_is_secret(json_string_value(val)))) {
        /* JAVA_OPTS="-Ddb.password=X", a command in a variable: the
         * credential inside, the rest kept. */
        part = redact_shell(json_string_value(val), json_string_length(val));
        if (!part)
            return val;
        r = json_string_lossy(part);
        free(part);
    } else {
        r = redact_value(json_string_value(val), json_string_length(val));
    }
    json_decref(val);
    dockerfile_set(p, obj, "redacted", json_true());
    p->redacted = 1;
    return r;
}

/* ENV, ARG and LABEL: key=value pairs (and the legacy "ENV key value"). */
int dockerfile_pairs(struct dockerfile *p, struct dockerfile_insn *in,
                     struct dockerfile_words *ws)
{
    int is_env = !strcmp(in->cmd, "ENV"), is_arg = !strcmp(in->cmd, "ARG");
    json_t *pairs = json_object(), *dyn = json_array(), *secret_keys = NULL;
    struct dockerfile_vars pending;
    size_t k;

    memset(&pending, 0, sizeof(pending));
    dockerfile_split(in->body, in->body_len, p->esc, ws);
    if (ws->n == 0) {
        json_decref(pairs);
        json_decref(dyn);
        return dockerfile_err(p, in->line, "missing key=value");
    }
    for (k = 0; k < ws->n; k++) {
        const char *w = ws->w[k].s, *eq = memchr(w, '=', ws->w[k].n);
        const char *vs;
        size_t vn;
        char *key;
        json_t *val;
        struct dockerfile_exp x = {0, 0, 0};
        struct dockerfile_var *prior;

        if (!eq && !is_arg && k == 0 && ws->n > 1) { /* ENV key value... */
            key = xstrndup(w, ws->w[0].n);
            vs = ws->w[1].s;
            vn = in->body_len - (size_t)(vs - in->body);
            dockerfile_trim(&vs, &vn);
            k = ws->n;
        } else if (!eq && !is_arg) {
            json_decref(pairs);
            json_decref(dyn);
            dockerfile_vars_release(&pending); /* found by tests/fuzz */
            return dockerfile_err(p, in->line, "missing '=' in key=value");
        } else {
            struct strbuf kb = STRBUF_INIT;
            struct dockerfile_vars *saved = p->scope;
            p->scope = NULL; /* keys are unquoted, never substituted */
            dockerfile_word(p, w, eq ? (size_t)(eq - w) : ws->w[k].n, 0, &kb,
                            &x);
            p->scope = saved;
            key = sb_detach(&kb);
            if (!key)
                key = xstrdup("");
            vs = eq ? eq + 1 : NULL;
            vn = eq ? ws->w[k].n - (size_t)(eq + 1 - w) : 0;
        }
        if (vs) {
            val = dockerfile_word_json(p, vs, vn, &x);
        } else if (p->scope == &p->global || !p->scope) {
            val = json_null();
            x.dynamic = 1;
        } else { /* ARG NAME inside a stage: the global default, if any */
            struct dockerfile_var *g =
                dockerfile_var_find(&p->global, key, strlen(key));
            val = g && g->value ? json_string(g->value) : json_null();
            x.dynamic = !(g && g->value);
            x.secret = g && g->secret;
        }
        if (x.dynamic)
            dockerfile_append(p, dyn, json_string(key));
        if ((is_env || is_arg) && redact_name_is_secret(key)) {
            /* the name alone: a build argument or ENV meant to carry a
             * credential lands in the history or the config */
            if (!secret_keys) {
                secret_keys = json_array();
                dockerfile_set(p, in->obj, "secret_keys", secret_keys);
            }
            dockerfile_append(p, secret_keys, json_string(key));
        }
        if (p->scope && (is_env || is_arg)) {
            int secret = x.secret || redact_name_is_secret(key) ||
                         (json_is_string(val) &&
                          redact_value_is_secret(json_string_value(val)));
            const char *plain = x.dynamic ? NULL : json_string_value(val);
            prior = dockerfile_var_find(p->scope, key, strlen(key));
            if (dockerfile_charge(p, strlen(key) + (plain ? strlen(plain) : 0) +
                                         64) != 0) {
                /* over the limit: the instruction fails after the loop */
            } else if (is_env || !prior || !prior->env) {
                if (is_env) /* ENV values all see the env before the line */
                    dockerfile_var_set(&pending, key, plain, 1, secret);
                else
                    dockerfile_var_set(p->scope, key, plain, 0, secret);
            }
        }
        val = dockerfile_pair_value(p, in->obj, key, val, x.secret);
        dockerfile_set(p, pairs, key, val);
        if (p->scope == &p->global && is_arg)
            dockerfile_set(p, p->global_args, key, json_incref(val));
        free(key);
    }
    for (k = 0; k < pending.n; k++)
        dockerfile_var_set(p->scope, pending.v[k].name, pending.v[k].value, 1,
                           pending.v[k].secret);
    dockerfile_vars_release(&pending);
    dockerfile_set(p, in->obj, "pairs", pairs);
    dockerfile_set(p, in->obj, "dynamic", json_boolean(json_array_size(dyn)));
    dockerfile_set(p, in->obj, "dynamic_keys", dyn);
    if (json_object_get(in->obj, "redacted")) { /* raw held the plaintext */
        struct strbuf raw = STRBUF_INIT;
        const char *key;
        json_t *v;
        sb_adds(&raw, in->cmd);
        json_object_foreach(pairs, key, v)
        {
            sb_addf(&raw, " %s=", key);
            if (json_is_string(v))
                sb_add(&raw, json_string_value(v), json_string_length(v));
        }
        dockerfile_set(p, in->obj, "raw",
                       dockerfile_strn(sb_str(&raw), raw.len));
        sb_release(&raw);
    }
    return 0;
}

/*
 * The user the stage's USER gives, as the runtimes read it
 * (userspec.h). A value that substitution could not make static is judged
 * as the build makes it without --build-arg: ${X:-root} is root.
 */
static json_t *dockerfile_user_check(struct dockerfile *p,
                                     struct dockerfile_insn *in, const char *s,
                                     size_t n, const struct dockerfile_exp *x)
{
    struct userspec u;
    struct strbuf eff = STRBUF_INIT;
    struct dockerfile_exp ex = {0, 0, 0};
    const char *note = NULL;
    json_t *j;

    if (!x->dynamic) {
        userspec_parse(s, n, &u);
        return userspec_json(s, n, &u, !x->secret && !redact_value_is_secret(s),
                             NULL);
    }
    p->assume_unset = 1;
    dockerfile_word(p, in->body, in->body_len, 0, &eff, &ex);
    p->assume_unset = 0;
    if (ex.unresolved) {
        u.status = USERSPEC_UNRESOLVED;
        u.uid = -1;
        u.reason = "cannot be evaluated: defaults nested deeper than 16 "
                   "levels, an unterminated reference, or an expansion "
                   "fourc does not evaluate";
    } else {
        userspec_parse(sb_str(&eff), eff.len, &u);
        if (u.status == USERSPEC_NONE) { /* empty after substitution */
            u.status = USERSPEC_ROOT;
            u.uid = 0;
            u.reason = "is empty: the container runs as root (uid 0)";
        }
        note = "the value the build gives it when no --build-arg or base "
               "image ENV sets its variables";
    }
    j = userspec_json(s, n, &u, !x->secret && !redact_value_is_secret(s), note);
    sb_release(&eff);
    return j;
}

int dockerfile_user(struct dockerfile *p, struct dockerfile_insn *in)
{
    struct dockerfile_exp x = {0, 0, 0};
    struct strbuf sb = STRBUF_INIT;
    const char *s, *colon;
    json_t *stage;

    dockerfile_word(p, in->body, in->body_len, 0, &sb, &x);
    s = sb_str(&sb);
    colon = strchr(s, ':');
    dockerfile_set(p, in->obj, "user",
                   dockerfile_strn(s, colon ? (size_t)(colon - s) : sb.len));
    dockerfile_set(p, in->obj, "group",
                   colon ? json_string(colon + 1) : json_null());
    dockerfile_set(p, in->obj, "dynamic", json_boolean(x.dynamic));
    stage = dockerfile_stage_json(p, p->nstages - 1);
    if (stage && p->scope) { /* the user, as image/Config's User judged */
        dockerfile_set(p, stage, "user",
                       json_incref(json_object_get(in->obj, "user")));
        dockerfile_set(p, stage, "user_check",
                       dockerfile_user_check(p, in, s, sb.len, &x));
    }
    sb_release(&sb);
    return 0;
}

static long dockerfile_port_num(const char *s, size_t n)
{
    char buf[16], *end;
    long v;

    if (n == 0 || n >= sizeof(buf))
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    v = strtol(buf, &end, 10);
    if (*end || errno || v < 0 || v > 65535 || !isdigit((unsigned char)*buf))
        return -1;
    return v;
}

int dockerfile_expose(struct dockerfile *p, struct dockerfile_insn *in,
                      struct dockerfile_words *ws)
{
    json_t *ports = json_array();
    size_t k;

    dockerfile_split(in->body, in->body_len, p->esc, ws);
    for (k = 0; k < ws->n; k++) {
        struct dockerfile_exp x = {0, 0, 0};
        struct strbuf sb = STRBUF_INIT;
        const char *s, *slash, *dash;
        size_t pn;
        long lo, hi;
        json_t *o = json_object();

        dockerfile_word(p, ws->w[k].s, ws->w[k].n, 0, &sb, &x);
        s = sb_str(&sb);
        slash = strchr(s, '/');
        pn = slash ? (size_t)(slash - s) : sb.len;
        dash = memchr(s, '-', pn);
        lo = dockerfile_port_num(s, dash ? (size_t)(dash - s) : pn);
        hi = dash ? dockerfile_port_num(dash + 1, pn - (size_t)(dash + 1 - s))
                  : lo;
        if (x.dynamic || lo < 0 || hi < lo) {
            dockerfile_set(p, o, "port", json_null());
            dockerfile_set(p, o, "end_port", json_null());
            dockerfile_set(p, o, "dynamic", json_true());
        } else {
            dockerfile_set(p, o, "port", json_integer(lo));
            dockerfile_set(p, o, "end_port", json_integer(hi));
        }
        if (slash) {
            struct strbuf proto = STRBUF_INIT;
            for (const char *c = slash + 1; *c; c++) {
                char lc = (char)tolower((unsigned char)*c);
                sb_add(&proto, &lc, 1);
            }
            dockerfile_set(p, o, "proto",
                           dockerfile_strn(sb_str(&proto), proto.len));
            sb_release(&proto);
        } else {
            dockerfile_set(p, o, "proto", json_string("tcp"));
        }
        dockerfile_set(p, o, "raw", dockerfile_strn(s, sb.len));
        dockerfile_append(p, ports, o);
        sb_release(&sb);
    }
    dockerfile_set(p, in->obj, "ports", ports);
    return 0;
}

int dockerfile_workdir(struct dockerfile *p, struct dockerfile_insn *in)
{
    struct dockerfile_exp x = {0, 0, 0};
    struct strbuf sb = STRBUF_INIT;
    const char *s;
    int abs;

    dockerfile_word(p, in->body, in->body_len, 0, &sb, &x);
    s = sb_str(&sb);
    abs = s[0] == '/' || s[0] == '\\' ||
          (isalpha((unsigned char)s[0]) && s[1] == ':' &&
           (s[2] == '\\' || s[2] == '/'));
    dockerfile_set(p, in->obj, "path", dockerfile_strn(s, sb.len));
    dockerfile_set(p, in->obj, "absolute", json_boolean(abs));
    dockerfile_set(p, in->obj, "dynamic", json_boolean(x.dynamic));
    sb_release(&sb);
    return 0;
}

/* Substituted words of the body: a JSON array's strings, or plain words. */
static json_t *dockerfile_list(struct dockerfile *p, struct dockerfile_insn *in,
                               struct dockerfile_words *ws,
                               struct dockerfile_exp *x)
{
    json_t *arr = json_object_get(in->obj, "args"), *out = json_array(), *v;
    size_t k;

    if (json_is_array(arr)) {
        json_array_foreach(arr, k, v)
        {
            struct strbuf sb = STRBUF_INIT;
            const char *s = json_string_value(v);
            size_t n = json_string_length(v), i;
            /* no quote removal inside JSON strings: only substitution */
            for (i = 0; i < n;) {
                if (s[i] == '$' && p->scope)
                    i = dockerfile_var_ref(p, s, n, i, 0, &sb, x);
                else
                    sb_add(&sb, s + i++, 1);
            }
            dockerfile_append(p, out, dockerfile_strn(sb_str(&sb), sb.len));
            sb_release(&sb);
        }
        return out;
    }
    dockerfile_split(in->body, in->body_len, p->esc, ws);
    for (k = 0; k < ws->n; k++)
        dockerfile_append(p, out,
                          dockerfile_word_json(p, ws->w[k].s, ws->w[k].n, x));
    return out;
}

int dockerfile_copy(struct dockerfile *p, struct dockerfile_insn *in,
                    struct dockerfile_words *ws)
{
    struct dockerfile_exp x = {0, 0, 0};
    json_t *words, *from = json_object_get(in->flags, "--from"), *v;
    size_t k, n;
    int remote = 0, st = -1;

    dockerfile_command(p, in->obj, in->body, in->body_len, 0);
    words = dockerfile_list(p, in, ws, &x);
    n = json_array_size(words);
    if (n < 2 && !json_object_get(in->obj, "heredocs")) {
        json_decref(words);
        return dockerfile_err(p, in->line,
                              "requires a source and a destination");
    }
    dockerfile_set(p, in->obj, "dest",
                   n ? json_incref(json_array_get(words, n - 1)) : json_null());
    if (n)
        json_array_remove(words, n - 1);
    json_array_foreach(words, k, v)
    {
        const char *s = json_string_value(v);
        if (!strncmp(s, "http://", 7) || !strncmp(s, "https://", 8) ||
            !strncmp(s, "git@", 4) || !strncmp(s, "git://", 6))
            remote = 1;
    }
    dockerfile_set(p, in->obj, "sources", words);
    dockerfile_set(p, in->obj, "from",
                   json_is_string(from) ? json_incref(from) : json_null());
    if (json_is_string(from))
        st = dockerfile_stage_lookup(p, json_string_value(from), 1);
    dockerfile_set(p, in->obj, "from_stage",
                   st >= 0 ? json_integer(st) : json_null());
    dockerfile_set(p, in->obj, "remote", json_boolean(remote));
    dockerfile_set(p, in->obj, "dynamic", json_boolean(x.dynamic));
    return 0;
}

int dockerfile_healthcheck(struct dockerfile *p, struct dockerfile_insn *in)
{
    const char *s = in->body;
    size_t n = in->body_len;
    json_t *stage = dockerfile_stage_json(p, p->nstages - 1);
    const char *kind;

    if (n == 4 && dockerfile_casecmp(s, "NONE", 4) == 0) {
        dockerfile_set(p, in->obj, "none", json_true());
        dockerfile_set(p, in->obj, "form", json_null());
        dockerfile_set(p, in->obj, "args", json_null());
        dockerfile_set(p, in->obj, "shell", json_null());
        kind = "none";
    } else if (n > 3 && dockerfile_casecmp(s, "CMD", 3) == 0 &&
               isspace((unsigned char)s[3])) {
        dockerfile_set(p, in->obj, "none", json_false());
        dockerfile_command(p, in->obj, s + 4, n - 4, 1);
        kind = "cmd";
    } else {
        return dockerfile_err(p, in->line, "HEALTHCHECK takes CMD or NONE");
    }
    if (stage && p->scope)
        dockerfile_set(p, stage, "healthcheck", json_string(kind));
    return 0;
}

int dockerfile_simple(struct dockerfile *p, struct dockerfile_insn *in,
                      struct dockerfile_words *ws)
{
    struct dockerfile_exp x = {0, 0, 0};

    if (!strcmp(in->cmd, "MAINTAINER")) {
        dockerfile_set(p, in->obj, "maintainer",
                       dockerfile_strn(in->body, in->body_len));
    } else if (!strcmp(in->cmd, "STOPSIGNAL")) {
        dockerfile_set(p, in->obj, "signal",
                       dockerfile_word_json(p, in->body, in->body_len, &x));
    } else if (!strcmp(in->cmd, "VOLUME")) {
        dockerfile_command(p, in->obj, in->body, in->body_len, 0);
        dockerfile_set(p, in->obj, "paths", dockerfile_list(p, in, ws, &x));
    } else if (!strcmp(in->cmd, "SHELL")) {
        dockerfile_command(p, in->obj, in->body, in->body_len, 0);
        if (!json_is_array(json_object_get(in->obj, "args")))
            return dockerfile_err(p, in->line, "SHELL requires a JSON array");
    } else {
        dockerfile_command(p, in->obj, in->body, in->body_len, 1);
    }
    if (x.dynamic)
        dockerfile_set(p, in->obj, "dynamic", json_true());
    return 0;
}

/* The stage a RUN --mount=...,from=X,... names, or -1. */
static int dockerfile_mount_from(struct dockerfile *p, const char *m)
{
    const char *f = m;
    int st = -1;

    while (f && *f) {
        const char *end = strchr(f, ',');
        size_t len = end ? (size_t)(end - f) : strlen(f);
        if (len > 5 && strncmp(f, "from=", 5) == 0) {
            char *ref = xstrndup(f + 5, len - 5);
            st = dockerfile_stage_lookup(p, ref, 1);
            free(ref);
        }
        f = end ? end + 1 : NULL;
    }
    return st;
}

/*
 * "reaches_final" of every stage and instruction: whether the stage is
 * built for the final one, that is the final stage and every stage it
 * depends on through FROM, COPY/ADD --from or RUN --mount=from=,
 * transitively. BuildKit does not build the others at all. Linear in the
 * instructions.
 */
void dockerfile_reach(struct dockerfile *p)
{
    size_t n = (size_t)p->nstages, ne = 0, i, k;
    size_t *start = xcalloc(n + 1, sizeof(*start)), *fill;
    int *src = NULL, *dst = NULL, *edges, *stack, *seen;
    size_t cap = 0, top = 0;
    json_t *in;

    json_array_foreach(p->instructions, i, in)
    {
        json_t *st = json_object_get(in, "stage"), *mounts, *dep;
        size_t nm;
        if (!json_is_integer(st))
            continue;
        dep = json_object_get(in, "stage_ref");
        if (!json_is_integer(dep))
            dep = json_object_get(in, "from_stage");
        mounts = json_object_get(json_object_get(in, "flags"), "--mount");
        nm = json_array_size(mounts);
        for (k = 0; k <= nm; k++) { /* the FROM or --from, then mounts */
            long long d = -1;
            if (k == nm && json_is_integer(dep))
                d = json_integer_value(dep);
            else if (k < nm && json_is_string(json_array_get(mounts, k)))
                d = dockerfile_mount_from(
                    p, json_string_value(json_array_get(mounts, k)));
            if (d < 0 || (size_t)d >= n)
                continue;
            if (ne == cap) {
                cap = cap ? cap * 2 : 64;
                src = xrealloc(src, cap * sizeof(*src));
                dst = xrealloc(dst, cap * sizeof(*dst));
            }
            src[ne] = (int)json_integer_value(st);
            dst[ne] = (int)d;
            start[src[ne] + 1]++;
            ne++;
        }
    }
    for (i = 0; i < n; i++)
        start[i + 1] += start[i];
    fill = xcalloc(n + 1, sizeof(*fill));
    edges = xcalloc(ne + 1, sizeof(*edges));
    for (i = 0; i < ne; i++)
        edges[start[src[i]] + fill[src[i]]++] = dst[i];
    seen = xcalloc(n + 1, sizeof(*seen));
    stack = xcalloc(n + 1, sizeof(*stack));
    if (n) {
        seen[n - 1] = 1;
        stack[top++] = (int)n - 1;
    }
    while (top) {
        int s = stack[--top];
        for (k = start[s]; k < start[s + 1]; k++)
            if (!seen[edges[k]]) {
                seen[edges[k]] = 1;
                stack[top++] = edges[k];
            }
    }
    for (i = 0; i < n; i++)
        dockerfile_set(p, dockerfile_stage_json(p, (int)i), "reaches_final",
                       json_boolean(seen[i]));
    json_array_foreach(p->instructions, i, in)
    {
        json_t *st = json_object_get(in, "stage");
        int r = !json_is_integer(st) || (json_integer_value(st) >= 0 &&
                                         (size_t)json_integer_value(st) < n &&
                                         seen[json_integer_value(st)]);
        dockerfile_set(p, in, "reaches_final", json_boolean(r));
    }
    free(start);
    free(fill);
    free(edges);
    free(seen);
    free(stack);
    free(src);
    free(dst);
}
