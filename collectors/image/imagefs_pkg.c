/*
 * imagefs_pkg.c: the package databases imagefs reads (dpkg's status and
 * status.d, apk's installed) and the purls of their packages; see
 * imagefs_read.h. Slices as in imagefs_read.c: nothing is copied but what
 * goes into a document.
 */
#include "imagefs_read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imagefs_slice.h"
#include "util.h"
#include "banned.h"

/* ---- package databases ----------------------------------------------- */

/* The fields of one stanza, as slices of the input. */
struct imagefs_read_pkg {
    const char *name, *version, *arch, *source, *status;
    size_t name_n, version_n, arch_n, source_n, status_n;
    int fields;
};

/* "installed" as the Status field's third word. */
static int imagefs_read_dpkg_installed(const char *s, size_t n)
{
    const char *w = s, *end = s + n;
    int word = 0;

    while (w < end) {
        size_t wn = 0;
        while (w < end && imagefs_read_space(*w))
            w++;
        while (w + wn < end && !imagefs_read_space(w[wn]))
            wn++;
        if (wn && ++word == 3)
            return wn == 9 && memcmp(w, "installed", 9) == 0;
        w += wn;
    }
    return 0;
}

/* Appends the package document; ecosystem "deb" splits "Source: name
 * (version)". */
static int imagefs_read_pkg_emit(const struct imagefs_read_pkg *p,
                                 const char *ecosystem, json_t *pkgs)
{
    const char *src = p->source, *sv = NULL;
    size_t src_n = p->source_n, sv_n = 0;
    json_t *doc = json_object();
    int rc = 0;

    if (src && strcmp(ecosystem, "deb") == 0) {
        const char *paren = memchr(src, '(', src_n);
        if (paren) {
            const char *close =
                memchr(paren, ')', (size_t)(src + src_n - paren));
            sv = paren + 1;
            sv_n = (size_t)((close ? close : src + src_n) - sv);
            imagefs_read_trim(&sv, &sv_n);
            if (!sv_n)
                sv = NULL;
            src_n = (size_t)(paren - src);
            imagefs_read_trim(&src, &src_n);
        }
        if (!src_n)
            src = NULL;
    }
    rc |= imagefs_read_set(doc, "name", p->name, p->name_n);
    rc |= imagefs_read_set(doc, "version", p->version, p->version_n);
    rc |= imagefs_read_set(doc, "arch", p->arch, p->arch_n);
    rc |= imagefs_read_set(doc, "source", src, src_n);
    rc |= imagefs_read_set(doc, "source_version", sv, sv_n);
    rc |= json_object_set_new(doc, "ecosystem", json_string(ecosystem));
    rc |= json_object_set_new(doc, "status", json_string("installed"));
    if (rc || json_array_append_new(pkgs, doc))
        return -1;
    return 0;
}

/* Keeps the first value of a field. */
static void imagefs_read_pkg_field(const char **slot, size_t *slot_n,
                                   const char *v, size_t n)
{
    if (*slot)
        return;
    *slot = v;
    *slot_n = n;
}

static int imagefs_read_dpkg_flush(struct imagefs_read_pkg *p, int distroless,
                                   json_t *pkgs, size_t *malformed)
{
    int rc = 0;

    if (p->fields && !p->name_n)
        imagefs_read_count(malformed); /* a stanza without Package */
    else if (p->name_n &&
             (p->status ? imagefs_read_dpkg_installed(p->status, p->status_n)
                        : distroless))
        rc = imagefs_read_pkg_emit(p, "deb", pkgs);
    memset(p, 0, sizeof(*p));
    return rc;
}

