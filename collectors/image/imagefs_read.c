/*
 * imagefs_read.c: the parsers of the files imagefs reads; see
 * imagefs_read.h.
 *
 * Everything works on (pointer, length) slices of the captured content and
 * never writes to it: lines are found with memchr, fields are slices, and
 * only what goes into a document is copied (through json_stringn_lossy).
 * A line holding a NUL byte is malformed wherever it appears: no format
 * allows one, and a name cut at a NUL could pass for another. Package
 * databases and purls are read by imagefs_pkg.c.
 */
#include "imagefs_read.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imagefs_slice.h"
#include "util.h"
#include "banned.h"

#define READ_MAX_FIELDS 10

/* ---- accounts -------------------------------------------------------- */

const char *imagefs_read_password_state(const char *field, size_t n)
{
    if (n == 0)
        return "empty";
    if (field[0] == '!' || field[0] == '*')
        return "locked";
    return "set";
}

int imagefs_read_login_shell(const char *shell, size_t n)
{
    static const char *const nologin[] = {"nologin", "false", "true",
                                          "sync",    "halt",  "shutdown"};
    const char *base = shell;
    size_t i, bn = n;

    imagefs_read_trim(&base, &bn);
    if (bn == 0)
        return 0;
    for (i = bn; i > 0; i--)
        if (base[i - 1] == '/')
            break;
    base += i;
    bn -= i;
    for (i = 0; i < sizeof(nologin) / sizeof(nologin[0]); i++)
        if (bn == strlen(nologin[i]) && memcmp(base, nologin[i], bn) == 0)
            return 0;
    return 1;
}

/* A line of a colon-separated account file worth parsing: not blank, not
 * a comment; a NUL makes it malformed. Returns 1 to parse, 0 to skip. */
static int imagefs_read_account_line(const char *s, size_t n, size_t *malformed)
{
    if (imagefs_read_blank(s, n) || s[0] == '#')
        return 0;
    if (imagefs_read_has_nul(s, n)) {
        imagefs_read_count(malformed);
        return 0;
    }
    return 1;
}

json_t *imagefs_read_passwd(const char *buf, size_t len, size_t *malformed)
{
    struct imagefs_read_iter it;
    json_t *users = json_array();
    const char *s, *f[READ_MAX_FIELDS];
    size_t n, fl[READ_MAX_FIELDS];
    int64_t uid, gid;

    if (!users)
        return NULL;
    imagefs_read_iter_init(&it, buf, len);
    while (imagefs_read_line(&it, &s, &n)) {
        json_t *u;
        int rc = 0;

        if (!imagefs_read_account_line(s, n, malformed))
            continue;
        if (imagefs_read_split(s, n, ':', f, fl, 7) != 7 || fl[0] == 0 ||
            imagefs_read_id(f[2], fl[2], &uid) ||
            imagefs_read_id(f[3], fl[3], &gid)) {
            imagefs_read_count(malformed);
            continue;
        }
        u = json_object();
        rc |= json_object_set_new(u, "type", json_string("user"));
        rc |= imagefs_read_set(u, "name", f[0], fl[0]);
        rc |= json_object_set_new(u, "uid", json_integer(uid));
        rc |= json_object_set_new(u, "gid", json_integer(gid));
        rc |= imagefs_read_set(u, "home", f[5], fl[5]);
        rc |= imagefs_read_set(u, "shell", f[6], fl[6]);
        rc |= json_object_set_new(
            u, "login_shell",
            json_boolean(imagefs_read_login_shell(f[6], fl[6])));
        rc |= json_object_set_new(
            u, "password",
            json_string(fl[1] == 1 && f[1][0] == 'x'
                            ? "unknown"
                            : imagefs_read_password_state(f[1], fl[1])));
        if (rc || json_array_append_new(users, u)) {
            json_decref(users);
            return NULL;
        }
    }
    return users;
}

