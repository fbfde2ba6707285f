/*
 * aws_sigv4.c: AWS Signature Version 4 (see aws_sigv4.h).
 */
#include "aws_sigv4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char HEX[] = "0123456789abcdef";

static void hexify(const unsigned char *raw, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = HEX[raw[i] >> 4];
        out[2 * i + 1] = HEX[raw[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hmac(const void *key, size_t klen, const void *d, size_t n,
                unsigned char out[32])
{
    unsigned int len = 32;
    return HMAC(EVP_sha256(), key, (int)klen, d, n, out, &len) ? 0 : -1;
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

void aws_uri_encode(struct strbuf *sb, const char *s, size_t n, int keep_slash)
{
    static const char UP[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            sb_add(sb, (const char *)&c, 1);
        } else {
            char t[3] = {'%', UP[c >> 4], UP[c & 15]};
            sb_add(sb, t, 3);
        }
    }
}

void aws_amz_date(long long t, char out[17])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* s (n bytes) with %XX decoded, re-encoded onto sb. */
static void reencode(struct strbuf *sb, const char *s, size_t n)
{
    struct strbuf raw = STRBUF_INIT;
    for (size_t i = 0; i < n; i++) {
        int a, b;
        if (s[i] == '%' && i + 2 < n && (a = hexval(s[i + 1])) >= 0 &&
            (b = hexval(s[i + 2])) >= 0) {
            char c = (char)(a * 16 + b);
            sb_add(&raw, &c, 1);
            i += 2;
        } else {
            sb_add(&raw, s + i, 1);
        }
    }
    aws_uri_encode(sb, sb_str(&raw), raw.len, 0);
    sb_release(&raw);
}

struct pair {
    char *k, *v;
};

static int pair_cmp(const void *a, const void *b)
{
    const struct pair *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

static void canon_query(struct strbuf *sb, const char *q)
{
    struct pair *p = NULL;
    size_t n = 0, cap = 0;

    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        if (len) {
            const char *eq = memchr(q, '=', len);
            size_t kl = eq ? (size_t)(eq - q) : len;
            struct strbuf k = STRBUF_INIT, v = STRBUF_INIT;
            reencode(&k, q, kl);
            if (eq)
                reencode(&v, eq + 1, len - kl - 1);
            if (n == cap)
                p = xrealloc(p, (cap = cap ? 2 * cap : 8) * sizeof(*p));
            p[n].k = k.buf ? sb_detach(&k) : xstrdup("");
            p[n].v = v.buf ? sb_detach(&v) : xstrdup("");
            n++;
        }
        q = amp ? amp + 1 : q + len;
    }
    if (n)
        qsort(p, n, sizeof(*p), pair_cmp);
    for (size_t i = 0; i < n; i++) {
        if (i)
            sb_add(sb, "&", 1);
        sb_adds(sb, p[i].k);
        sb_add(sb, "=", 1);
        sb_adds(sb, p[i].v);
        free(p[i].k);
        free(p[i].v);
    }
    free(p);
}

/* The non-S3 canonical URI: path normalised (RFC 3986 dot segments, empty
 * segments dropped), each segment encoded again. */
static void canon_path(struct strbuf *sb, const char *path, int s3)
{
    const char *segs[256];
    size_t lens[256], n = 0;
    const char *p = path && *path ? path : "/";
    size_t plen = strlen(p);
    int trailing;

    if (s3) {
        sb_adds(sb, p);
        return;
    }
    trailing = plen > 1 && p[plen - 1] == '/';
    while (*p) {
        const char *sl;
        size_t len;
        while (*p == '/')
            p++;
        if (!*p)
            break;
        sl = strchr(p, '/');
        len = sl ? (size_t)(sl - p) : strlen(p);
        if (len == 1 && p[0] == '.') {
            /* nothing */
        } else if (len == 2 && p[0] == '.' && p[1] == '.') {
            if (n)
                n--;
            trailing = 0;
        } else if (n < 256) {
            segs[n] = p;
            lens[n++] = len;
        }
        p += len;
    }
    for (size_t i = 0; i < n; i++) {
        sb_add(sb, "/", 1);
        aws_uri_encode(sb, segs[i], lens[i], 0);
    }
    if (!n || trailing)
        sb_add(sb, "/", 1);
}

struct hdr {
    char *name;      /* lower case */
    struct strbuf v; /* canonical value */
};

static int hdr_cmp(const void *a, const void *b)
{
    return strcmp(((const struct hdr *)a)->name, ((const struct hdr *)b)->name);
}

/* Appends value v trimmed with runs of whitespace collapsed. */
static void canon_value(struct strbuf *sb, const char *v)
{
    int space = 0, any = 0;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t' || *v == '\r' || *v == '\n') {
            space = any;
            continue;
        }
        if (space)
            sb_add(sb, " ", 1);
        space = 0;
        any = 1;
        sb_add(sb, v, 1);
    }
}

#define HDR_MAX 64

static int add_hdr(struct hdr *h, size_t *n, const char *line, struct err *e)
{
    const char *colon = strchr(line, ':');
    size_t nl, i;
    char *name;

    if (!colon || colon == line)
        return err_set(e, "sigv4: a header without a name");
    nl = (size_t)(colon - line);
    while (nl && (line[nl - 1] == ' ' || line[nl - 1] == '\t'))
        nl--;
    name = xstrndup(line, nl);
    for (i = 0; i < nl; i++)
        if (name[i] >= 'A' && name[i] <= 'Z')
            name[i] = (char)(name[i] - 'A' + 'a');
    for (i = 0; i < *n; i++)
        if (!strcmp(h[i].name, name))
            break;
    if (i == *n) {
        if (*n == HDR_MAX) {
            free(name);
            return err_set(e, "sigv4: more than %d headers", HDR_MAX);
        }
        h[i].name = name;
        memset(&h[i].v, 0, sizeof(h[i].v));
        sb_adds(&h[i].v, "");
        (*n)++;
    } else {
        free(name);
        sb_add(&h[i].v, ",", 1);
    }
    canon_value(&h[i].v, colon + 1);
    return 0;
}

static int has_hdr(const struct hdr *h, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(h[i].name, name))
            return 1;
    return 0;
}

