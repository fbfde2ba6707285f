/*
 * redact_cmd.c: credentials inside command lines; see redact.h (config
 * text is redact_text.c). A command is read as words, the way a shell would
 * split it closely enough: quotes group, and ; && || | & ( ) and newlines end a
 * command. Each word is judged with what came before it in the same
 * command (the command's name, a flag that takes the next word), and only
 * the credential part of a word is replaced: "--password=" and the
 * "https://user:" and "@host" around a URL's password stay, so rules and
 * people still see what was there.
 *
 * This runs on command fields (container command and args, Dockerfile
 * RUN, CMD, ENTRYPOINT, HEALTHCHECK, image Cmd and history) and on values
 * that carry a trigger, not on every scalar: most values never get here.
 */
#include "redact.h"
#include "redact_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

/* Nested quoted commands (sh -c "..." inside an argument) are scanned
 * again, this deep. */
#define REDACT_CMD_DEPTH 3

/* What the next word of the command is. */
enum redact_pending {
    REDACT_NEXT_NONE,
    REDACT_NEXT_WHOLE,  /* a password: --password X, sshpass -p X */
    REDACT_NEXT_COLON,  /* user:password: curl -u X */
    REDACT_NEXT_HEADER, /* after "Authorization:": a scheme, then a token */
};

/* Commands whose short flags carry a password. */
enum redact_prog {
    REDACT_PROG_OTHER,
    REDACT_PROG_MYSQL,    /* -pX (attached only: -p alone prompts) */
    REDACT_PROG_SSHPASS,  /* -p X, -pX */
    REDACT_PROG_MONGO,    /* -p X */
    REDACT_PROG_REDIS,    /* -a X */
    REDACT_PROG_LDAP,     /* -w X */
    REDACT_PROG_CURL,     /* -u user:X, -U user:X */
    REDACT_PROG_HTPASSWD, /* -b FILE USER X, -nb USER X */
    REDACT_PROG_REGISTRY, /* docker login -p X */
    REDACT_PROG_ECHO,     /* echo user:X | chpasswd */
};

struct redact_cmd {
    int expect_prog; /* the next plain word names the program */
    enum redact_prog prog;
    enum redact_pending pending;
    int login;          /* "login" seen (docker, podman, helm registry) */
    int ht_batch, ht_n; /* htpasswd -b, -n */
    int positional;     /* plain words after the program */
    int chpasswd;       /* the line feeds chpasswd: echo user:X */
};

static const struct {
    const char *name;
    int prefix; /* mysqldump, mongosh, ldapsearch: the name starts so */
    enum redact_prog prog;
} redact_progs[] = {
    {"mysql", 1, REDACT_PROG_MYSQL},      {"mariadb", 1, REDACT_PROG_MYSQL},
    {"sshpass", 0, REDACT_PROG_SSHPASS},  {"mongo", 1, REDACT_PROG_MONGO},
    {"redis-cli", 0, REDACT_PROG_REDIS},  {"ldap", 1, REDACT_PROG_LDAP},
    {"curl", 0, REDACT_PROG_CURL},        {"htpasswd", 0, REDACT_PROG_HTPASSWD},
    {"docker", 0, REDACT_PROG_REGISTRY},  {"podman", 0, REDACT_PROG_REGISTRY},
    {"nerdctl", 0, REDACT_PROG_REGISTRY}, {"buildah", 0, REDACT_PROG_REGISTRY},
    {"skopeo", 0, REDACT_PROG_REGISTRY},  {"helm", 0, REDACT_PROG_REGISTRY},
    {"oras", 0, REDACT_PROG_REGISTRY},    {"crane", 0, REDACT_PROG_REGISTRY},
    {"regctl", 0, REDACT_PROG_REGISTRY},  {"echo", 0, REDACT_PROG_ECHO},
    {"printf", 0, REDACT_PROG_ECHO},
};