json_t *imagefs_read_group(const char *buf, size_t len, size_t *malformed)
{
    struct imagefs_read_iter it;
    json_t *groups = json_array();
    const char *s, *f[READ_MAX_FIELDS];
    size_t n, fl[READ_MAX_FIELDS];
    int64_t gid;

    if (!groups)
        return NULL;
    imagefs_read_iter_init(&it, buf, len);
    while (imagefs_read_line(&it, &s, &n)) {
        json_t *g, *members;
        const char *m, *mend;
        int rc = 0;

        if (!imagefs_read_account_line(s, n, malformed))
            continue;
        if (imagefs_read_split(s, n, ':', f, fl, 4) != 4 || fl[0] == 0 ||
            imagefs_read_id(f[2], fl[2], &gid)) {
            imagefs_read_count(malformed);
            continue;
        }
        g = json_object();
        members = json_array();
        for (m = f[3], mend = f[3] + fl[3]; m < mend;) {
            const char *c = memchr(m, ',', (size_t)(mend - m));
            const char *w = m;
            size_t wn = (size_t)((c ? c : mend) - m);

            imagefs_read_trim(&w, &wn);
            if (wn)
                rc |= json_array_append_new(members, json_stringn_lossy(w, wn));
            m = c ? c + 1 : mend;
        }
        rc |= json_object_set_new(g, "type", json_string("group"));
        rc |= imagefs_read_set(g, "name", f[0], fl[0]);
        rc |= json_object_set_new(g, "gid", json_integer(gid));
        rc |= json_object_set_new(g, "members", members);
        if (rc || json_array_append_new(groups, g)) {
            json_decref(groups);
            return NULL;
        }
    }
    return groups;
}

json_t *imagefs_read_shadow(const char *buf, size_t len, size_t *malformed)
{
    struct imagefs_read_iter it;
    json_t *states = json_object();
    const char *s, *f[READ_MAX_FIELDS];
    size_t n, fl[READ_MAX_FIELDS], nf;

    if (!states)
        return NULL;
    imagefs_read_iter_init(&it, buf, len);
    while (imagefs_read_line(&it, &s, &n)) {
        json_t *name;

        if (!imagefs_read_account_line(s, n, malformed))
            continue;
        /* name:password:lastchg:min:max:warn:inactive:expire:reserved */
        nf = imagefs_read_split(s, n, ':', f, fl, 9);
        if (nf < 2 || nf > 9 || fl[0] == 0) {
            imagefs_read_count(malformed);
            continue;
        }
        name = json_stringn_lossy(f[0], fl[0]);
        if (!name) {
            json_decref(states);
            return NULL;
        }
        if (!json_object_get(states, json_string_value(name)) &&
            json_object_set_new(
                states, json_string_value(name),
                json_string(imagefs_read_password_state(f[1], fl[1])))) {
            json_decref(name);
            json_decref(states);
            return NULL;
        }
        json_decref(name);
    }
    return states;
}

/* ---- os-release ------------------------------------------------------ */

/* One shell-like value into v; -1 when a quote is not closed. */
static int imagefs_read_os_value(const char *s, size_t n, struct strbuf *v)
{
    size_t i = 0;

    sb_setlen(v, 0);
    sb_add(v, "", 0);
    while (i < n && !imagefs_read_space(s[i])) {
        char c = s[i++];

        if (c == '"') {
            while (i < n && s[i] != '"') {
                if (s[i] == '\\' && i + 1 < n &&
                    memchr("\"\\$`", s[i + 1], 4) != NULL)
                    i++;
                sb_add(v, s + i++, 1);
            }
            if (i++ >= n)
                return -1;
        } else if (c == '\'') {
            const char *q = i < n ? memchr(s + i, '\'', n - i) : NULL;
            if (!q)
                return -1;
            sb_add(v, s + i, (size_t)(q - (s + i)));
            i = (size_t)(q - s) + 1;
        } else if (c == '\\') {
            if (i < n)
                sb_add(v, s + i++, 1);
        } else {
            sb_add(v, &c, 1);
        }
    }
    return 0;
}

