/*
 * userspec.c: a USER value judged as runc and containerd read it; the
 * rules are in userspec.h.
 */
#include "userspec.h"

#include <ctype.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "util.h"
#include "banned.h"

#define USERSPEC_MAX_ID 2147483647LL /* runc's maxId: 1<<31 - 1 */

/*
 * Go's strconv.Atoi: an optional sign then at least one decimal digit,
 * nothing else; 1 with *v set, 0 when not a number, -1 when out of int64
 * (Atoi's ErrRange: the runtimes then take the text as a name).
 */
static int userspec_atoi(const char *s, size_t n, long long *v)
{
    size_t i = 0;
    int neg = 0;
    unsigned long long acc = 0, lim;

    if (n && (s[0] == '+' || s[0] == '-')) {
        neg = s[0] == '-';
        i = 1;
    }
    if (i == n)
        return 0;
    lim =
        neg ? (unsigned long long)INT64_MAX + 1 : (unsigned long long)INT64_MAX;
    for (; i < n; i++) {
        unsigned d;
        if (!isdigit((unsigned char)s[i]))
            return 0;
        d = (unsigned)(s[i] - '0');
        if (acc > (lim - d) / 10) {
            for (; i < n; i++) /* still a number: Atoi says ErrRange */
                if (!isdigit((unsigned char)s[i]))
                    return 0;
            return -1;
        }
        acc = acc * 10 + d;
    }
    *v = neg ? (long long)(0 - acc) : (long long)acc;
    return 1;
}

void userspec_parse(const char *s, size_t n, struct userspec *u)
{
    const char *colon = memchr(s, ':', n);
    size_t un = colon ? (size_t)(colon - s) : n;
    long long v = 0;
    int num;

    u->uid = -1;
    u->user_len = un;
    u->reason = NULL;
    if (n == 0) {
        u->status = USERSPEC_NONE;
        u->reason = "sets no user: the container runs as root (uid 0)";
        return;
    }
    if (un == 0) {
        u->status = USERSPEC_ROOT;
        u->uid = 0;
        u->reason = "has an empty user part: the runtime keeps uid 0 (root)";
        return;
    }
    num = userspec_atoi(s, un, &v);
    if (num == 1) {
        uint32_t w = (uint32_t)(unsigned long long)v;
        if (v == 0) {
            u->status = USERSPEC_ROOT;
            u->uid = 0;
            u->reason = un == 1 ? "is uid 0 (root)"
                                : "is uid 0 (root): the runtimes read it with "
                                  "Go's strconv.Atoi, which takes a sign and "
                                  "leading zeros";
        } else if (v < 0 || v > USERSPEC_MAX_ID) {
            u->uid = w;
            if (w == 0) {
                u->status = USERSPEC_ROOT;
                u->reason = "is uid 0 (root) where containerd converts it "
                            "with uint32(); runc refuses it";
            } else {
                u->status = USERSPEC_INVALID;
                u->reason = "is outside the uid range 0..2147483647: runc "
                            "refuses it, containerd may wrap it to another "
                            "uid";
            }
        } else {
            u->status = USERSPEC_NONROOT;
            u->uid = v;
        }
        return;
    }
    if (num == -1) {
        u->status = USERSPEC_INVALID;
        u->reason = "is too large for a uid: the runtimes take it as a user "
                    "name, which no /etc/passwd holds";
        return;
    }
    if ((un == 4 && memcmp(s, "root", 4) == 0) ||
        (un == 22 && strncasecmp(s, "ContainerAdministrator", 22) == 0)) {
        u->status = USERSPEC_ROOT;
        u->uid = 0;
        u->reason = un == 4 ? "is root (uid 0)"
                            : "is ContainerAdministrator, Windows' root";
        return;
    }
    u->status = USERSPEC_NAME;
}

const char *userspec_status_name(enum userspec_status st)
{
    static const char *const names[] = {
        [USERSPEC_NONE] = "none",       [USERSPEC_ROOT] = "root",
        [USERSPEC_NONROOT] = "nonroot", [USERSPEC_NAME] = "name",
        [USERSPEC_INVALID] = "invalid", [USERSPEC_UNRESOLVED] = "unresolved"};
    return names[st];
}

json_t *userspec_json(const char *s, size_t n, const struct userspec *u,
                      int quote, const char *note)
{
    struct strbuf sb = STRBUF_INIT;
    json_t *o = json_object();

    if (!o)
        return NULL;
    if (u->status == USERSPEC_NONE)
        sb_adds(&sb, "no USER");
    else if (quote)
        sb_addf(&sb, "USER \"%.*s%s\"", (int)(n > 64 ? 64 : n), s,
                n > 64 ? "..." : "");
    else
        sb_adds(&sb, "USER (built from a secret, not shown)");
    if (u->reason)
        sb_addf(&sb, " %s", u->reason);
    else if (u->status == USERSPEC_NONROOT)
        sb_addf(&sb, " runs as uid %lld", u->uid);
    else if (u->status == USERSPEC_NAME)
        sb_adds(&sb, " names a user the image's /etc/passwd resolves");
    if (note)
        sb_addf(&sb, "; %s", note);
    if (json_object_set_new(o, "status",
                            json_string(userspec_status_name(u->status))) ||
        json_object_set_new(o, "uid",
                            u->uid >= 0 ? json_integer(u->uid) : json_null()) ||
        json_object_set_new(o, "reason", json_string_lossy(sb_str(&sb)))) {
        json_decref(o);
        o = NULL;
    }
    sb_release(&sb);
    return o;
}
