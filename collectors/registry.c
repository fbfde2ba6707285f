/* registry.c: the table of collectors. */
#include "collector.h"

#include <string.h>

#include "banned.h"

extern const struct collector collector_manifests;
extern const struct collector collector_dockerfile;
extern const struct collector collector_image;

static const struct collector *const registry_collectors[] = {
    &collector_manifests,
    &collector_dockerfile,
    &collector_image,
};

const struct collector *collector_find(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(registry_collectors) / sizeof(*registry_collectors);
         i++)
        if (strcmp(registry_collectors[i]->name, name) == 0)
            return registry_collectors[i];
    return NULL;
}
