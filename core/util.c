/* util.c: string buffers, allocation, hashing, time; see util.h. */
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
/* For SHA256_Init and co. (sha256_raw); must precede every OpenSSL
 * header. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "banned.h"

static void util_oom(size_t n)
{
    fprintf(stderr, "fourc: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        util_oom(n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        util_oom(n * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        util_oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void sb_grow(struct strbuf *sb, size_t extra)
{
    size_t want = sb->len + extra + 1;

    if (want <= sb->cap)
        return;
    if (sb->cap == 0)
        sb->cap = 64;
    while (sb->cap < want)
        sb->cap *= 2;
    sb->buf = xrealloc(sb->buf, sb->cap);
}

void sb_adds(struct strbuf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

void sb_addf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    sb_grow(sb, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb->len += (size_t)n;
}

void sb_addi(struct strbuf *sb, long long v)
{
    char buf[24], *p = buf + sizeof(buf);
    unsigned long long u =
        v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    sb_add(sb, p, (size_t)(buf + sizeof(buf) - p));
}

void sb_setlen(struct strbuf *sb, size_t len)
{
    if (len > sb->len)
        return;
    sb->len = len;
    if (sb->buf)
        sb->buf[len] = '\0';
}

const char *sb_str(const struct strbuf *sb)
{
    return sb->buf ? sb->buf : "";
}

char *sb_detach(struct strbuf *sb)
{
    char *p = sb->buf ? sb->buf : xstrdup("");
    sb->buf = NULL;
    sb->len = sb->cap = 0;
    return p;
}

void sb_release(struct strbuf *sb)
{
    free(sb->buf);
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

void sha256_raw(const void *data, size_t len, unsigned char out[32])
{
#ifndef OPENSSL_NO_DEPRECATED_3_0
    /* OpenSSL's SHA256_* calls, deprecated in 3.0 but kept, need no
     * context from the library: an EVP digest looks the algorithm up again
     * on every one-shot call, and a context kept to avoid that would be
     * state shared by every caller (collectors run at the same time). A
     * scan hashes every resource. */
    SHA256_CTX c;

    if (!SHA256_Init(&c) || !SHA256_Update(&c, data, len) ||
        !SHA256_Final(out, &c))
        util_oom(len);
#else
    unsigned int n = 32;

    if (!EVP_Digest(data, len, out, &n, EVP_sha256(), NULL))
        util_oom(len);
#endif
}

void sha256_str(const void *data, size_t len, char out[SHA256_STR_LEN])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[32];
    size_t i;

    sha256_raw(data, len, md);
    memcpy(out, "sha256:", 7);
    for (i = 0; i < 32; i++) {
        out[7 + 2 * i] = hex[md[i] >> 4];
        out[8 + 2 * i] = hex[md[i] & 15];
    }
    out[71] = '\0';
}

int base64_decode(const char *s, size_t n, struct strbuf *out)
{
    char *clean = xmalloc(n + 1);
    unsigned char *raw;
    size_t i, j = 0, pad = 0;
    int got;

    for (i = 0; i < n; i++)
        if (s[i] != '\n' && s[i] != '\r' && s[i] != ' ')
            clean[j++] = s[i];
    if (j == 0 || j % 4) {
        OPENSSL_cleanse(clean, n + 1);
        free(clean);
        return -1;
    }
    while (pad < 2 && clean[j - 1 - pad] == '=')
        pad++;
    raw = xmalloc(j / 4 * 3 + 1);
    got = EVP_DecodeBlock(raw, (const unsigned char *)clean, (int)j);
    if (got >= (int)pad)
        sb_add(out, (const char *)raw, (size_t)got - pad);
    OPENSSL_cleanse(clean, n + 1);
    OPENSSL_cleanse(raw, j / 4 * 3 + 1);
    free(clean);
    free(raw);
    return got >= (int)pad ? 0 : -1;
}

void now_rfc3339(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

time_t rfc3339_parse(const char *s)
{
    struct tm tm;
    const char *p;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    if (!s || !(p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
        return (time_t)-1;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    t = timegm(&tm);
    if ((*p == 'Z' || *p == 'z') && !p[1])
        return t;
    if (*p == '+' || *p == '-') {
        int hh, mm;
        char tail;

        if (sscanf(p + 1, "%2d:%2d%c", &hh, &mm, &tail) != 2)
            return (time_t)-1;
        return t - (*p == '+' ? 1 : -1) * (hh * 3600 + mm * 60);
    }
    return (time_t)-1;
}

int utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;

    while (i < n) {
        unsigned char c;
        size_t need;
        unsigned int cp;
        uint64_t w;

        /* Eight ASCII bytes at a time: most of a manifest. */
        while (i + 8 <= n) {
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            need = 1;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            need = 2;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            need = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + need >= n)
            return 0;
        for (size_t k = 1; k <= need; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((need == 1 && cp < 0x80) || (need == 2 && cp < 0x800) ||
            (need == 3 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

int str_in(const char *s, const char *const *list)
{
    for (; list && *list; list++)
        if (strcmp(*list, s) == 0)
            return 1;
    return 0;
}

int str_has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && memcmp(s + a - b, suffix, b) == 0;
}

size_t utf8_cut(const char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

void utf8_sanitize(struct strbuf *sb, const char *s, size_t n)
{
    size_t i = 0, len;

    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        len = c < 0x80             ? 1
              : (c & 0xE0) == 0xC0 ? 2
              : (c & 0xF0) == 0xE0 ? 3
              : (c & 0xF8) == 0xF0 ? 4
                                   : 0;
        if (len && i + len <= n && utf8_valid(s + i, len)) {
            sb_add(sb, s + i, len);
            i += len;
        } else {
            sb_add(sb, "\xEF\xBF\xBD", 3);
            i++;
        }
    }
}

json_t *json_stringn_lossy(const char *s, size_t n)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *v;

    if (utf8_valid(s, n))
        return json_stringn(s, n);
    utf8_sanitize(&sb, s, n);
    v = json_stringn(sb.buf, sb.len);
    sb_release(&sb);
    return v;
}

json_t *json_string_lossy(const char *s)
{
    return json_stringn_lossy(s, strlen(s));
}

int str_has_suffix_ci(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

long utf8_bidi_at(const unsigned char *p, size_t n)
{
    long cp;

    if (p[0] == 0xD8) {
        if (n < 2)
            return -1;
        return p[1] == 0x9C ? 0x061C : 0;
    }
    if (p[0] != 0xE2)
        return 0;
    if (n < 2)
        return -1;
    if (p[1] != 0x80 && p[1] != 0x81)
        return 0;
    if (n < 3)
        return -1;
    if ((p[2] & 0xC0) != 0x80)
        return 0;
    cp = 0x2000L | ((long)(p[1] & 0x3F) << 6) | (long)(p[2] & 0x3F);
    if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
        cp == 0x200E || cp == 0x200F)
        return cp;
    return 0;
}
