/* registry.c: the table of reporters, and writing a report into place. */
#include "reporter.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "banned.h"

extern const struct reporter reporter_json;
extern const struct reporter reporter_html;
extern const struct reporter reporter_sarif;
extern const struct reporter reporter_junit;
extern const struct reporter reporter_csv;
extern const struct reporter reporter_markdown;

static const struct reporter *const registry_reporters[] = {
    &reporter_json,  &reporter_html, &reporter_sarif,
    &reporter_junit, &reporter_csv,  &reporter_markdown,
};

#define REGISTRY_N (sizeof(registry_reporters) / sizeof(*registry_reporters))

const struct reporter *reporter_find(const char *name)
{
    size_t i;

    for (i = 0; i < REGISTRY_N; i++)
        if (strcmp(registry_reporters[i]->name, name) == 0)
            return registry_reporters[i];
    return NULL;
}

const char *reporter_names(void)
{
    static char names[256];
    size_t i, off = 0;

    if (names[0])
        return names;
    for (i = 0; i < REGISTRY_N && off < sizeof(names); i++)
        off += (size_t)snprintf(names + off, sizeof(names) - off, "%s%s",
                                i ? ", " : "", registry_reporters[i]->name);
    return names;
}

int report_write(const struct reporter *r, const struct report_ctx *rc,
                 const char *path, struct err *e)
{
    struct strbuf tmp = STRBUF_INIT;
    FILE *f;
    int fd, rc2;

    if (strcmp(path, "-") == 0) {
        rc2 = r->render(rc, stdout, e);
        if (fflush(stdout) != 0 && rc2 == 0)
            rc2 = err_set(e, "writing the %s report to stdout: %s", r->name,
                          strerror(errno));
        return rc2;
    }
    sb_addf(&tmp, "%s.tmp.XXXXXX", path);
    fd = mkstemp(tmp.buf);
    if (fd < 0) {
        err_set(e, "cannot write %s: %s", path, strerror(errno));
        sb_release(&tmp);
        return -1;
    }
    f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp.buf);
        err_set(e, "cannot write %s: %s", path, strerror(errno));
        sb_release(&tmp);
        return -1;
    }
    rc2 = r->render(rc, f, e);
    if (rc2 == 0 && (fflush(f) != 0 || ferror(f)))
        rc2 = err_set(e, "cannot write %s: %s", path, strerror(errno));
    if (fclose(f) != 0 && rc2 == 0)
        rc2 = err_set(e, "cannot write %s: %s", path, strerror(errno));
    if (rc2 == 0 && rename(tmp.buf, path) != 0)
        rc2 = err_set(e, "cannot write %s: %s", path, strerror(errno));
    if (rc2 != 0)
        unlink(tmp.buf);
    else
        chmod(path, 0644);
    sb_release(&tmp);
    return rc2;
}
