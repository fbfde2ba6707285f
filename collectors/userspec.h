/*
 * userspec.h: a container's USER value ("user", "uid", "user:group", ...)
 * judged the way the runtimes read it, shared by the Dockerfile parser
 * (after substitution) and the image collector (image/Config's User).
 *
 * runc (libcontainer/user, moby's getUser) and containerd (oci.WithUser)
 * split at ':' and read the user part with Go's strconv.Atoi: an optional
 * sign and decimal digits, so "+0", "-0" and "00" are uid 0. runc then
 * refuses a uid outside 0..2^31-1; containerd before its range check
 * converts with uint32(v), so 4294967296 runs as uid 0. An empty user part
 * keeps the process's default user, uid 0. A number Go cannot read (past
 * int64) is taken as a user name. Names are looked up in the image's
 * /etc/passwd, first match wins; "root" is uid 0 in every passwd file
 * fourc would accept, and ContainerAdministrator is Windows' root.
 */
#ifndef FOURC_USERSPEC_H
#define FOURC_USERSPEC_H

#include <stddef.h>

#include <jansson.h>

enum userspec_status {
    USERSPEC_NONE,       /* no USER: the runtime's default, root */
    USERSPEC_ROOT,       /* uid 0, however written */
    USERSPEC_NONROOT,    /* a uid other than 0 */
    USERSPEC_NAME,       /* a name to resolve against /etc/passwd */
    USERSPEC_INVALID,    /* the runtime refuses it */
    USERSPEC_UNRESOLVED, /* cannot be known statically */
};

struct userspec {
    enum userspec_status status;
    long long uid;      /* the uid when numeric (after uint32 wrap), or -1 */
    size_t user_len;    /* length of the user part */
    const char *reason; /* static: why root / invalid, or NULL */
};

/* Parses n bytes of s (a USER value, no substitution left). */
void userspec_parse(const char *s, size_t n, struct userspec *u);

/* The status's name: "none" "root" "nonroot" "name" "invalid"
 * "unresolved". */
const char *userspec_status_name(enum userspec_status st);

/*
 * The user_check object documents carry: {"status", "uid", "reason"},
 * the reason a sentence naming the value (quoted up to 64 bytes, or not at
 * all when quote is 0, for a value built from a secret) and, when given,
 * note appended after "; ". New reference, NULL when out of memory.
 */
json_t *userspec_json(const char *s, size_t n, const struct userspec *u,
                      int quote, const char *note);

#endif