/* Words before the program that leave it still to come. */
static const char *const redact_wrappers[] = {
    "sudo", "exec", "env", "nohup", "time", "export", "command", "then", "do",
    "else", "!",
    /* a Dockerfile line or a history entry, read whole */
    "RUN", "CMD", "ENTRYPOINT", "HEALTHCHECK", "ONBUILD", NULL};

static int redact_cmd_is(const char *w, size_t n, const char *s)
{
    return strlen(s) == n && memcmp(w, s, n) == 0;
}

static int redact_cmd_is_ci(const char *w, size_t n, const char *s)
{
    size_t i;

    if (strlen(s) != n)
        return 0;
    for (i = 0; i < n; i++)
        if (tolower((unsigned char)w[i]) != s[i])
            return 0;
    return 1;
}

/* true or false: --anonymous-auth=false switches, it holds nothing. */
static int redact_cmd_boolean(const char *w, size_t n)
{
    return redact_cmd_is_ci(w, n, "true") || redact_cmd_is_ci(w, n, "false");
}

/* The program a word names (its base name), or -1 for a wrapper. */
static int redact_cmd_prog(const char *w, size_t n)
{
    size_t i;

    for (i = n; i > 0; i--) {
        if (w[i - 1] == '/') {
            w += i;
            n -= i;
            break;
        }
    }
    if (n == 0)
        return REDACT_PROG_OTHER;
    /* the first byte first: this runs for the first word of every
     * command */
    for (i = 0; redact_wrappers[i]; i++)
        if (w[0] == redact_wrappers[i][0] &&
            redact_cmd_is(w, n, redact_wrappers[i]))
            return -1;
    for (i = 0; i < sizeof(redact_progs) / sizeof(redact_progs[0]); i++) {
        const char *name = redact_progs[i].name;
        size_t k;
        if (w[0] != name[0])
            continue;
        k = strlen(name);
        if (n >= k && memcmp(w, name, k) == 0 &&
            (n == k || redact_progs[i].prefix))
            return (int)redact_progs[i].prog;
    }
    return REDACT_PROG_OTHER;
}

/* redact_name_is_secret on n bytes. */
int redact_cmd_name_secret(const char *s, size_t n)
{
    char name[128];

    if (n == 0)
        return 0;
    if (n >= sizeof(name))
        n = sizeof(name) - 1;
    memcpy(name, s, n);
    name[n] = '\0';
    return redact_name_is_secret(name);
}

/* redact_value_is_secret on n bytes. */
static int redact_cmd_value_secret(const char *s, size_t n)
{
    char buf[256], *v = buf;
    int hit;

    if (n < 8) /* no token format is shorter */
        return 0;
    if (n < sizeof(buf)) {
        memcpy(buf, s, n);
        buf[n] = '\0';
    } else {
        v = xstrndup(s, n);
    }
    hit = redact_value_is_secret(v);
    if (v != buf)
        free(v);
    return hit;
}

/*
 * "scheme://user:password@host": where the password is in w (n bytes),
 * as *off and *len; 0 when there is none.
 */
static int redact_cmd_userinfo(const char *w, size_t n, size_t *off,
                               size_t *len)
{
    const char *p = w, *end = w + n;

    while ((p = memchr(p, ':', (size_t)(end - p))) != NULL) {
        const char *u = p + 3, *at = NULL, *colon = NULL, *q;
        if ((size_t)(end - p) < 3 || p[1] != '/' || p[2] != '/') {
            p++;
            continue;
        }
        /* The authority ends at the first / ? # or space. */
        for (q = u; q < end && *q != '/' && *q != '?' && *q != '#'; q++) {
            if (*q == '@')
                at = q;
            else if (*q == ':' && !at && !colon)
                colon = q;
        }
        if (at && colon && colon < at && at > colon + 1) {
            *off = (size_t)(colon + 1 - w);
            *len = (size_t)(at - colon - 1);
            return 1;
        }
        p = u;
    }
    return 0;
}

static int redact_cmd_sep(char ch)
{
    return ch == ';' || ch == '&' || ch == '|' || ch == '(' || ch == ')' ||
           ch == '\n' || ch == '`';
}