/* The key=value pairs as an object of lossy strings. */
static json_t *imagefs_read_os_pairs(const char *buf, size_t len,
                                     size_t *malformed)
{
    struct imagefs_read_iter it;
    struct strbuf key = STRBUF_INIT, v = STRBUF_INIT;
    json_t *kv = json_object();
    const char *s;
    size_t n, k;

    imagefs_read_iter_init(&it, buf, len);
    while (kv && imagefs_read_line(&it, &s, &n)) {
        imagefs_read_trim(&s, &n);
        if (n == 0 || s[0] == '#')
            continue;
        for (k = 0; k < n && (s[k] == '_' || (s[k] >= 'A' && s[k] <= 'Z') ||
                              (s[k] >= 'a' && s[k] <= 'z') ||
                              (k > 0 && s[k] >= '0' && s[k] <= '9'));
             k++)
            ;
        if (k == 0 || k >= n || s[k] != '=' || imagefs_read_has_nul(s, n) ||
            imagefs_read_os_value(s + k + 1, n - k - 1, &v)) {
            imagefs_read_count(malformed);
            continue;
        }
        sb_setlen(&key, 0);
        sb_add(&key, s, k);
        if (json_object_set_new(kv, key.buf,
                                json_stringn_lossy(v.buf, v.len))) {
            json_decref(kv);
            kv = NULL;
        }
    }
    sb_release(&key);
    sb_release(&v);
    return kv;
}

json_t *imagefs_read_os_release(const char *buf, size_t len, const char *source,
                                size_t *malformed)
{
    static const struct {
        const char *key, *field;
    } map[] = {{"ID", "id"},
               {"VERSION_ID", "version_id"},
               {"PRETTY_NAME", "pretty_name"},
               {"NAME", "name"},
               {"VERSION_CODENAME", "version_codename"}};
    json_t *kv = imagefs_read_os_pairs(buf, len, malformed);
    json_t *doc = json_object(), *like = json_array(), *v;
    const char *w, *end;
    size_t i;
    int rc = 0;

    if (!kv || !doc || !like) {
        rc = -1;
        goto out;
    }
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
        v = json_object_get(kv, map[i].key);
        rc |= json_object_set_new(doc, map[i].field,
                                  v ? json_incref(v) : json_null());
    }
    v = json_object_get(kv, "ID_LIKE");
    w = v ? json_string_value(v) : "";
    for (end = w + strlen(w); w < end;) {
        size_t wn = 0;
        while (w < end && imagefs_read_space(*w))
            w++;
        while (w + wn < end && !imagefs_read_space(w[wn]))
            wn++;
        if (wn)
            rc |= json_array_append_new(like, json_stringn(w, wn));
        w += wn;
    }
    rc |= json_object_set_new(doc, "id_like", like);
    like = NULL;
    rc |= json_object_set_new(doc, "source", json_string_lossy(source));
out:
    json_decref(kv);
    json_decref(like);
    if (rc) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- sniffers -------------------------------------------------------- */

