/*
 * node_files.c: the files and directories the benchmark names, as host/File
 * resources with their mode and ownership (names from the root's own
 * etc/passwd and etc/group, or a tar's header names), and the kernel
 * settings behind the kubelet's protect-kernel-defaults.
 */
#include "node_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* "name:x:uid:..." lines: field 3 (the id) -> field 1, first match wins. */
static json_t *node_idfile(struct node_scan *ns, const char *path)
{
    struct strbuf text = STRBUF_INIT;
    struct err e;
    json_t *map;
    const char *p, *end;
    int rc = nodefs_read(ns->fs, path, NODE_MAX_CONFIG, &text, &e);

    if (rc) {
        if (rc < 0)
            node_input_error(ns, path, 0, e.msg);
        sb_release(&text);
        return NULL;
    }
    map = json_object();
    for (p = sb_str(&text), end = p + text.len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *c1, *c2, *c3;
        c1 = memchr(p, ':', (size_t)(le - p));
        c2 = c1 ? memchr(c1 + 1, ':', (size_t)(le - c1 - 1)) : NULL;
        c3 = c2 ? memchr(c2 + 1, ':', (size_t)(le - c2 - 1)) : NULL;
        if (c1 && c2 && c1 > p && *p != '#') {
            const char *id = c2 + 1, *idend = c3 ? c3 : le;
            char *key = xstrndup(id, (size_t)(idend - id));
            char *name = xstrndup(p, (size_t)(c1 - p));
            if (*key && !json_object_get(map, key))
                json_object_set_new(map, key, json_string_lossy(name));
            free(key);
            free(name);
        }
        p = nl ? nl + 1 : end;
    }
    sb_release(&text);
    return map;
}

void node_users_load(struct node_scan *ns)
{
    ns->users = node_idfile(ns, "/etc/passwd");
    ns->groups = node_idfile(ns, "/etc/group");
}

void node_file_add(struct node_scan *ns, const char *path, const char *role,
                   const char *component)
{
    json_t *f, *roles;
    size_t i;
    json_t *r;

    if (!path || path[0] != '/')
        return;
    f = json_object_get(ns->files, path);
    if (!f) {
        f = json_object();
        json_object_set_new(f, "roles", json_array());
        json_object_set_new(f, "component", json_string(component));
        json_object_set_new(f, "managed",
                            json_boolean(node_managed(ns, component)));
        json_object_set_new(ns->files, path, f);
    }
    roles = json_object_get(f, "roles");
    json_array_foreach(roles, i,
                       r) if (strcmp(json_string_value(r), role) == 0) return;
    json_array_append_new(roles, json_string(role));
    /* A file the node's owner also answers for is not only the provider's. */
    if (!node_managed(ns, component))
        json_object_set_new(f, "managed", json_false());
}

size_t node_file_add_tree(struct node_scan *ns, const char *dir,
                          const char *role, const char *component,
                          const char *suffix)
{
    struct strbuf sub = STRBUF_INIT;
    struct nodefs_stat st;
    struct err e;
    char **names;
    size_t n, i, found = 0;
    int rc = nodefs_list(ns->fs, dir, &names, &n, &e);

    if (rc < 0)
        node_input_error(ns, dir, 0, e.msg);
    if (rc)
        return 0;
    for (i = 0; i < n; i++) {
        sb_setlen(&sub, 0);
        sb_addf(&sub, "%s%s%s", dir, str_has_suffix(dir, "/") ? "" : "/",
                names[i]);
        if (nodefs_lstat(ns->fs, sb_str(&sub), &st, &e) != 0)
            continue;
        if (st.type == NODEFS_DIR) {
            found +=
                node_file_add_tree(ns, sb_str(&sub), role, component, suffix);
        } else if (!suffix || str_has_suffix(names[i], suffix)) {
            node_file_add(ns, sb_str(&sub), role, component);
            found++;
        }
    }
    nodefs_names_free(names, n);
    sb_release(&sub);
    return found;
}