/* The bytes the tokenising looks at outside quotes: quotes, backslash,
 * white space (isspace in the C locale) and separators. */
static const unsigned char redact_cmd_special[UCHAR_MAX + 1] = {
    ['"'] = 1,  ['\''] = 1, ['\\'] = 1, [' '] = 1,  ['\t'] = 1,
    ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [';'] = 1,
    ['&'] = 1,  ['|'] = 1,  ['('] = 1,  [')'] = 1,  ['`'] = 1,
};

/* Where a word ends in the tokenising (or in the quotes and exec-form
 * brackets redact_cmd_word strips): a ':' before one ends a word. */
static int redact_cmd_word_end(char ch)
{
    return isspace((unsigned char)ch) || redact_cmd_sep(ch) || ch == '"' ||
           ch == '\'' || ch == ',' || ch == ']';
}

/* How redact_cmd_may_hit reads a byte. */
enum {
    REDACT_B_START = 1, /* a word may start after it */
    REDACT_B_HIT = 2,   /* a hit, whatever is around it */
    REDACT_B_LOOK = 4,  /* a hit, depending on what is around it */
};

static const unsigned char redact_cmd_bytes[UCHAR_MAX + 1] = {
    [' '] = REDACT_B_START,
    ['\t'] = REDACT_B_START,
    ['\n'] = REDACT_B_START,
    ['\v'] = REDACT_B_START,
    ['\f'] = REDACT_B_START,
    ['\r'] = REDACT_B_START,
    [';'] = REDACT_B_START,
    ['&'] = REDACT_B_START,
    ['|'] = REDACT_B_START,
    ['('] = REDACT_B_START,
    [')'] = REDACT_B_START,
    ['`'] = REDACT_B_START,
    ['"'] = REDACT_B_START,
    ['\''] = REDACT_B_START,
    ['['] = REDACT_B_START,
    [','] = REDACT_B_START,
    ['='] = REDACT_B_HIT,
    ['@'] = REDACT_B_HIT,
    [':'] = REDACT_B_START | REDACT_B_LOOK,
    ['-'] = REDACT_B_LOOK,
    ['p'] = REDACT_B_LOOK,
    ['P'] = REDACT_B_LOOK,
    ['c'] = REDACT_B_LOOK,
};

/*
 * 0 when nothing in s (n bytes) can be replaced by redact_shell, judged
 * by its bytes alone: most values and config lines (hostnames, paths,
 * identifiers with '-' and '_') hold none of what a replacement needs,
 * and skip the tokenising. A replacement needs one of: a word that
 * starts with '-' (a flag) or like a token format (redact_value_prefix),
 * an assignment's '=', a URL's '@', "-----BEGIN" (a private key),
 * "password" in any case, "pass:", "chpasswd", or a ':' that ends a word
 * (a header name). Words are taken to start after every byte a word of
 * the tokenising, of a quoted command or of an exec form can start
 * after, and after some more: a substring of s (a quoted command, an
 * exec-form word) can hold no more of these than s.
 */
static int redact_cmd_may_hit(const char *s, size_t n)
{
    size_t i = 0;
    int start = 1; /* s[i] may start a word */

    while (i < n) {
        unsigned char k = redact_cmd_bytes[(unsigned char)s[i]];
        if (start && (s[i] == '-' || redact_value_prefix(s + i, n - i)))
            return 1;
        if (!k) {
            /* up to the next byte of the table: no word starts before */
            while (++i < n && !redact_cmd_bytes[(unsigned char)s[i]])
                ;
            start = 0;
            continue;
        }
        start = k & REDACT_B_START;
        if (k & REDACT_B_HIT)
            return 1;
        switch (k & REDACT_B_LOOK ? s[i] : 0) {
        case ':':
            if (i + 1 == n || redact_cmd_word_end(s[i + 1]))
                return 1;
            break;
        case '-': /* a flag, at a word's start, was seen above */
            if (n - i >= 10 && memcmp(s + i, "-----BEGIN", 10) == 0)
                return 1;
            break;
        case 'p':
            if (n - i >= 5 && memcmp(s + i, "pass:", 5) == 0)
                return 1;
            /* fall through */
        case 'P':
            if (n - i >= 8 && redact_cmd_is_ci(s + i, 8, "password"))
                return 1;
            break;
        case 'c':
            if (n - i >= 8 && memcmp(s + i, "chpasswd", 8) == 0)
                return 1;
            break;
        default:
            break;
        }
        i++;
    }
    return 0;
}

