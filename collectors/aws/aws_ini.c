/*
 * aws_ini.c: the AWS shared config and credentials files (see aws_ini.h
 * for the dialect). One pass over the lines; the file's bytes and every
 * value are wiped when released, since the credentials file holds secret
 * keys.
 */
#include "aws_ini.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>

#include "util.h"

#define AWS_INI_MAX (4u << 20) /* larger is not a config file */

static void aws_ini_wipe_str(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

static void aws_ini_kv_release(struct aws_ini_kv *kv)
{
    size_t i;

    for (i = 0; i < kv->nsub; i++)
        aws_ini_kv_release(&kv->sub[i]);
    free(kv->sub);
    aws_ini_wipe_str(kv->key);
    aws_ini_wipe_str(kv->val);
}

void aws_ini_release(struct aws_ini *ini)
{
    size_t i, j;

    if (!ini)
        return;
    for (i = 0; i < ini->nsec; i++) {
        for (j = 0; j < ini->sec[i].nkv; j++)
            aws_ini_kv_release(&ini->sec[i].kv[j]);
        free(ini->sec[i].kv);
        free(ini->sec[i].name);
    }
    free(ini->sec);
    free(ini->display);
    memset(ini, 0, sizeof(*ini));
}

const struct aws_ini_sec *aws_ini_section(const struct aws_ini *ini,
                                          const char *name)
{
    size_t i;

    for (i = 0; ini && i < ini->nsec; i++)
        if (!strcmp(ini->sec[i].name, name))
            return &ini->sec[i];
    return NULL;
}

const struct aws_ini_kv *aws_ini_find(const struct aws_ini_sec *sec,
                                      const char *key)
{
    size_t i;

    for (i = 0; sec && i < sec->nkv; i++)
        if (!strcmp(sec->kv[i].key, key))
            return &sec->kv[i];
    return NULL;
}

const char *aws_ini_get(const struct aws_ini_sec *sec, const char *key)
{
    const struct aws_ini_kv *kv = aws_ini_find(sec, key);

    return kv && !kv->nsub ? kv->val : NULL;
}

static int aws_ini_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\f' || c == '\v';
}

/* [s, s+n) without surrounding blanks, as a new string. */
static char *aws_ini_trimdup(const char *s, size_t n)
{
    while (n && aws_ini_is_space(*s))
        s++, n--;
    while (n && aws_ini_is_space(s[n - 1]))
        n--;
    return xstrndup(s, n);
}

/* Splits "key = value" at the first of delims; the key lower-cased if
 * lower (configparser does, botocore's nested keys are kept). */
static int aws_ini_split(const char *s, size_t n, const char *delims, int lower,
                         char **key, char **val)
{
    size_t i, k;

    for (i = 0; i < n && !strchr(delims, s[i]); i++)
        ;
    if (i == n)
        return -1;
    *key = aws_ini_trimdup(s, i);
    if (!**key) {
        free(*key);
        *key = NULL;
        return -1;
    }
    for (k = 0; lower && (*key)[k]; k++)
        (*key)[k] = (char)tolower((unsigned char)(*key)[k]);
    *val = aws_ini_trimdup(s + i + 1, n - i - 1);
    return 0;
}

/* Turns the continuation lines of a key with an empty first line into
 * its nested keys (botocore's _parse_nested). */
static int aws_ini_nest(const struct aws_ini *ini, struct aws_ini_kv *kv,
                        struct err *e)
{
    const char *p = kv->val;
    int line = kv->line;

    while (*p == '\n') {
        const char *q = p + 1, *nl = strchr(q, '\n');
        size_t n = nl ? (size_t)(nl - q) : strlen(q);
        struct aws_ini_kv sub = {0};

        line++;
        if (aws_ini_split(q, n, "=", 0, &sub.key, &sub.val) < 0)
            return err_set(e, "%s:%d: a nested setting must be 'key = value'",
                           ini->display, line);
        sub.line = line;
        kv->sub = xrealloc(kv->sub, (kv->nsub + 1) * sizeof(*kv->sub));
        kv->sub[kv->nsub++] = sub;
        p = q + n;
    }
    aws_ini_wipe_str(kv->val);
    kv->val = xstrdup("");
    return 0;
}

int aws_ini_parse(const char *display, const char *text, size_t len,
                  struct aws_ini *out, struct err *e)
{
    const char *p = text, *end = text + len;
    struct aws_ini_sec *cur = NULL;
    struct aws_ini_kv *key = NULL; /* the key continuation lines extend */
    size_t key_indent = 0, i, j;
    int line = 0;

