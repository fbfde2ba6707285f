/* imagefs.c: STUB, being written (see imagefs.h). */
#include "imagefs.h"

#include <stdlib.h>

struct imagefs {
    int complete;
};
struct imagefs *imagefs_new(void) { return calloc(1, sizeof(struct imagefs)); }
void imagefs_free(struct imagefs *fs) { free(fs); }
struct sink *imagefs_layer_sink(struct imagefs *fs, unsigned index,
                                const char *what)
{
    (void)fs; (void)index; (void)what;
    return NULL;
}
int imagefs_complete(const struct imagefs *fs) { return fs->complete; }
json_t *imagefs_resources(struct imagefs *fs) { (void)fs; return json_array(); }
json_t *imagefs_summary(const struct imagefs *fs) { (void)fs; return json_object(); }
