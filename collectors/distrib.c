/* distrib.c: STUB, being written (see distrib.h). */
#include "distrib.h"

#include <string.h>

int distrib_ref_parse(const char *s, struct distrib_ref *out, struct err *e)
{
    memset(out, 0, sizeof(*out));
    return err_set(e, "%s: registry references are not supported yet", s);
}
void distrib_ref_release(struct distrib_ref *r) { (void)r; }
struct distrib *distrib_new(const struct distrib_ref *ref,
                            const struct img_opts *o, struct err *e)
{
    (void)ref;
    (void)o;
    err_set(e, "registry: not supported yet");
    return NULL;
}
void distrib_free(struct distrib *d) { (void)d; }
int distrib_get_manifest(struct distrib *d, const char *reference,
                         struct strbuf *body, char **media_type,
                         struct err *e)
{
    (void)d; (void)reference; (void)body; (void)media_type;
    return err_set(e, "registry: not supported yet");
}
int distrib_get_blob(struct distrib *d, const char *digest, struct sink *to,
                     struct err *e)
{
    (void)d; (void)digest; (void)to;
    return err_set(e, "registry: not supported yet");
}