static int redact_cmd_tail(struct redact_span *sp, size_t n, size_t off)
{
    if (off >= n)
        return 0;
    sp->off = off;
    sp->len = n - off;
    return 1;
}

/* A flag that takes the next word: "-p" for this program, "--token". */
static enum redact_pending redact_cmd_flag(struct redact_cmd *c, const char *w,
                                           size_t n, struct redact_span *sp,
                                           int *hit)
{
    const char *name = w;
    size_t nn = n;
    char f = n >= 2 ? w[1] : 0;

    *hit = 0;
    while (nn && *name == '-') {
        name++;
        nn--;
    }
    if (memchr(w, '=', n)) /* --mount=type=secret: its value is its own */
        return REDACT_NEXT_NONE;
    if (n >= 2 && w[1] != '-') { /* short flags: -pX, -p X */
        int attached = n > 2, sep = n == 2;
        switch (c->prog) {
        case REDACT_PROG_MYSQL:
            if (f == 'p' && attached)
                *hit = redact_cmd_tail(sp, n, 2);
            return REDACT_NEXT_NONE;
        case REDACT_PROG_SSHPASS:
        case REDACT_PROG_MONGO:
        case REDACT_PROG_REGISTRY:
            if (f != 'p' || (c->prog == REDACT_PROG_REGISTRY && !c->login))
                break;
            if (attached)
                *hit = redact_cmd_tail(sp, n, 2);
            return sep ? REDACT_NEXT_WHOLE : REDACT_NEXT_NONE;
        case REDACT_PROG_REDIS:
        case REDACT_PROG_LDAP:
            if (f != (c->prog == REDACT_PROG_REDIS ? 'a' : 'w'))
                break;
            if (attached)
                *hit = redact_cmd_tail(sp, n, 2);
            return sep ? REDACT_NEXT_WHOLE : REDACT_NEXT_NONE;
        case REDACT_PROG_CURL:
            if (f != 'u' && f != 'U')
                break;
            if (attached && memchr(w, ':', n))
                *hit = redact_cmd_tail(
                    sp, n, (size_t)((const char *)memchr(w, ':', n) - w) + 1);
            return sep ? REDACT_NEXT_COLON : REDACT_NEXT_NONE;
        case REDACT_PROG_HTPASSWD:
            if (memchr(w, 'b', n))
                c->ht_batch = 1;
            if (memchr(w, 'n', n))
                c->ht_n = 1;
            return REDACT_NEXT_NONE;
        default:
            break;
        }
    }
    if (c->prog == REDACT_PROG_CURL &&
        (redact_cmd_is(w, n, "--user") || redact_cmd_is(w, n, "--proxy-user")))
        return REDACT_NEXT_COLON;
    /* --password X, --db-password X, -token X; not the ones that name
     * where the secret is (--password-stdin, --token-file). */
    if (nn && redact_cmd_name_secret(name, nn)) {
        static const char *const where[] = {"stdin", "file", "path", "env",
                                            "ref",   "name", NULL};
        size_t i;
        for (i = 0; where[i]; i++) {
            size_t k = strlen(where[i]);
            if (nn > k + 1 && memcmp(name + nn - k, where[i], k) == 0 &&
                (name[nn - k - 1] == '-' || name[nn - k - 1] == '_'))
                return REDACT_NEXT_NONE;
        }
        return REDACT_NEXT_WHOLE;
    }
    return REDACT_NEXT_NONE;
}

/*
 * Judges one word of a command (quotes included, as written) and says
 * which part of it to replace. Updates the command's state.
 */