static int valid_date(const char *d)
{
    if (!d || strlen(d) != 16 || d[8] != 'T' || d[15] != 'Z')
        return 0;
    for (int i = 0; i < 15; i++)
        if (i != 8 && (d[i] < '0' || d[i] > '9'))
            return 0;
    return 1;
}

static int simple_field(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || (*s >= 'A' && *s <= 'Z')))
            return 0;
    return 1;
}

static char *addline(const char *name, const char *v)
{
    struct strbuf sb = STRBUF_INIT;
    sb_adds(&sb, name);
    sb_add(&sb, ": ", 2);
    sb_adds(&sb, v);
    return sb_detach(&sb);
}

int aws_sigv4_sign(const struct aws_sigv4_req *r, struct aws_sigv4_out *out,
                   struct err *e)
{
    struct hdr h[HDR_MAX];
    size_t nh = 0, na = 0;
    unsigned char raw[32], k1[32], k2[32];
    struct strbuf key = STRBUF_INIT, scope = STRBUF_INIT,
                  signed_h = STRBUF_INIT;
    char date[9], hash[65];
    int s3, rc = -1;

    memset(out, 0, sizeof(*out));
    if (!r->method || !simple_field(r->method))
        return err_set(e, "sigv4: no request method");
    if (!simple_field(r->service) || !simple_field(r->region))
        return err_set(e, "sigv4: the service and region must be names");
    if (!valid_date(r->amz_date))
        return err_set(e, "sigv4: the date must be YYYYMMDDTHHMMSSZ");
    if (!r->access_key || !*r->access_key || strchr(r->access_key, '/') ||
        !r->secret_key || !*r->secret_key)
        return err_set(e, "sigv4 %s %s: no access key id or secret key",
                       r->service, r->region);
    s3 = !strcmp(r->service, "s3");
    memcpy(date, r->amz_date, 8);
    date[8] = '\0';

    sha256_raw(r->payload ? r->payload : "", r->payload_len, raw);
    hexify(raw, 32, out->payload_hash);