int imagefs_read_private_key(const void *buf, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    const char *p = buf, *end = p ? p + len : p;

    while (p && end - p >= (ptrdiff_t)sizeof(begin) - 1) {
        const char *m = memchr(p, '-', (size_t)(end - p)), *label, *q;
        size_t ln;

        if (!m || end - m < (ptrdiff_t)sizeof(begin) - 1)
            return 0;
        p = m + 1;
        if (memcmp(m, begin, sizeof(begin) - 1) != 0)
            continue;
        label = q = m + sizeof(begin) - 1;
        while (
            q < end && q - label < 64 &&
            ((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || *q == ' '))
            q++;
        if (end - q < 5 || memcmp(q, "-----", 5) != 0)
            continue;
        ln = (size_t)(q - label);
        if (ln >= 11 && memcmp(q - 11, "PRIVATE KEY", 11) == 0 &&
            (ln == 11 || q[-12] == ' '))
            return 1;
        if (ln == 21 && memcmp(label, "PGP PRIVATE KEY BLOCK", 21) == 0)
            return 1;
    }
    return 0;
}

/* "${NAME}" or "$NAME": a reference filled in at run time, not a secret. */
static int imagefs_read_env_ref(const char *v, size_t n)
{
    size_t i, start = 1, stop = n;

    if (n < 2 || v[0] != '$')
        return 0;
    if (v[1] == '{') {
        if (n < 4 || v[n - 1] != '}')
            return 0;
        start = 2;
        stop = n - 1;
    }
    for (i = start; i < stop; i++)
        if (!(v[i] == '_' || (v[i] >= 'A' && v[i] <= 'Z') ||
              (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= '0' && v[i] <= '9')))
            return 0;
    return stop > start;
}

int imagefs_read_secret_line(const void *buf, size_t len)
{
    static const char *const keys[] = {"_authtoken", "_auth", "_password",
                                       "password", "token"};
    struct imagefs_read_iter it;
    const char *s, *sep, *k, *v;
    size_t n, kn, vn, i;

    imagefs_read_iter_init(&it, buf, len);
    while (imagefs_read_line(&it, &s, &n)) {
        imagefs_read_trim(&s, &n);
        if (n == 0 || s[0] == '#' || s[0] == ';')
            continue;
        sep = memchr(s, '=', n);
        if (!sep) { /* .pypirc (configparser) also takes "key: value" */
            sep = memchr(s, ':', n);
            if (!sep)
                continue;
        }
        k = s;
        kn = (size_t)(sep - s);
        for (i = kn; i > 0 && k[i - 1] != ':'; i--)
            ; /* npm: "//registry.example/:_authToken" */
        k += i;
        kn -= i;
        imagefs_read_trim(&k, &kn);
        v = sep + 1;
        vn = (size_t)(s + n - v);
        imagefs_read_trim(&v, &vn);
        if (vn >= 2 && (v[0] == '"' || v[0] == '\'') && v[vn - 1] == v[0]) {
            v++;
            vn -= 2;
        }
        if (vn == 0 || imagefs_read_env_ref(v, vn))
            continue;
        for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
            if (imagefs_read_eq_ci(k, kn, keys[i]))
                return 1;
    }
    return 0;
}

/* ---- resources ------------------------------------------------------- */

int imagefs_read_resource(json_t *out, const char *kind, const char *name,
                          json_t *doc)
{
    json_t *r = json_object();
    int rc = !doc || !r;

    rc |= json_object_set_new(r, "kind", json_string(kind));
    rc |= json_object_set_new(r, "name", json_string_lossy(name));
    rc |= json_object_set_new(r, "doc", doc);
    rc |= json_array_append_new(out, r);
    return rc ? -1 : 0;
}

/* Appends "PREFIX:NAME" resources of the documents in arr. */
static int imagefs_read_account_res(json_t *arr, const char *prefix,
                                    json_t *out)
{
    struct strbuf name = STRBUF_INIT;
    json_t *a;
    size_t i;
    int rc = 0;

    json_array_foreach(arr, i, a)
    {
        sb_setlen(&name, 0);
        sb_addf(&name, "%s:%s", prefix,
                json_string_value(json_object_get(a, "name")));
        rc |= imagefs_read_resource(out, "image/Account", name.buf,
                                    json_incref(a));
    }
    sb_release(&name);
    return rc;
}

int imagefs_read_accounts(const char *pw, size_t pwn, const char *gr,
                          size_t grn, const char *sh, size_t shn, json_t *out,
                          json_t *malformed)
{
    json_t *users = NULL, *groups = NULL, *states = NULL, *a;
    size_t i, bad;
    int rc = 0;

#define READ_ONE(buf, n, var, fn, key)                                         \
    if (buf) {                                                                 \
        bad = 0;                                                               \
        var = fn(buf, n, &bad);                                                \
        rc |= var ? 0 : -1;                                                    \
        rc |= json_object_set_new(malformed, key,                              \
                                  json_integer((json_int_t)bad));              \
    }
    READ_ONE(sh, shn, states, imagefs_read_shadow, "shadow")
    READ_ONE(pw, pwn, users, imagefs_read_passwd, "passwd")
    READ_ONE(gr, grn, groups, imagefs_read_group, "group")
#undef READ_ONE
    json_array_foreach(users, i, a)
    {
        const char *u = json_string_value(json_object_get(a, "name"));
        const char *p = json_string_value(json_object_get(a, "password"));
        json_t *st = json_object_get(states, u);

        if (st && p && strcmp(p, "unknown") == 0)
            rc |= json_object_set(a, "password", st);
    }
    rc |= imagefs_read_account_res(users, "user", out);
    rc |= imagefs_read_account_res(groups, "group", out);
    json_decref(users);
    json_decref(groups);
    json_decref(states);
    return rc ? -1 : 0;
}

/* Adds the purl; names the resource "deb:NAME", or "deb:NAME:ARCH" when
 * several architectures of NAME are installed (multiarch). */
static int imagefs_read_package(json_t *p, const json_t *os,
                                const json_t *count, json_t *out)
{
    const char *eco = json_string_value(json_object_get(p, "ecosystem"));
    const char *name = json_string_value(json_object_get(p, "name"));
    const char *arch = json_string_value(json_object_get(p, "arch"));
    const char *id = json_string_value(json_object_get(os, "id"));
    const char *vid = json_string_value(json_object_get(os, "version_id"));
    const char *code =
        json_string_value(json_object_get(os, "version_codename"));
    int deb = strcmp(eco, "deb") == 0, rc = 0;
    struct strbuf distro = STRBUF_INIT, rname = STRBUF_INIT;
    char *purl;

    if (vid && !*vid)
        vid = NULL;
    if (code && !*code)
        code = NULL;
    if (deb && id && *id && (vid || code))
        sb_addf(&distro, "%s-%s", id, vid ? vid : code);
    else if (!deb && vid)
        sb_adds(&distro, vid);
    purl = imagefs_read_purl(eco,
                             id && *id ? id
                             : deb     ? "debian"
                                       : "alpine",
                             name,
                             json_string_value(json_object_get(p, "version")),
                             arch, distro.buf);
    rc |= json_object_set_new(p, "purl", json_string_lossy(purl));
    sb_addf(&rname, "%s:%s", eco, name);
    if (json_integer_value(json_object_get(count, rname.buf)) > 1 && arch)
        sb_addf(&rname, ":%s", arch);
    rc |=
        imagefs_read_resource(out, "image/Package", rname.buf, json_incref(p));
    free(purl);
    sb_release(&distro);
    sb_release(&rname);
    return rc;
}

int imagefs_read_packages(json_t *pkgs, const json_t *os, json_t *out)
{
    struct strbuf key = STRBUF_INIT;
    json_t *count = json_object(), *p;
    size_t i;
    int rc = count ? 0 : -1;

    json_array_foreach(pkgs, i, p)
    {
        sb_setlen(&key, 0);
        sb_addf(&key, "%s:%s",
                json_string_value(json_object_get(p, "ecosystem")),
                json_string_value(json_object_get(p, "name")));
        rc |= json_object_set_new(
            count, key.buf,
            json_integer(json_integer_value(json_object_get(count, key.buf)) +
                         1));
    }
    json_array_foreach(pkgs, i, p) rc |=
        imagefs_read_package(p, os, count, out);
    json_decref(count);
    sb_release(&key);
    return rc ? -1 : 0;
}

struct imagefs_read_res {
    const char *kind, *name;
    json_t *r;
    size_t seq;
};

static int imagefs_read_res_cmp(const void *a, const void *b)
{
    const struct imagefs_read_res *x = a, *y = b;
    int c = strcmp(x->kind, y->kind);

    if (!c)
        c = strcmp(x->name, y->name);
    return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

json_t *imagefs_read_sort(const json_t *res)
{
    size_t n = json_array_size(res), i, k = 0;
    struct imagefs_read_res *v = xcalloc(n, sizeof(*v));
    json_t *arr = json_array();

    for (i = 0; i < n; i++) {
        json_t *r = json_array_get(res, i);
        const char *kind = json_string_value(json_object_get(r, "kind"));
        const char *name = json_string_value(json_object_get(r, "name"));
        if (!kind || !name)
            continue;
        v[k].kind = kind;
        v[k].name = name;
        v[k].r = r;
        v[k].seq = i;
        k++;
    }
    if (k)
        qsort(v, k, sizeof(*v), imagefs_read_res_cmp);
    for (i = 0; arr && i < k; i++) {
        if (i > 0 && strcmp(v[i - 1].kind, v[i].kind) == 0 &&
            strcmp(v[i - 1].name, v[i].name) == 0)
            continue; /* a name seen twice keeps its first */
        if (json_array_append(arr, v[i].r)) {
            json_decref(arr);
            arr = NULL;
        }
    }
    free(v);
    return arr;
}