static json_t *node_idname(const json_t *map, long long id, const char *hdr)
{
    char key[32];
    json_t *v;

    if (!map) /* the root lists none: a tar's header names, else null */
        return hdr && *hdr ? json_string_lossy(hdr) : json_null();
    snprintf(key, sizeof(key), "%lld", id);
    v = json_object_get(map, key);
    return v ? json_incref(v) : json_null();
}

static const char *node_type_name(enum nodefs_type t)
{
    switch (t) {
    case NODEFS_FILE:
        return "file";
    case NODEFS_DIR:
        return "directory";
    case NODEFS_LINK:
        return "symlink";
    default:
        return "other";
    }
}

static void node_file_emit(struct node_scan *ns, const char *path,
                           const json_t *f)
{
    struct strbuf uid = STRBUF_INIT, src = STRBUF_INIT;
    struct nodefs_stat st;
    struct err e;
    json_t *doc = json_object(), *roles = json_object_get(f, "roles");
    char mode[8];
    int rc = nodefs_lstat(ns->fs, path, &st, &e);

    json_object_set_new(doc, "path", json_string_lossy(path));
    json_object_set_new(doc, "node", json_string_lossy(ns->node));
    json_object_set_new(doc, "platform", json_string(ns->platform));
    json_object_set(doc, "role", json_array_get(roles, 0));
    json_object_set(doc, "roles", roles);
    json_object_set(doc, "component", json_object_get(f, "component"));
    if (rc < 0) {
        /* Not known either way: rules reading it are errors. */
        node_input_error(ns, path, 0, e.msg);
        node_unknown(doc, "exists", e.msg);
        json_object_set_new(doc, "error", json_string_lossy(e.msg));
    } else if (rc > 0) {
        json_object_set_new(doc, "exists", json_false());
        json_object_set_new(doc, "type", json_null());
        json_object_set_new(doc, "mode", json_null());
        json_object_set_new(doc, "uid", json_null());
        json_object_set_new(doc, "gid", json_null());
        json_object_set_new(doc, "user", json_null());
        json_object_set_new(doc, "group", json_null());
    } else {
        snprintf(mode, sizeof(mode), "%04o", st.mode & 07777);
        json_object_set_new(doc, "exists", json_true());
        json_object_set_new(doc, "type", json_string(node_type_name(st.type)));
        json_object_set_new(doc, "mode", json_string(mode));
        json_object_set_new(doc, "uid", json_integer(st.uid));
        json_object_set_new(doc, "gid", json_integer(st.gid));
        json_object_set_new(doc, "user",
                            node_idname(ns->users, st.uid, st.uname));
        json_object_set_new(doc, "group",
                            node_idname(ns->groups, st.gid, st.gname));
    }
    if (json_is_true(json_object_get(f, "managed")))
        json_object_set_new(doc, "managed_by", node_managed_text(ns));
    sb_addf(&uid, "node/%s/file%s", ns->node, path);
    nodefs_where(ns->fs, path, &src);
    node_emit(ns, "host/File", sb_str(&uid), path, sb_str(&src), doc);
    json_decref(doc);
    sb_release(&uid);
    sb_release(&src);
}

void node_files_emit(struct node_scan *ns)
{
    const char *path;
    json_t *f;

    json_object_foreach(ns->files, path, f)
    {
        if (ns->stop)
            break;
        node_file_emit(ns, path, f);
    }
}

/* ---- sysctls ------------------------------------------------------------ */

static const char *const node_sysctl_names[] = {"vm.overcommit_memory",
                                                "vm.panic_on_oom",
                                                "kernel.panic",
                                                "kernel.panic_on_oops",
                                                "kernel.keys.root_maxkeys",
                                                "kernel.keys.root_maxbytes",
                                                NULL};

