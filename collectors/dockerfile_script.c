/*
 * dockerfile_script.c: the "command" text rules match, made from a shell
 * command by reading its words the way sh does, so that what is only data
 * is not taken for a command or an option:
 *
 *   - the arguments of the grep family are dropped (`grep -q --
 *     "--force-yes" f` does not run apt-get --force-yes), and those of
 *     echo and printf unless the output goes to a file or another command
 *     (`echo "deb [trusted=yes] ..." > f` writes configuration); an
 *     argument holding a command substitution is kept, it runs;
 *   - shell comments are dropped;
 *   - apt-get/apt options that take their argument as the next word
 *     (-t RELEASE, -o X=Y, -c FILE) are joined to it with '=', so the
 *     argument is not read as a package name.
 *
 * Everything else is copied byte for byte, quotes included.
 */
#include "dockerfile_int.h"

#include <string.h>

#include "banned.h"

static int dockerfile_script_op(char c)
{
    return c == '\n' || c == ';' || c == '&' || c == '|' || c == '(' ||
           c == ')';
}

/* The end of the word at s[i]; *subst set when it holds $(...) or `. */
static size_t dockerfile_script_word(const char *s, size_t n, size_t i,
                                     int *subst)
{
    int depth = 0, tick = 0;
    char q = 0;

    *subst = 0;
    while (i < n) {
        char c = s[i];
        if (q == '\'') {
            if (c == '\'')
                q = 0;
        } else if (c == '\\' && i + 1 < n) {
            i++;
        } else if (q == '"') {
            if (c == '"')
                q = 0;
            else if (c == '$' && i + 1 < n && s[i + 1] == '(')
                *subst = 1;
            else if (c == '`')
                *subst = 1;
        } else if (c == '\'' || c == '"') {
            q = c;
        } else if (c == '`') {
            tick = !tick;
            *subst = 1;
        } else if (c == '$' && i + 1 < n && s[i + 1] == '(') {
            depth++;
            *subst = 1;
            i++;
        } else if (c == ')' && depth) {
            depth--;
        } else if (!depth && !tick &&
                   (dockerfile_blank(c) || dockerfile_script_op(c))) {
            break;
        }
        i++;
    }
    return i;
}

/* The program's name: the word after its last '/', quotes not allowed. */
static int dockerfile_script_is(const char *w, size_t n,
                                const char *const *names)
{
    const char *slash = w;
    size_t k;

    for (k = 0; k < n; k++)
        if (w[k] == '/')
            slash = w + k + 1;
    n -= (size_t)(slash - w);
    for (k = 0; names[k]; k++)
        if (strlen(names[k]) == n && memcmp(names[k], slash, n) == 0)
            return 1;
    return 0;
}

static int dockerfile_script_assignment(const char *w, size_t n)
{
    size_t k;

    if (!n || !(w[0] == '_' || (w[0] >= 'A' && w[0] <= 'Z') ||
                (w[0] >= 'a' && w[0] <= 'z')))
        return 0;
    for (k = 1; k < n && w[k] != '='; k++)
        if (!(w[k] == '_' || (w[k] >= 'A' && w[k] <= 'Z') ||
              (w[k] >= 'a' && w[k] <= 'z') || (w[k] >= '0' && w[k] <= '9')))
            return 0;
    return k < n;
}

/* Whether the simple command from s[i] writes its output somewhere: a
 * redirection, or a pipe into another command (`echo x >f`, `| tee f`,
 * `| sh`). echo and printf then write configuration or code, not data. */
static int dockerfile_script_writes(const char *s, size_t n, size_t i)
{
    while (i < n) {
        size_t e, k;
        int subst;
        char q = 0;
        if (dockerfile_blank(s[i])) {
            i++;
            continue;
        }
        if (dockerfile_script_op(s[i]))
            return s[i] == '|' && (i + 1 >= n || s[i + 1] != '|');
        e = dockerfile_script_word(s, n, i, &subst);
        for (k = i; k < e; k++) {
            if (q) {
                if (s[k] == q)
                    q = 0;
            } else if (s[k] == '\\') {
                k++;
            } else if (s[k] == '\'' || s[k] == '"') {
                q = s[k];
            } else if (s[k] == '>') {
                return 1;
            }
        }
        i = e;
    }
    return 0;
}

void dockerfile_script(const char *s, size_t n, struct strbuf *out)
{
    static const char *const data_cmds[] = {"echo",  "printf", "grep", "egrep",
                                            "fgrep", "zgrep",  NULL};
    static const char *const greps[] = {"grep", "egrep", "fgrep", "zgrep",
                                        NULL};
    /* words after which a command still starts: wrappers, keywords */
    static const char *const prefixes[] = {
        "sudo",  "env",   "exec", "command", "time",  "nice",
        "nohup", "if",    "then", "else",    "elif",  "do",
        "while", "until", "!",    "{",       "xargs", NULL};
    static const char *const apt[] = {"apt-get", "apt", NULL};
    static const char *const apt_opts[] = {"-t",
                                           "-o",
                                           "-c",
                                           "--target-release",
                                           "--default-release",
                                           "--option",
                                           "--config-file",
                                           NULL};
    size_t i = 0;
    int start = 1, mode = 0; /* mode 1: dropping data, 2: apt */

    while (i < n) {
        char c = s[i];
        size_t e;
        int subst;
        if (dockerfile_blank(c)) {
            sb_add(out, &c, 1);
            i++;
            continue;
        }
        if (dockerfile_script_op(c)) {
            sb_add(out, &c, 1);
            i++;
            start = 1;
            mode = 0;
            continue;
        }
        if (c == '#') { /* a comment, to the end of the line */
            while (i < n && s[i] != '\n')
                i++;
            continue;
        }
        e = dockerfile_script_word(s, n, i, &subst);
        if (start) {
            /* assignments, prefixes and their options keep the start */
            if (!dockerfile_script_assignment(s + i, e - i) &&
                !(start == 2 && s[i] == '-') &&
                !dockerfile_script_is(s + i, e - i, prefixes)) {
                start = 0;
                mode = dockerfile_script_is(s + i, e - i, data_cmds) ? 1
                       : dockerfile_script_is(s + i, e - i, apt)     ? 2
                                                                     : 0;
                if (mode == 1 && !dockerfile_script_is(s + i, e - i, greps) &&
                    dockerfile_script_writes(s, n, e))
                    mode = 0;
            } else if (dockerfile_script_is(s + i, e - i, prefixes)) {
                start = 2;
            }
            sb_add(out, s + i, e - i);
            i = e;
            continue;
        }
        if (mode == 1 && !subst) { /* data, not a command */
            i = e;
            continue;
        }
        sb_add(out, s + i, e - i);
        if (mode == 2 && dockerfile_script_is(s + i, e - i, apt_opts)) {
            size_t j = e;
            while (j < n && dockerfile_blank(s[j]))
                j++;
            if (j < n && j > e && !dockerfile_script_op(s[j]) && s[j] != '#') {
                sb_add(out, "=", 1);
                e = j;
            }
        }
        i = e;
    }
}