    for (const char *const *p = r->headers; p && *p; p++)
        if (add_hdr(h, &nh, *p, e) < 0)
            goto done;
    if (!has_hdr(h, nh, "host")) {
        err_set(e, "sigv4 %s %s: no Host header", r->service, r->region);
        goto done;
    }
    if (!has_hdr(h, nh, "x-amz-date")) {
        out->add[na++] = addline("X-Amz-Date", r->amz_date);
        if (add_hdr(h, &nh, out->add[na - 1], e) < 0)
            goto done;
    }
    if (r->session_token && *r->session_token &&
        !has_hdr(h, nh, "x-amz-security-token")) {
        out->add[na++] = addline("X-Amz-Security-Token", r->session_token);
        if (add_hdr(h, &nh, out->add[na - 1], e) < 0)
            goto done;
    }
    if (s3 && !has_hdr(h, nh, "x-amz-content-sha256")) {
        out->add[na++] = addline("X-Amz-Content-Sha256", out->payload_hash);
        if (add_hdr(h, &nh, out->add[na - 1], e) < 0)
            goto done;
    }
    qsort(h, nh, sizeof(*h), hdr_cmp);

    sb_adds(&out->creq, r->method);
    sb_add(&out->creq, "\n", 1);
    canon_path(&out->creq, r->path, s3);
    sb_add(&out->creq, "\n", 1);
    canon_query(&out->creq, r->query);
    sb_add(&out->creq, "\n", 1);
    for (size_t i = 0; i < nh; i++) {
        sb_adds(&out->creq, h[i].name);
        sb_add(&out->creq, ":", 1);
        sb_add(&out->creq, sb_str(&h[i].v), h[i].v.len);
        sb_add(&out->creq, "\n", 1);
        if (i)
            sb_add(&signed_h, ";", 1);
        sb_adds(&signed_h, h[i].name);
    }
    sb_add(&out->creq, "\n", 1);
    sb_add(&out->creq, sb_str(&signed_h), signed_h.len);
    sb_add(&out->creq, "\n", 1);
    sb_adds(&out->creq, out->payload_hash);

    sb_addf(&scope, "%s/%s/%s/aws4_request", date, r->region, r->service);
    sha256_raw(out->creq.buf, out->creq.len, raw);
    hexify(raw, 32, hash);
    sb_addf(&out->sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", r->amz_date,
            sb_str(&scope), hash);

    sb_adds(&key, "AWS4");
    sb_adds(&key, r->secret_key);
    if (hmac(key.buf, key.len, date, 8, k1) < 0 ||
        hmac(k1, 32, r->region, strlen(r->region), k2) < 0 ||
        hmac(k2, 32, r->service, strlen(r->service), k1) < 0 ||
        hmac(k1, 32, "aws4_request", 12, k2) < 0 ||
        hmac(k2, 32, out->sts.buf, out->sts.len, raw) < 0) {
        err_set(e, "sigv4 %s %s: HMAC-SHA256 failed", r->service, r->region);
        goto done;
    }
    hexify(raw, 32, out->signature);
    sb_addf(&out->authorization,
            "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
            "Signature=%s",
            r->access_key, sb_str(&scope), sb_str(&signed_h), out->signature);
    rc = 0;
done:
    if (key.buf)
        OPENSSL_cleanse(key.buf, key.cap);
    OPENSSL_cleanse(k1, sizeof(k1));
    OPENSSL_cleanse(k2, sizeof(k2));
    sb_release(&key);
    sb_release(&scope);
    sb_release(&signed_h);
    for (size_t i = 0; i < nh; i++) {
        /* the token's canonical value */
        if (h[i].v.buf)
            OPENSSL_cleanse(h[i].v.buf, h[i].v.cap);
        free(h[i].name);
        sb_release(&h[i].v);
    }
    if (rc < 0)
        aws_sigv4_out_release(out);
    return rc;
}

void aws_sigv4_out_release(struct aws_sigv4_out *out)
{
    if (out->creq.buf)
        OPENSSL_cleanse(out->creq.buf, out->creq.cap);
    sb_release(&out->creq);
    sb_release(&out->sts);
    sb_release(&out->authorization);
    for (size_t i = 0; out->add[i] && i < AWS_SIGV4_ADD_MAX; i++) {
        OPENSSL_cleanse(out->add[i], strlen(out->add[i]));
        free(out->add[i]);
        out->add[i] = NULL;
    }
}