/* KEY = VALUE lines of a sysctl.conf file into out (wanted keys only). */
static void node_sysctl_file(struct node_scan *ns, const char *path,
                             json_t *out)
{
    struct strbuf text = STRBUF_INIT, key = STRBUF_INIT;
    struct err e;
    const char *p, *end;
    int rc = nodefs_read(ns->fs, path, NODE_MAX_CONFIG, &text, &e);

    if (rc < 0)
        node_input_error(ns, path, 0, e.msg);
    if (rc) {
        sb_release(&text);
        return;
    }
    for (p = sb_str(&text), end = p + text.len; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end, *eq, *v, *ve;
        size_t i, kl;
        while (p < le && isspace((unsigned char)*p))
            p++;
        if (*p == '-') /* "-key = v": errors ignored, value the same */
            p++;
        eq = memchr(p, '=', (size_t)(le - p));
        if (eq && *p != '#' && *p != ';') {
            for (kl = (size_t)(eq - p); kl && isspace((unsigned char)p[kl - 1]);
                 kl--)
                ;
            sb_setlen(&key, 0);
            for (i = 0; i < kl; i++)
                sb_add(&key, p[i] == '/' ? "." : p + i, 1);
            for (v = eq + 1; v < le && isspace((unsigned char)*v); v++)
                ;
            for (ve = le; ve > v && isspace((unsigned char)ve[-1]); ve--)
                ;
            for (i = 0; node_sysctl_names[i]; i++)
                if (strcmp(node_sysctl_names[i], sb_str(&key)) == 0)
                    json_object_set_new(out, node_sysctl_names[i],
                                        json_stringn(v, (size_t)(ve - v)));
        }
        p = nl ? nl + 1 : end;
    }
    sb_release(&text);
    sb_release(&key);
}

static int node_name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

json_t *node_sysctls(struct node_scan *ns)
{
    static const char *const dirs[] = {"/usr/lib/sysctl.d", "/run/sysctl.d",
                                       "/etc/sysctl.d", NULL};
    json_t *out = json_object(), *conf = json_object(), *byname = json_object();
    struct strbuf path = STRBUF_INIT, val = STRBUF_INIT;
    const char *name;
    json_t *v;
    size_t i, j;

    /* Files: one per name, /etc over /run over /usr/lib, in name order,
     * then /etc/sysctl.conf last (sysctl --system). */
    for (i = 0; dirs[i]; i++) {
        char **names;
        size_t n;
        struct err e;
        if (nodefs_list(ns->fs, dirs[i], &names, &n, &e) != 0)
            continue;
        for (j = 0; j < n; j++)
            if (str_has_suffix(names[j], ".conf")) {
                sb_setlen(&path, 0);
                sb_addf(&path, "%s/%s", dirs[i], names[j]);
                json_object_set_new(byname, names[j],
                                    json_string(sb_str(&path)));
            }
        nodefs_names_free(names, n);
    }
    {
        const char **keys =
            xcalloc(json_object_size(byname) + 1, sizeof(*keys));
        size_t n = 0;
        json_object_foreach(byname, name, v) keys[n++] = name;
        qsort(keys, n, sizeof(*keys), node_name_cmp);
        for (j = 0; j < n; j++)
            node_sysctl_file(
                ns, json_string_value(json_object_get(byname, keys[j])), conf);
        free(keys);
    }
    node_sysctl_file(ns, "/etc/sysctl.conf", conf);
    for (i = 0; node_sysctl_names[i]; i++) {
        struct err e;
        sb_setlen(&path, 0);
        sb_adds(&path, "/proc/sys/");
        for (name = node_sysctl_names[i]; *name; name++)
            sb_add(&path, *name == '.' ? "/" : name, 1);
        if (nodefs_read(ns->fs, sb_str(&path), 4096, &val, &e) == 0) {
            while (val.len && isspace((unsigned char)val.buf[val.len - 1]))
                sb_setlen(&val, val.len - 1);
            json_object_set_new(out, node_sysctl_names[i],
                                json_string_lossy(sb_str(&val)));
        } else if ((v = json_object_get(conf, node_sysctl_names[i]))) {
            json_object_set(out, node_sysctl_names[i], v);
        }
    }
    json_decref(conf);
    json_decref(byname);
    sb_release(&path);
    sb_release(&val);
    return out;
}