    memset(out, 0, sizeof(*out));
    out->display = xstrdup(display);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p)), *s = p;
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p), indent = 0;

        line++;
        p = nl ? nl + 1 : end;
        if (n && s[n - 1] == '\r')
            n--;
        if (memchr(s, '\0', n)) {
            err_set(e, "%s:%d: a NUL byte (not a text file)", display, line);
            goto fail;
        }
        while (n && aws_ini_is_space(*s))
            s++, n--, indent++;
        if (n == 0 || *s == '#' || *s == ';')
            continue;
        if (key && indent > key_indent) {
            struct strbuf sb = STRBUF_INIT;
            char *add = aws_ini_trimdup(s, n);

            sb_adds(&sb, key->val);
            sb_add(&sb, "\n", 1);
            sb_adds(&sb, add);
            aws_ini_wipe_str(add);
            aws_ini_wipe_str(key->val);
            key->val = sb_detach(&sb);
            continue;
        }
        key = NULL;
        if (*s == '[') {
            const char *close = s + n - 1;

            while (close > s && *close != ']')
                close--;
            if (close == s || close == s + 1) {
                err_set(e, "%s:%d: a section header must be '[name]'", display,
                        line);
                goto fail;
            }
            for (i = 0; i < out->nsec; i++)
                if ((size_t)(close - s - 1) == strlen(out->sec[i].name) &&
                    !memcmp(out->sec[i].name, s + 1, (size_t)(close - s - 1)))
                    break;
            if (i < out->nsec) {
                err_set(e, "%s:%d: section [%s] repeats the one at line %d",
                        display, line, out->sec[i].name, out->sec[i].line);
                goto fail;
            }
            out->sec = xrealloc(out->sec, (out->nsec + 1) * sizeof(*cur));
            cur = &out->sec[out->nsec++];
            memset(cur, 0, sizeof(*cur));
            cur->name = xstrndup(s + 1, (size_t)(close - s - 1));
            cur->line = line;
            continue;
        }
        {
            struct aws_ini_kv kv = {0};

            if (!cur) {
                err_set(e, "%s:%d: a setting before any [section]", display,
                        line);
                goto fail;
            }
            if (aws_ini_split(s, n, "=:", 1, &kv.key, &kv.val) < 0) {
                err_set(e, "%s:%d: expected '[section]' or 'key = value'",
                        display, line);
                goto fail;
            }
            kv.line = line;
            for (i = 0; i < cur->nkv; i++)
                if (!strcmp(cur->kv[i].key, kv.key))
                    break;
            if (i < cur->nkv) {
                int first = cur->kv[i].line;

                aws_ini_kv_release(&kv);
                err_set(e,
                        "%s:%d: this key repeats the one at line %d in "
                        "section [%s]",
                        display, line, first, cur->name);
                goto fail;
            }
            cur->kv = xrealloc(cur->kv, (cur->nkv + 1) * sizeof(kv));
            cur->kv[cur->nkv] = kv;
            key = &cur->kv[cur->nkv++];
            key_indent = indent;
        }
    }
    for (i = 0; i < out->nsec; i++)
        for (j = 0; j < out->sec[i].nkv; j++)
            if (out->sec[i].kv[j].val[0] == '\n' &&
                aws_ini_nest(out, &out->sec[i].kv[j], e) < 0)
                goto fail;
    return 0;
fail:
    aws_ini_release(out);
    return -1;
}

int aws_ini_load(const char *path, const char *display, struct aws_ini *out,
                 struct err *e)
{
    struct strbuf sb = STRBUF_INIT;
    char buf[8192];
    size_t got;
    FILE *f = fopen(path, "rb");
    struct stat st;
    int rc;

    memset(out, 0, sizeof(*out));
    if (!f && errno == ENOENT) {
        out->display = xstrdup(display);
        return 0;
    }
    if (!f)
        return err_set(e, "%s: %s", display, strerror(errno));
    /* Sized up front, so growing never leaves a copy of a secret behind. */
    if (fstat(fileno(f), &st) == 0 && st.st_size > 0 &&
        (uintmax_t)st.st_size < AWS_INI_MAX)
        sb_grow(&sb, (size_t)st.st_size + 1);
    if (sb.buf)
        sb.buf[0] = '\0';
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
        if (sb.len + got > AWS_INI_MAX) {
            fclose(f);
            OPENSSL_cleanse(buf, sizeof(buf));
            OPENSSL_cleanse(sb.buf, sb.cap);
            sb_release(&sb);
            return err_set(e, "%s: larger than %u bytes", display, AWS_INI_MAX);
        }
        sb_add(&sb, buf, got);
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    if (ferror(f)) {
        int er = errno;

        fclose(f);
        if (sb.buf)
            OPENSSL_cleanse(sb.buf, sb.cap);
        sb_release(&sb);
        return err_set(e, "%s: %s", display, strerror(er));
    }
    fclose(f);
    rc = aws_ini_parse(display, sb_str(&sb), sb.len, out, e);
    if (sb.buf)
        OPENSSL_cleanse(sb.buf, sb.cap);
    sb_release(&sb);
    return rc;
}
