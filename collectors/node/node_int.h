/*
 * node_int.h: what node.c (components) and node_files.c (the files the
 * benchmark names, users and groups, sysctls) share.
 */
#ifndef FOURC_NODE_INT_H
#define FOURC_NODE_INT_H

#include <jansson.h>

#include "collector.h"
#include "node_fs.h"
#include "util.h"

#define NODE_MAX_CONFIG (4u << 20) /* a manifest, a config file, a unit */

struct node_scan {
    struct nodefs *fs;
    struct collect_ctx *ctx;
    struct err *e;
    int stop; /* storing failed: unwind */
    const char *platform;
    const char *provider; /* "Amazon EKS" on a managed platform, or NULL */
    char *node;
    json_t *users, *groups; /* {"0": "root"}; NULL: the root has no file */
    /* path -> {"roles": [...], "component", "managed"}, in order. */
    json_t *files;
    json_t *comps; /* component name -> its ComponentConfig document */
    json_t *said;  /* the input errors reported: each once */
};

/* The input error "where: msg" for node path (line 0: none). */
void node_input_error(struct node_scan *ns, const char *path, long line,
                      const char *msg);

/* Sets doc's boolean key to "unknown: msg": a string where a boolean
 * belongs, so every rule asking it is an `error` naming why, never a
 * pass or a skip. */
void node_unknown(json_t *doc, const char *key, const char *msg);

/* Emits one resource; sets ns->stop when storing failed. */
void node_emit(struct node_scan *ns, const char *kind, const char *uid,
               const char *name, const char *source, json_t *doc);

/* 1: component is the provider's on this platform. */
int node_managed(const struct node_scan *ns, const char *component);
json_t *node_managed_text(const struct node_scan *ns);

/* Per-platform defaults (kube-bench cfg/config.yaml and the providers'
 * node images), used when no flag names the path. */
/* Per-platform defaults (kube-bench cfg/config.yaml and the providers'
 * node images), used when no flag names the path. */
struct node_platform {
    const char *name, *provider;
    const char *kubelet_config[3];
    const char *kubelet_kubeconfig, *client_ca, *proxy_kubeconfig;
    const char *kubelet_svc;
};

const struct node_platform *node_plat(const struct node_scan *ns);

/* The components, with the argv[0] names (or hyperkube subcommands) their
 * processes go by. */
struct node_comp {
    const char *name;
    const char *bins[3];
    int control_plane;
};
extern const struct node_comp node_comps[];
#define NODE_NCOMPS 6

/* node_comp.c */
json_t *node_comp_new(struct node_scan *ns, const char *component);
/* {"kubelet": {"pid", "args", "path"}, ...}: ROOT/proc/PID/cmdline. */
void node_processes(struct node_scan *ns, json_t *procs);
void node_control_plane(struct node_scan *ns, const json_t *procs,
                        const char *component);
void node_kubelet(struct node_scan *ns, const json_t *procs);
void node_proxy(struct node_scan *ns, const json_t *procs);

/* node_files.c */
void node_users_load(struct node_scan *ns);
/* Names path (a node path) for a role of component; emitted by
 * node_files_emit, once per path with all its roles. */
void node_file_add(struct node_scan *ns, const char *path, const char *role,
                   const char *component);
/* Every regular file below dir (recursive), for role; returns how many. */
size_t node_file_add_tree(struct node_scan *ns, const char *dir,
                          const char *role, const char *component,
                          const char *suffix);
void node_files_emit(struct node_scan *ns);
/* {"vm.overcommit_memory": "1", ...} from /proc/sys, else sysctl.d. */
json_t *node_sysctls(struct node_scan *ns);

#endif