static int redact_cmd_word(struct redact_cmd *c, const char *w, size_t n,
                           struct redact_span *sp)
{
    enum redact_pending pend;
    const char *eq;
    int hit = 0, prog, plain;

    /* Quotes around the whole word do not change what it is, nor the
     * brackets and commas of an exec form (CMD ["app", "--token", "X"]). */
    if (n >= 2 && (w[0] == '[' || w[n - 1] == ',' || w[n - 1] == ']' ||
                   ((w[0] == '"' || w[0] == '\'') && w[n - 1] == w[0]))) {
        size_t a = 0, b = n;
        int r;
        if (w[0] == '[')
            a++;
        while (b > a && (w[b - 1] == ',' || w[b - 1] == ']'))
            b--;
        if (b - a >= 2 && (w[a] == '"' || w[a] == '\'') && w[b - 1] == w[a]) {
            a++;
            b--;
        }
        if (b <= a)
            return 0;
        r = redact_cmd_word(c, w + a, b - a, sp);
        if (r)
            sp->off += a;
        return r;
    }
    pend = c->pending;
    c->pending = REDACT_NEXT_NONE;
    /* --enable-token-auth --port 80, --auth-flag true: a flag's switch,
     * not its value */
    if ((pend == REDACT_NEXT_WHOLE || pend == REDACT_NEXT_COLON) &&
        (redact_cmd_boolean(w, n) ||
         (n > 1 && w[0] == '-' &&
          (w[1] == '-' || isalpha((unsigned char)w[1])))))
        pend = REDACT_NEXT_NONE;
    if (pend == REDACT_NEXT_WHOLE)
        return redact_cmd_tail(sp, n, 0);
    if (pend == REDACT_NEXT_COLON) {
        const char *colon = memchr(w, ':', n);
        return colon && redact_cmd_tail(sp, n, (size_t)(colon - w) + 1);
    }
    if (pend == REDACT_NEXT_HEADER) {
        static const char *const schemes[] = {"bearer", "basic", "token",
                                              "digest", "bot",   NULL};
        size_t i;
        for (i = 0; schemes[i]; i++) {
            if (redact_cmd_is_ci(w, n, schemes[i])) {
                c->pending = REDACT_NEXT_WHOLE;
                return 0;
            }
        }
        return redact_cmd_tail(sp, n, 0);
    }
    /* A word with none of the bytes a credential needs (most words) can
     * only be the program or a plain argument: none of what follows up to
     * that applies to it. */
    plain = !redact_cmd_may_hit(w, n);
    if (plain)
        goto place;
    if (redact_cmd_userinfo(w, n, &sp->off, &sp->len))
        return 1;
    if (redact_cmd_value_secret(w, n))
        return redact_cmd_tail(sp, n, 0);
    /* NAME=VALUE: an assignment (export X=, X=v cmd), --flag=VALUE,
     * -Ddb.password=VALUE. */
    if ((eq = memchr(w, '=', n)) != NULL && eq > w) {
        const char *name = w;
        while (name < eq && *name == '-')
            name++;
        if (eq + 1 < w + n &&
            !redact_cmd_boolean(eq + 1, (size_t)(w + n - eq - 1)) &&
            (redact_cmd_name_secret(name, (size_t)(eq - name)) ||
             redact_cmd_value_secret(eq + 1, (size_t)(w + n - eq - 1))))
            return redact_cmd_tail(sp, n, (size_t)(eq + 1 - w));
        if (c->prog == REDACT_PROG_CURL && (size_t)(eq - w) == 6 &&
            memcmp(w, "--user", 6) == 0 &&
            memchr(eq, ':', (size_t)(w + n - eq)))
            return redact_cmd_tail(
                sp, n,
                (size_t)((const char *)memchr(eq, ':', (size_t)(w + n - eq)) -
                         w) +
                    1);
        if (w[0] != '-')
            return 0; /* an assignment: the program is still to come */
    }
    /* openssl -passin pass:X */
    if (n > 5 && memcmp(w, "pass:", 5) == 0)
        return redact_cmd_tail(sp, n, 5);
    /* -H "Authorization: Bearer X", X-Auth-Token: X */
    if (n > 1 && w[n - 1] == ':' &&
        (redact_cmd_is_ci(w, n - 1, "authorization") ||
         redact_cmd_is_ci(w, n - 1, "proxy-authorization") ||
         redact_cmd_name_secret(w, n - 1))) {
        c->pending = REDACT_NEXT_HEADER;
        return 0;
    }
    if (w[0] == '-' && n > 1) {
        c->pending = redact_cmd_flag(c, w, n, sp, &hit);
        return hit;
    }
place:
    if (c->expect_prog) {
        prog = redact_cmd_prog(w, n);
        if (prog >= 0) {
            c->prog = (enum redact_prog)prog;
            c->expect_prog = 0;
        }
        return 0;
    }
    if (c->prog == REDACT_PROG_REGISTRY && redact_cmd_is(w, n, "login"))
        c->login = 1;
    c->positional++;
    /* .netrc: machine h login u password X */
    if (!plain && redact_cmd_is_ci(w, n, "password")) {
        c->pending = REDACT_NEXT_WHOLE;
        return 0;
    }
    if (c->prog == REDACT_PROG_ECHO && c->chpasswd && n > 2) {
        const char *colon = memchr(w, ':', n);
        if (colon && colon > w)
            return redact_cmd_tail(sp, n, (size_t)(colon - w) + 1);
    }
    if (c->prog == REDACT_PROG_HTPASSWD && c->ht_batch &&
        c->positional == (c->ht_n ? 2 : 3))
        return redact_cmd_tail(sp, n, 0);
    return 0;
}

