/*
 * aws_creds.c: the credential chain and the region, as the AWS CLI
 * resolves them (see aws_creds.h). Profiles come from aws_ini.c, a
 * credential_process from aws_creds_proc.c, AssumeRole from the caller.
 */
#include "aws_creds.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "aws_ini.h"
#include "util.h"

#define AWS_CREDS_CHAIN_MAX 16 /* role profiles one behind the other */

struct aws_creds_ctx {
    const struct aws_creds_opts *o;
    struct aws_ini cfg, cred;
    const char *visited[AWS_CREDS_CHAIN_MAX];
    size_t nvisited;
    const char *region; /* for AssumeRole */
};

static void aws_creds_wipe(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void aws_creds_release(struct aws_creds *c)
{
    if (!c)
        return;
    free(c->access_key_id);
    aws_creds_wipe(c->secret_access_key);
    aws_creds_wipe(c->session_token);
    free(c->source);
    memset(c, 0, sizeof(*c));
}

void aws_session_release(struct aws_session *s)
{
    size_t i;

    if (!s)
        return;
    aws_creds_release(&s->creds);
    free(s->profile);
    for (i = 0; i < s->nregions; i++)
        free(s->regions[i]);
    free(s->regions);
    memset(s, 0, sizeof(*s));
}

static const char *aws_creds_env(const char *name)
{
    const char *v = getenv(name);

    return v && *v ? v : NULL;
}

/* The profile a config file section is ("[default]", "[profile x]",
 * "[profile "x y"]"), new string, or NULL for other sections. */
static char *aws_creds_cfg_name(const char *sec)
{
    size_t n;

    if (!strcmp(sec, "default"))
        return xstrdup(sec);
    if (strncmp(sec, "profile", 7) || !isspace((unsigned char)sec[7]))
        return NULL;
    sec += 8;
    while (isspace((unsigned char)*sec))
        sec++;
    n = strlen(sec);
    while (n && isspace((unsigned char)sec[n - 1]))
        n--;
    if (n >= 2 && (sec[0] == '"' || sec[0] == '\'') && sec[n - 1] == sec[0])
        return xstrndup(sec + 1, n - 2);
    return n && !memchr(sec, ' ', n) ? xstrndup(sec, n) : NULL;
}

/* The config file's section for profile name; the last one when both
 * [default] and [profile default] exist, as in botocore. */
static const struct aws_ini_sec *aws_creds_cfg_sec(const struct aws_ini *cfg,
                                                   const char *name)
{
    const struct aws_ini_sec *found = NULL;
    size_t i;

    for (i = 0; i < cfg->nsec; i++) {
        char *p = aws_creds_cfg_name(cfg->sec[i].name);

        if (p && !strcmp(p, name))
            found = &cfg->sec[i];
        free(p);
    }
    return found;
}

static int aws_creds_exists(const struct aws_creds_ctx *c, const char *name)
{
    return aws_creds_cfg_sec(&c->cfg, name) || aws_ini_section(&c->cred, name);
}

/* key of profile name: the credentials file's value wins. from (may be
 * NULL) tells which file gave it. */
static const char *aws_creds_get(const struct aws_creds_ctx *c,
                                 const char *name, const char *key,
                                 const struct aws_ini **from)
{
    const char *v = aws_ini_get(aws_ini_section(&c->cred, name), key);

    if (from)
        *from = &c->cred;
    if (v)
        return v;
    if (from)
        *from = &c->cfg;
    return aws_ini_get(aws_creds_cfg_sec(&c->cfg, name), key);
}

/* "file:line" where key of profile name is set (the credentials file
 * first, as aws_creds_get reads it). */
static void aws_creds_at(const struct aws_creds_ctx *c, const char *name,
                         const char *key, char *buf, size_t size)
{
    const struct aws_ini_kv *kv =
        aws_ini_find(aws_ini_section(&c->cred, name), key);
    const struct aws_ini *f = &c->cred;

    if (!kv || kv->nsub) {
        kv = aws_ini_find(aws_creds_cfg_sec(&c->cfg, name), key);
        f = &c->cfg;
    }
    if (kv)
        snprintf(buf, size, "%s:%d", f->display, kv->line);
    else
        snprintf(buf, size, "%s", f->display);
}

static void aws_creds_add_known(struct strbuf *sb, const char *name)
{
    const char *p = sb_str(sb);
    size_t n = strlen(name);

    while ((p = strstr(p, name)) != NULL) {
        if ((p == sb->buf || p[-1] == ' ') && (p[n] == ',' || !p[n]))
            return;
        p += n;
    }
    if (sb->len)
        sb_adds(sb, ", ");
    sb_adds(sb, name);
}

/* "in ~/.aws/config, ~/.aws/credentials (known: default, audit)" */
static void aws_creds_where(const struct aws_creds_ctx *c, struct strbuf *out)
{
    struct strbuf known = STRBUF_INIT;
    size_t i;

    for (i = 0; i < c->cfg.nsec; i++) {
        char *p = aws_creds_cfg_name(c->cfg.sec[i].name);

        if (p)
            aws_creds_add_known(&known, p);
        free(p);
    }
    for (i = 0; i < c->cred.nsec; i++)
        aws_creds_add_known(&known, c->cred.sec[i].name);
    sb_addf(out, "in %s, %s (known: %s)", c->cfg.display, c->cred.display,
            known.len ? sb_str(&known) : "none");
    sb_release(&known);
}

static int aws_creds_not_found(const struct aws_creds_ctx *c, const char *what,
                               const char *name, struct err *e)
{
    struct strbuf sb = STRBUF_INIT;

    aws_creds_where(c, &sb);
    err_set(e, "%s'%s' not found %s", what, name, sb_str(&sb));
    sb_release(&sb);
    return -1;
}

static void aws_creds_set_source(struct aws_creds *cr, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void aws_creds_set_source(struct aws_creds *cr, const char *fmt, ...)
{
    struct strbuf sb = STRBUF_INIT;
    char buf[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    sb_adds(&sb, buf);
    free(cr->source);
    cr->source = sb_detach(&sb);
}

/* Static keys of profile name from one file (the other one's keys are
 * not mixed in, as botocore's providers read one file each): 1 found,
 * 0 none, -1 half a pair. */
static int aws_creds_static(const struct aws_ini_sec *sec, const char *name,
                            const char *file, struct aws_creds *out,
                            struct err *e)
{
    const char *ak = aws_ini_get(sec, "aws_access_key_id");
    const char *sk = aws_ini_get(sec, "aws_secret_access_key");
    const char *tok = aws_ini_get(sec, "aws_session_token");

    if (!ak || !*ak)
        return 0;
    if (!sk || !*sk)
        return err_set(e,
                       "%s:%d: profile '%s' has aws_access_key_id but no "
                       "aws_secret_access_key",
                       file, aws_ini_find(sec, "aws_access_key_id")->line,
                       name);
    memset(out, 0, sizeof(*out));
    out->access_key_id = xstrdup(ak);
    out->secret_access_key = xstrdup(sk);
    out->session_token = tok && *tok ? xstrdup(tok) : NULL;
    aws_creds_set_source(out, "profile %s", name);
    return 1;
}

static int aws_creds_has_static(const struct aws_creds_ctx *c, const char *name)
{
    return aws_creds_get(c, name, "aws_access_key_id", NULL) != NULL;
}

static int aws_creds_has_role(const struct aws_creds_ctx *c, const char *name)
{
    return aws_creds_get(c, name, "role_arn", NULL) &&
           !aws_creds_get(c, name, "web_identity_token_file", NULL);
}

/* A profile without a role: the credentials file's keys, else its
 * credential_process, else the config file's keys. */
static int aws_creds_plain(struct aws_creds_ctx *c, const char *name,
                           struct aws_creds *out, struct err *e)
{
    const char *proc;
    int r;

    r = aws_creds_static(aws_ini_section(&c->cred, name), name, c->cred.display,
                         out, e);
    if (r)
        return r < 0 ? -1 : 0;
    proc = aws_creds_get(c, name, "credential_process", NULL);
    if (proc && *proc) {
        int t = c->o->process_timeout_s > 0 ? c->o->process_timeout_s : 60;

        if (aws_creds_process(name, proc, t, out, e) < 0)
            return -1;
        aws_creds_set_source(out, "profile %s (credential_process)", name);
        return 0;
    }
    r = aws_creds_static(aws_creds_cfg_sec(&c->cfg, name), name, c->cfg.display,
                         out, e);
    if (r)
        return r < 0 ? -1 : 0;
    if (aws_creds_get(c, name, "sso_session", NULL) ||
        aws_creds_get(c, name, "sso_start_url", NULL))
        return err_set(e,
                       "profile '%s' uses AWS IAM Identity Center (SSO), "
                       "which fourc does not support yet: use a profile "
                       "with keys, credential_process or role_arn",
                       name);
    if (aws_creds_get(c, name, "web_identity_token_file", NULL))
        return err_set(e,
                       "profile '%s' uses web_identity_token_file, which "
                       "fourc does not support yet",
                       name);
    return err_set(e,
                   "profile '%s' has no credentials (no aws_access_key_id, "
                   "credential_process or role_arn in %s or %s)",
                   name, c->cfg.display, c->cred.display);
}

static int aws_creds_env_keys(struct aws_creds *out, struct err *e)
{
    const char *ak = aws_creds_env("AWS_ACCESS_KEY_ID");
    const char *sk = aws_creds_env("AWS_SECRET_ACCESS_KEY");
    const char *tok = aws_creds_env("AWS_SESSION_TOKEN");

    if (!ak && !sk)
        return 0;
    if (!ak || !sk)
        return err_set(e,
                       "partial AWS credentials in the environment: %s is "
                       "set but %s is not",
                       ak ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                       ak ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
    memset(out, 0, sizeof(*out));
    out->access_key_id = xstrdup(ak);
    out->secret_access_key = xstrdup(sk);
    out->session_token = tok ? xstrdup(tok) : NULL;
    aws_creds_set_source(out, "environment (AWS_ACCESS_KEY_ID)");
    return 1;
}

static int aws_creds_role(struct aws_creds_ctx *c, const char *name,
                          struct aws_creds *out, struct err *e);

/* source_profile src of profile parent, checked for cycles: a profile
 * may name itself only to take its own static keys. */
static int aws_creds_source(struct aws_creds_ctx *c, const char *parent,
                            const char *src, struct aws_creds *out,
                            struct err *e)
{
    size_t i;

    if (!aws_creds_exists(c, src)) {
        struct strbuf what = STRBUF_INIT;
        int r;

        sb_addf(&what, "profile '%s': source_profile ", parent);
        r = aws_creds_not_found(c, sb_str(&what), src, e);
        sb_release(&what);
        return r;
    }
    for (i = 0; i < c->nvisited; i++)
        if (!strcmp(c->visited[i], src))
            break;
    if (i < c->nvisited &&
        (strcmp(src, parent) || !aws_creds_has_static(c, src))) {
        struct strbuf sb = STRBUF_INIT;
        size_t k;

        for (k = i; k < c->nvisited; k++)
            sb_addf(&sb, "%s -> ", c->visited[k]);
        sb_adds(&sb, src);
        err_set(e, "profile '%s': source_profile cycle %s", c->visited[0],
                sb_str(&sb));
        sb_release(&sb);
        return -1;
    }
    if (aws_creds_has_static(c, src) || !aws_creds_has_role(c, src))
        return aws_creds_plain(c, src, out, e);
    return aws_creds_role(c, src, out, e);
}

static int aws_creds_duration(const struct aws_creds_ctx *c, const char *name,
                              int *out, struct err *e)
{
    const char *v = aws_creds_get(c, name, "duration_seconds", NULL);
    char at[512];
    char *end;
    long d;

    *out = 0;
    if (!v)
        return 0;
    errno = 0;
    d = strtol(v, &end, 10);
    if (errno || end == v || *end || d < 900 || d > 43200) {
        aws_creds_at(c, name, "duration_seconds", at, sizeof(at));
        return err_set(e,
                       "%s: profile '%s': duration_seconds must be a whole "
                       "number of seconds from 900 to 43200",
                       at, name);
    }
    *out = (int)d;
    return 0;
}

/* Profile name's role, assumed with its source's credentials. */
static int aws_creds_role(struct aws_creds_ctx *c, const char *name,
                          struct aws_creds *out, struct err *e)
{
    const char *arn = aws_creds_get(c, name, "role_arn", NULL);
    const char *src = aws_creds_get(c, name, "source_profile", NULL);
    const char *csrc = aws_creds_get(c, name, "credential_source", NULL);
    const char *sess = aws_creds_get(c, name, "role_session_name", NULL);
    const char *ext = aws_creds_get(c, name, "external_id", NULL);
    struct aws_creds base = {0};
    char defsess[64];
    int dur, rc = -1;

    memset(out, 0, sizeof(*out));
    if (c->nvisited == AWS_CREDS_CHAIN_MAX)
        return err_set(e,
                       "profile '%s': more than %d roles one behind "
                       "the other",
                       c->visited[0], AWS_CREDS_CHAIN_MAX);
    c->visited[c->nvisited++] = name;
    if (src && csrc)
        return err_set(e,
                       "profile '%s' has both source_profile and "
                       "credential_source; it may have only one",
                       name);
    if (!src && !csrc)
        return err_set(e,
                       "profile '%s' has role_arn but neither "
                       "source_profile nor credential_source",
                       name);
    if (aws_creds_get(c, name, "mfa_serial", NULL))
        return err_set(e,
                       "profile '%s' needs an MFA code (mfa_serial), which a "
                       "scan cannot ask for: use credential_process or "
                       "temporary keys",
                       name);
    if (aws_creds_duration(c, name, &dur, e) < 0)
        return -1;
    if (csrc) {
        int r;

        if (strcmp(csrc, "Environment")) {
            char at[512];

            aws_creds_at(c, name, "credential_source", at, sizeof(at));
            return err_set(e,
                           "%s: profile '%s': credential_source %s is not "
                           "supported (only Environment)",
                           at, name, csrc);
        }
        r = aws_creds_env_keys(&base, e);
        if (r < 0)
            return err_prefix(e, "profile '%s'", name);
        if (r == 0)
            return err_set(e,
                           "profile '%s': credential_source Environment but "
                           "AWS_ACCESS_KEY_ID is not set",
                           name);
    } else if (aws_creds_source(c, name, src, &base, e) < 0)
        return -1;
    if (!c->o->assume_role) {
        err_set(e,
                "profile '%s' assumes role %s, but no STS AssumeRole is "
                "available here",
                name, arn);
        goto out;
    }
    if (!sess) {
        snprintf(defsess, sizeof(defsess), "fourc-%lld", (long long)time(NULL));
        sess = defsess;
    }
    if (c->o->assume_role(c->o->assume_role_arg, &base, arn, sess, ext, dur,
                          c->region, out, e) < 0) {
        aws_creds_release(out);
        err_prefix(e, "profile '%s': AssumeRole %s", name, arn);
        goto out;
    }
    if (!out->access_key_id || !*out->access_key_id ||
        !out->secret_access_key || !*out->secret_access_key) {
        aws_creds_release(out);
        err_set(e, "profile '%s': AssumeRole %s returned no credentials", name,
                arn);
        goto out;
    }
    aws_creds_set_source(out, "profile %s (role %s via %s)", name, arn,
                         base.source);
    rc = 0;
out:
    aws_creds_release(&base);
    return rc;
}

/* A path from an environment variable with a leading "~/" expanded, or
 * HOME/rel; the display form in *display. NULL when there is no HOME. */
static char *aws_creds_path(const char *var, const char *rel, char **display)
{
    const char *v = aws_creds_env(var), *home = aws_creds_env("HOME");
    struct strbuf sb = STRBUF_INIT;

    if (v) {
        *display = xstrdup(v);
        if (v[0] == '~' && v[1] == '/' && home) {
            sb_adds(&sb, home);
            sb_adds(&sb, v + 1);
            return sb_detach(&sb);
        }
        return xstrdup(v);
    }
    sb_addf(&sb, "~/%s", rel);
    *display = sb_detach(&sb);
    if (!home)
        return NULL;
    sb_addf(&sb, "%s/%s", home, rel);
    return sb_detach(&sb);
}

static int aws_creds_load(struct aws_creds_ctx *c, struct err *e)
{
    char *disp = NULL, *path;
    int rc;

    path = aws_creds_path("AWS_CONFIG_FILE", ".aws/config", &disp);
    rc = path ? aws_ini_load(path, disp, &c->cfg, e)
              : aws_ini_parse(disp, "", 0, &c->cfg, e);
    free(path);
    free(disp);
    if (rc < 0)
        return -1;
    path = aws_creds_path("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials",
                          &disp);
    rc = path ? aws_ini_load(path, disp, &c->cred, e)
              : aws_ini_parse(disp, "", 0, &c->cred, e);
    free(path);
    free(disp);
    return rc;
}

/* A region goes into host names: botocore's rule (letters, digits and
 * inner '-', at most 63), checked before any request is built. */
static int aws_creds_add_region(struct aws_session *s, const char *r,
                                const char *from, struct err *e)
{
    size_t i, n = strlen(r);

    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)r[i]) &&
            (r[i] != '-' || i == 0 || i == n - 1))
            break;
    if (n == 0 || n > 63 || i < n) {
        struct strbuf sb = STRBUF_INIT;

        utf8_sanitize(&sb, r, utf8_cut(r, n > 63 ? 63 : n));
        for (i = 0; i < sb.len; i++)
            if ((unsigned char)sb.buf[i] < 0x20 || sb.buf[i] == 0x7f)
                sb.buf[i] = '?';
        err_set(e,
                "%s: region '%s' is not a region name (letters, digits and "
                "'-', at most 63)",
                from, sb_str(&sb));
        sb_release(&sb);
        return -1;
    }
    s->regions = xrealloc(s->regions, (s->nregions + 1) * sizeof(char *));
    s->regions[s->nregions++] = xstrdup(r);
    return 0;
}

int aws_creds_resolve(const struct aws_creds_opts *o, struct aws_session *out,
                      struct err *e)
{
    struct aws_creds_ctx c;
    const char *name = o->profile, *reg = NULL;
    int env_ok = 0, rc = -1;
    size_t i;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    c.o = o;
    if (aws_creds_load(&c, e) < 0)
        goto out;
    if (!name)
        name = aws_creds_env("AWS_DEFAULT_PROFILE");
    if (!name)
        name = aws_creds_env("AWS_PROFILE");
    if (name && !aws_creds_exists(&c, name)) {
        aws_creds_not_found(&c, "profile ", name, e);
        goto out;
    }
    /* Region first: AssumeRole goes to the region the scan uses. */
    for (i = 0; i < o->nregions; i++)
        if (aws_creds_add_region(out, o->regions[i], "--region", e) < 0)
            goto out;
    if (!out->nregions) {
        const char *rp = name ? name : "default";
        char from[512];

        snprintf(from, sizeof(from), "AWS_REGION");
        if (!(reg = aws_creds_env("AWS_REGION"))) {
            snprintf(from, sizeof(from), "AWS_DEFAULT_REGION");
            reg = aws_creds_env("AWS_DEFAULT_REGION");
        }
        if (!reg && (reg = aws_creds_get(&c, rp, "region", NULL)) != NULL) {
            char at[400];

            aws_creds_at(&c, rp, "region", at, sizeof(at));
            snprintf(from, sizeof(from), "%s: profile '%s'", at, rp);
        }
        if (reg && *reg && aws_creds_add_region(out, reg, from, e) < 0)
            goto out;
    }
    c.region = out->nregions ? out->regions[0] : NULL;
    if (!o->profile) {
        env_ok = aws_creds_env_keys(&out->creds, e);
        if (env_ok < 0)
            goto out;
    }
    if (!env_ok) {
        const char *p = name ? name : "default";

        if (!name && !aws_creds_exists(&c, p)) {
            struct strbuf sb = STRBUF_INIT;

            aws_creds_where(&c, &sb);
            err_set(e,
                    "no AWS credentials: AWS_ACCESS_KEY_ID is not set, no "
                    "profile is named (--aws-profile, AWS_PROFILE) and "
                    "profile 'default' is not %s",
                    sb_str(&sb));
            sb_release(&sb);
            goto out;
        }
        if (aws_creds_has_role(&c, p) ? aws_creds_role(&c, p, &out->creds, e)
                                      : aws_creds_plain(&c, p, &out->creds, e))
            goto out;
        out->profile = xstrdup(p);
    } else if (name || aws_creds_exists(&c, "default")) {
        out->profile = xstrdup(name ? name : "default");
    }
    rc = 0;
out:
    if (rc < 0)
        aws_session_release(out);
    aws_ini_release(&c.cfg);
    aws_ini_release(&c.cred);
    return rc;
}
