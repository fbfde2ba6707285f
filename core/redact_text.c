/*
 * redact_text.c: credentials in config files held in values (ConfigMap
 * data, env values that carry a file): KEY=VALUE, KEY: VALUE and
 * "KEY": "VALUE" lines lose the value of a credential-named key, other
 * lines are read as commands, and private key blocks go whole; see
 * redact.h.
 */
#include "redact.h"
#include "redact_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/*
 * One line of a config file: KEY=VALUE, KEY: VALUE, KEY = VALUE,
 * "KEY": "VALUE", export KEY=VALUE: 1 when KEY names a credential, 2
 * when it does not, 3 when it does but the value is only a reference to
 * one kept elsewhere, with the value's span in the line; 0 for no pair.
 */
static int redact_text_pair(const char *l, size_t n, struct redact_span *sp)
{
    size_t i = 0, ks, ke, vs, ve;

    while (i < n && (l[i] == ' ' || l[i] == '\t' || l[i] == '-'))
        i++;
    if (n - i > 7 && memcmp(l + i, "export ", 7) == 0)
        i += 7;
    if (i < n && (l[i] == '"' || l[i] == '\''))
        i++;
    ks = i;
    while (i < n && (isalnum((unsigned char)l[i]) || l[i] == '_' ||
                     l[i] == '.' || l[i] == '-' || l[i] == '/'))
        i++;
    ke = i;
    if (ke == ks)
        return 0;
    if (i < n && (l[i] == '"' || l[i] == '\''))
        i++;
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    if (i >= n || (l[i] != '=' && l[i] != ':'))
        return 0;
    i++;
    while (i < n && (l[i] == ' ' || l[i] == '\t'))
        i++;
    vs = i;
    ve = n;
    while (ve > vs && (l[ve - 1] == ' ' || l[ve - 1] == '\t' ||
                       l[ve - 1] == ',' || l[ve - 1] == '\r'))
        ve--;
    if (ve > vs + 1 && (l[vs] == '"' || l[vs] == '\'') && l[ve - 1] == l[vs]) {
        vs++;
        ve--;
    }
    if (ve <= vs)
        return 0;
    sp->off = vs;
    sp->len = ve - vs;
    /* A dotted or slashed settings key names its setting last:
     * db.password is a credential, token.ttl and auth.url are not. */
    for (i = ke; i > ks && l[i - 1] != '.' && l[i - 1] != '/'; i--)
        ;
    if (i == ke)
        i = ks;
    if (!redact_cmd_name_secret(l + i, ke - i))
        return 2;
    /* "password:" opening a block, a reference to elsewhere */
    if (l[vs] == '|' || l[vs] == '>' || l[vs] == '[')
        return 0;
    if (l[vs] == '{' && !(ve - vs >= 2 && l[vs + 1] == '{'))
        return 0;
    if (redact_cmd_is_reference(l + vs, ve - vs))
        return 3;
    return 1;
}

static char *redact_text_lines(const char *s, size_t n)
{
    struct strbuf out = STRBUF_INIT;
    size_t i = 0, done = 0; /* s[0, done) is in out */
    int any = 0;

    while (i < n) {
        const char *l = s + i, *nl = memchr(l, '\n', n - i);
        size_t ln = nl ? (size_t)(nl - l) : n - i;
        struct redact_span sp;
        int pair = redact_text_pair(l, ln, &sp);
        char *r = NULL;

        if (pair == 1) {
            sb_add(&out, s + done, i - done);
            sb_add(&out, l, sp.off);
            redact_cmd_marker(&out, l + sp.off, sp.len);
            sb_add(&out, l + sp.off + sp.len, ln - sp.off - sp.len);
            done = i + ln;
            any = 1;
        } else if (pair == 0 && (r = redact_shell(l, ln)) != NULL) {
            sb_add(&out, s + done, i - done);
            sb_adds(&out, r);
            done = i + ln;
            any = 1;
        } else if (pair == 2 &&
                   (r = redact_shell(l + sp.off, sp.len)) != NULL) {
            /* run: mysql -pX, a command as a setting's value */
            sb_add(&out, s + done, i - done);
            sb_add(&out, l, sp.off);
            sb_adds(&out, r);
            sb_add(&out, l + sp.off + sp.len, ln - sp.off - sp.len);
            done = i + ln;
            any = 1;
        }
        /* pair 3 (a reference) and lines without a credential stay as
         * they are, copied with the next change or at the end */
        free(r);
        i += ln + (nl ? 1 : 0);
    }
    if (!any) {
        sb_release(&out);
        return NULL;
    }
    sb_add(&out, s + done, n - done);
    return sb_detach(&out);
}

char *redact_text(const char *s, size_t n)
{
    char *keys = NULL, *r;

    if (redact_find(s, n, "PRIVATE KEY") &&
        (keys = redact_key_blocks(s, n)) != NULL) {
        r = redact_text_lines(keys, strlen(keys));
        if (r) {
            free(keys);
            return r;
        }
        return keys;
    }
    return redact_text_lines(s, n);
}