static void redact_cmd_reset(struct redact_cmd *c)
{
    memset(c, 0, sizeof(*c));
    c->expect_prog = 1;
}

/* Appends the marker for w[0, n), quotes around it left out of the hash. */
void redact_cmd_marker(struct strbuf *out, const char *w, size_t n)
{
    json_t *r;

    if (n >= 2 && (w[0] == '"' || w[0] == '\'') && w[n - 1] == w[0]) {
        w++;
        n -= 2;
    }
    r = redact_value(w, n);
    sb_adds(out, json_string_value(r));
    json_decref(r);
}

static char *redact_shell_depth(const char *s, size_t n, int depth);

/*
 * 1 when the n bytes at v are only a reference to a value kept elsewhere
 * ($NAME, ${NAME}, {{ template }}, %(name)s, ENC(...)): no credential is
 * written there, so a credential-named setting holding one is not marked.
 * A default inside (${X:-value}) is a value and does not count.
 */
int redact_cmd_is_reference(const char *v, size_t n)
{
    size_t i, b = 0, e;

    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) {
        v++;
        n -= 2;
    }
    e = n;
    if (n >= 4 && memcmp(v, "{{", 2) == 0 && memcmp(v + n - 2, "}}", 2) == 0) {
        for (i = 2; i + 3 < n; i++)
            if (v[i] == '}' && v[i + 1] == '}')
                return 0;
        return 1;
    }
    if (n >= 5 && memcmp(v, "ENC(", 4) == 0 && v[n - 1] == ')')
        return memchr(v, '\n', n) == NULL;
    if (n >= 4 && memcmp(v, "%(", 2) == 0 && memcmp(v + n - 2, ")s", 2) == 0)
        b = 2, e = n - 2;
    else if (n >= 4 && memcmp(v, "${", 2) == 0 && v[n - 1] == '}')
        b = 2, e = n - 1;
    else if (n >= 2 && v[0] == '$')
        b = 1;
    else
        return 0;
    if (e <= b)
        return 0;
    for (i = b; i < e; i++)
        if (!(isalnum((unsigned char)v[i]) || v[i] == '_' || v[i] == '.'))
            return 0;
    return 1;
}

