/* aws_norm.c: AWS XML answers given their declared types (aws_norm.h). */
#include "aws_norm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "banned.h"

int aws_norm_int(const json_t *v, long long *out)
{
    const char *s;
    char *end;
    long long n;

    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 1;
    }
    s = json_string_value(v);
    if (!s || !*s)
        return 0;
    errno = 0;
    n = strtoll(s, &end, 10);
    if (errno || *end)
        return 0;
    *out = n;
    return 1;
}

static int aws_norm_is_set(const char *key)
{
    size_t n = strlen(key);
    return n > 3 && strcmp(key + n - 3, "Set") == 0;
}

/* The inner name of the wrapped list outer, or NULL. */
static const char *aws_norm_wrap(const struct aws_norm *n, const char *outer)
{
    if (!n->wraps)
        return NULL;
    for (size_t i = 0; n->wraps[i] && n->wraps[i + 1]; i += 2)
        if (strcmp(n->wraps[i], outer) == 0)
            return n->wraps[i + 1];
    return NULL;
}

/* The new value of member key (new reference), or NULL to keep it. */
static json_t *aws_norm_member(const struct aws_norm *n, const char *key,
                               json_t *v)
{
    const char *inner = aws_norm_wrap(n, key);
    const char *s = json_string_value(v);
    long long i;

    if (inner) {
        json_t *x;
        if (s && !*s)
            return json_array();
        if (!json_is_object(v) || json_object_size(v) != 1 ||
            !(x = json_object_get(v, inner)))
            return NULL;
        if (json_is_array(x))
            return json_incref(x);
        json_t *a = json_array();
        json_array_append(a, x);
        return a;
    }
    if (s && !*s &&
        ((n->lists && str_in(key, n->lists)) ||
         (n->set_suffix && aws_norm_is_set(key))))
        return json_array();
    if (s && n->ints && str_in(key, n->ints) && aws_norm_int(v, &i))
        return json_integer(i);
    if (s && n->bools && str_in(key, n->bools)) {
        if (strcmp(s, "true") == 0)
            return json_true();
        if (strcmp(s, "false") == 0)
            return json_false();
    }
    return NULL;
}

void aws_norm(json_t *v, const struct aws_norm *n)
{
    const char *key;
    json_t *m, *repl;
    size_t i;

    if (json_is_array(v)) {
        json_array_foreach(v, i, m) aws_norm(m, n);
        return;
    }
    if (!json_is_object(v))
        return;
    json_object_foreach(v, key, m)
    {
        repl = aws_norm_member(n, key, m);
        if (repl) {
            /* replacing keeps the iteration valid: the key stays */
            json_object_set_new(v, key, repl);
            m = repl;
        }
        aws_norm(m, n);
    }
}