int imagefs_read_dpkg(const char *buf, size_t len, int distroless, json_t *pkgs,
                      size_t *malformed)
{
    struct imagefs_read_iter it;
    struct imagefs_read_pkg p;
    const char *s, *colon, *v;
    size_t n, vn;

    memset(&p, 0, sizeof(p));
    imagefs_read_iter_init(&it, buf, len);
    while (imagefs_read_line(&it, &s, &n)) {
        if (imagefs_read_blank(s, n)) {
            if (imagefs_read_dpkg_flush(&p, distroless, pkgs, malformed))
                return -1;
            continue;
        }
        if (s[0] == ' ' || s[0] == '\t') {
            if (!p.fields)
                imagefs_read_count(malformed); /* continues nothing */
            continue;
        }
        colon = memchr(s, ':', n);
        if (!colon || colon == s || imagefs_read_has_nul(s, n)) {
            imagefs_read_count(malformed);
            continue;
        }
        p.fields++;
        v = colon + 1;
        vn = (size_t)(s + n - v);
        imagefs_read_trim(&v, &vn);
        n = (size_t)(colon - s);
        if (imagefs_read_eq_ci(s, n, "package"))
            imagefs_read_pkg_field(&p.name, &p.name_n, v, vn);
        else if (imagefs_read_eq_ci(s, n, "version"))
            imagefs_read_pkg_field(&p.version, &p.version_n, v, vn);
        else if (imagefs_read_eq_ci(s, n, "architecture"))
            imagefs_read_pkg_field(&p.arch, &p.arch_n, v, vn);
        else if (imagefs_read_eq_ci(s, n, "source"))
            imagefs_read_pkg_field(&p.source, &p.source_n, v, vn);
        else if (imagefs_read_eq_ci(s, n, "status"))
            imagefs_read_pkg_field(&p.status, &p.status_n, v, vn);
    }
    return imagefs_read_dpkg_flush(&p, distroless, pkgs, malformed);
}

static int imagefs_read_apk_flush(struct imagefs_read_pkg *p, json_t *pkgs,
                                  size_t *malformed)
{
    int rc = 0;

    if (p->name_n)
        rc = imagefs_read_pkg_emit(p, "apk", pkgs);
    else if (p->fields)
        imagefs_read_count(malformed); /* a package without P: */
    memset(p, 0, sizeof(*p));
    return rc;
}

int imagefs_read_apk(const char *buf, size_t len, json_t *pkgs,
                     size_t *malformed)
{
    struct imagefs_read_iter it;
    struct imagefs_read_pkg p;
    const char *s;
    size_t n;

    memset(&p, 0, sizeof(p));
    imagefs_read_iter_init(&it, buf, len);
    while (imagefs_read_line(&it, &s, &n)) {
        if (imagefs_read_blank(s, n)) {
            if (imagefs_read_apk_flush(&p, pkgs, malformed))
                return -1;
            continue;
        }
        if (n < 2 || s[1] != ':' || imagefs_read_has_nul(s, n)) {
            imagefs_read_count(malformed);
            continue;
        }
        p.fields++;
        switch (s[0]) {
        case 'P':
            imagefs_read_pkg_field(&p.name, &p.name_n, s + 2, n - 2);
            break;
        case 'V':
            imagefs_read_pkg_field(&p.version, &p.version_n, s + 2, n - 2);
            break;
        case 'A':
            imagefs_read_pkg_field(&p.arch, &p.arch_n, s + 2, n - 2);
            break;
        case 'o':
            imagefs_read_pkg_field(&p.source, &p.source_n, s + 2, n - 2);
            break;
        default:
            break;
        }
    }
    return imagefs_read_apk_flush(&p, pkgs, malformed);
}

/* ---- purl ------------------------------------------------------------ */

static void imagefs_read_purl_enc(struct strbuf *sb, const char *s, int lower)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s; s++) {
        char c = lower ? imagefs_read_lower(*s) : *s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
            c == '~' || c == ':') {
            sb_add(sb, &c, 1);
        } else {
            char t[3] = {'%', hex[(unsigned char)c >> 4],
                         hex[(unsigned char)c & 15]};
            sb_add(sb, t, 3);
        }
    }
}

char *imagefs_read_purl(const char *type, const char *ns, const char *name,
                        const char *version, const char *arch,
                        const char *distro)
{
    struct strbuf sb = STRBUF_INIT;
    char sep = '?';

    sb_adds(&sb, "pkg:");
    sb_adds(&sb, type);
    sb_add(&sb, "/", 1);
    if (ns && *ns) {
        imagefs_read_purl_enc(&sb, ns, 1);
        sb_add(&sb, "/", 1);
    }
    imagefs_read_purl_enc(&sb, name ? name : "", 1);
    if (version && *version) {
        sb_add(&sb, "@", 1);
        imagefs_read_purl_enc(&sb, version, 0);
    }
    if (arch && *arch) { /* qualifiers in key order: arch, distro */
        sb_add(&sb, &sep, 1);
        sb_adds(&sb, "arch=");
        imagefs_read_purl_enc(&sb, arch, 0);
        sep = '&';
    }
    if (distro && *distro) {
        sb_add(&sb, &sep, 1);
        sb_adds(&sb, "distro=");
        imagefs_read_purl_enc(&sb, distro, 0);
    }
    return sb_detach(&sb);
}