/*
 * Appends word w (n bytes) to out with its credential replaced and
 * returns 1, or returns 0 and appends nothing: most words have none, and
 * out is only written once one has. A quoted word that holds a command
 * (sh -c "...", -H "...") is read as one more command line.
 */
static int redact_cmd_emit(struct redact_cmd *c, struct strbuf *out,
                           const char *w, size_t n, int depth)
{
    struct redact_span sp = {0, 0};

    if (c->pending == REDACT_NEXT_NONE && n >= 2 &&
        (w[0] == '"' || w[0] == '\'') && w[n - 1] == w[0] &&
        memchr(w + 1, ' ', n - 2) && depth < REDACT_CMD_DEPTH) {
        char *inner = redact_shell_depth(w + 1, n - 2, depth + 1);
        if (inner) {
            sb_add(out, w, 1);
            sb_adds(out, inner);
            sb_add(out, w, 1);
            free(inner);
            c->expect_prog = 0;
            c->positional++;
            return 1;
        }
    }
    if (!redact_cmd_word(c, w, n, &sp)) {
        /* --header="Authorization: Bearer X", NAME="a b": a quoted part
         * with spaces at the end of the word is read as a command too */
        const char *q = n >= 3 && (w[n - 1] == '"' || w[n - 1] == '\'')
                            ? memchr(w, w[n - 1], n - 1)
                            : NULL;
        char *inner;
        if (!q || q == w || (w[n - 1] != '"' && w[n - 1] != '\'') ||
            depth >= REDACT_CMD_DEPTH ||
            !memchr(q + 1, ' ', (size_t)(w + n - 1 - q - 1)))
            return 0;
        inner =
            redact_shell_depth(q + 1, (size_t)(w + n - 1 - q - 1), depth + 1);
        if (!inner)
            return 0;
        sb_add(out, w, (size_t)(q + 1 - w));
        sb_adds(out, inner);
        sb_add(out, w + n - 1, 1);
        free(inner);
        return 1;
    }
    if (redact_cmd_is_reference(w + sp.off, sp.len))
        return 0; /* -p"$DB_PASS": the value is elsewhere */
    sb_add(out, w, sp.off);
    redact_cmd_marker(out, w + sp.off, sp.len);
    sb_add(out, w + sp.off + sp.len, n - sp.off - sp.len);
    return 1;
}

/* Where needle (k bytes) starts in s (n bytes), or NULL. */
const char *redact_find(const char *s, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    const char *p = s, *end = s + n;

    while (p + k <= end && (p = memchr(p, needle[0], (size_t)(end - p)))) {
        if ((size_t)(end - p) >= k && memcmp(p, needle, k) == 0)
            return p;
        p++;
    }
    return NULL;
}

/*
 * PEM private key blocks, header to footer, replaced whole: the base64
 * lines between are words no other test would catch (a heredoc, an echo
 * with \n). NULL when there is none.
 */
char *redact_key_blocks(const char *s, size_t n)
{
    struct strbuf out = STRBUF_INIT;
    const char *p = s, *end = s + n, *b;
    int any = 0;

    while ((b = redact_find(p, (size_t)(end - p), "-----BEGIN")) != NULL) {
        const char *hdr_end =
            redact_find(b + 10, (size_t)(end - b - 10), "-----");
        const char *foot, *stop;
        if (!hdr_end || !redact_find(b, (size_t)(hdr_end - b), "PRIVATE KEY")) {
            sb_add(&out, p, (size_t)(b + 10 - p));
            p = b + 10;
            continue;
        }
        foot = redact_find(hdr_end, (size_t)(end - hdr_end), "-----END");
        stop = foot ? redact_find(foot + 8, (size_t)(end - foot - 8), "-----")
                    : NULL;
        stop = stop ? stop + 5 : end;
        sb_add(&out, p, (size_t)(b - p));
        redact_cmd_marker(&out, b, (size_t)(stop - b));
        p = stop;
        any = 1;
    }
    if (!any) {
        sb_release(&out);
        return NULL;
    }
    sb_add(&out, p, (size_t)(end - p));
    return sb_detach(&out);
}

static char *redact_shell_depth(const char *s, size_t n, int depth)
{
    struct strbuf out = STRBUF_INIT, rep = STRBUF_INIT;
    struct redact_cmd c;
    size_t i = 0, done = 0; /* s[0, done) is in out */
    int chp;
    char *keys = NULL;

    if (!redact_cmd_may_hit(s, n))
        return NULL;
    if (redact_find(s, n, "PRIVATE KEY") &&
        (keys = redact_key_blocks(s, n)) != NULL) {
        char *more = redact_shell_depth(keys, strlen(keys), depth);
        if (more) {
            free(keys);
            return more;
        }
        return keys;
    }
    chp = redact_find(s, n, "chpasswd") != NULL;
    redact_cmd_reset(&c);
    c.chpasswd = chp;
    while (i < n) {
        size_t start = i;
        char q = 0;
        if (isspace((unsigned char)s[i]) && s[i] != '\n') {
            while (i < n && isspace((unsigned char)s[i]) && s[i] != '\n')
                i++;
            continue;
        }
        if (redact_cmd_sep(s[i])) {
            while (i < n && redact_cmd_sep(s[i]))
                i++;
            redact_cmd_reset(&c);
            c.chpasswd = chp;
            continue;
        }
        for (; i < n; i++) {
            /* most bytes are none of those the chain below tests */
            if (!q && !redact_cmd_special[(unsigned char)s[i]])
                continue;
            if (q) {
                if (s[i] == q)
                    q = 0;
                else if (s[i] == '\\' && q == '"' && i + 1 < n)
                    i++;
            } else if (s[i] == '"' || s[i] == '\'') {
                q = s[i];
            } else if (s[i] == '\\' && i + 1 < n) {
                i++;
            } else if (isspace((unsigned char)s[i]) || redact_cmd_sep(s[i])) {
                break;
            }
        }
        if (i > n)
            i = n;
        if (redact_cmd_emit(&c, &rep, s + start, i - start, depth)) {
            sb_add(&out, s + done, start - done);
            sb_add(&out, rep.buf, rep.len);
            sb_setlen(&rep, 0);
            done = i;
        }
    }
    sb_release(&rep);
    if (done == 0)
        return NULL;
    sb_add(&out, s + done, n - done);
    return sb_detach(&out);
}

char *redact_shell(const char *s, size_t n)
{
    return redact_shell_depth(s, n, 0);
}

size_t redact_argv(json_t *arr)
{
    struct redact_cmd c;
    size_t i, len = json_array_size(arr), hits = 0;

    redact_cmd_reset(&c);
    for (i = 0; i < len; i++) {
        json_t *a = json_array_get(arr, i);
        const char *s = json_string_value(a);
        size_t n = json_string_length(a);
        struct strbuf out = STRBUF_INIT;
        char *inner = NULL;
        int hit;

        if (!s) {
            if (c.pending != REDACT_NEXT_NONE && !json_is_null(a)) {
                json_array_set_new(arr, i, json_string("[redacted]"));
                hits++;
            }
            c.pending = REDACT_NEXT_NONE;
            continue;
        }
        /* An element that is a command of its own: sh -c "..." */
        if (c.pending == REDACT_NEXT_NONE && strpbrk(s, " \t\n;|&")) {
            inner = redact_shell(s, n);
            c.expect_prog = 0;
            c.positional++;
            if (inner) {
                json_array_set_new(arr, i, json_string_lossy(inner));
                free(inner);
                hits++;
            }
            continue;
        }
        hit = redact_cmd_emit(&c, &out, s, n, REDACT_CMD_DEPTH);
        if (hit) {
            json_array_set_new(arr, i, json_stringn_lossy(out.buf, out.len));
            hits++;
        }
        sb_release(&out);
    }
    return hits;
}

void redact_json_error(char *text)
{
    /* jansson quotes the text near the error ("near 'hunter2'"): that
     * may be a secret, so only the problem is kept. */
    char *near = strstr(text, " near ");

    if (near)
        *near = '\0';
}
