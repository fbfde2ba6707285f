/*
 * kubeconfig.h: the connection to a Kubernetes API server, found the way
 * kubectl finds it, for the live-cluster collector.
 *
 * Where the configuration comes from (kube_load):
 *  - an explicit kubeconfig file (--kubeconfig), else
 *  - every file named in KUBECONFIG (colon-separated; missing files are
 *    skipped, as kubectl skips them), merged by kubectl's rules: the first
 *    file that defines a cluster, user or context name wins, and
 *    current-context comes from the first file that sets it, else
 *  - ~/.kube/config, else
 *  - in-cluster: KUBERNETES_SERVICE_HOST/_PORT with the service account's
 *    token and ca.crt (kube_in_cluster).
 * Files may be YAML or JSON (core/yamljson). Relative file names in a
 * cluster or user entry resolve against the directory of the file that
 * defined the entry.
 *
 * What is understood: the cluster's server, certificate-authority (file)
 * or certificate-authority-data, insecure-skip-tls-verify (only when true),
 * proxy-url, tls-server-name (recorded; a value different from the
 * server's host is an error at kube_http_new, because libcurl cannot
 * verify a certificate for a name other than the URL's host); the user's
 * client-certificate/-key (files) or -data (PEM kept in memory), token,
 * tokenFile (read at each use), username/password (basic) and exec
 * credential plugins (client.authentication.k8s.io/v1 and v1beta1).
 *
 * Secrets (tokens, keys, passwords, a plugin's stdout) never appear in an
 * error; a plugin's stderr is shown truncated, with the known secrets
 * scrubbed.
 */
#ifndef FOURC_KUBECONFIG_H
#define FOURC_KUBECONFIG_H

#include <time.h>

#include <jansson.h>

#include "err.h"
#include "http.h"

#define KUBE_EXEC_TIMEOUT 30 /* s, a credential plugin's time */
#define KUBE_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"

struct kube_load_opts {
    const char *kubeconfig; /* explicit file, or NULL */
    const char *context;    /* explicit context, or NULL: current-context */
    const char *sa_dir;     /* in-cluster files; NULL: KUBE_SA_DIR */
    int exec_timeout;       /* s; 0: KUBE_EXEC_TIMEOUT */
};

struct kube_exec {
    char *command; /* as written */
    char *path;    /* resolved at load (PATH or the kubeconfig's dir) */
    char **argv;   /* NULL-terminated, argv[0] = command */
    char **env;    /* "NAME=value", NULL-terminated */
    char *api_version;
    int provide_cluster_info;
};

struct kube_conn {
    char *where;   /* "context C in FILES" or "in-cluster", for errors */
    char *what;    /* "cluster SERVER", the http client's error prefix */
    char *context; /* or NULL in-cluster */
    char *server;  /* https://host:port, no trailing slash */
    /* TLS and transport */
    char *ca_file, *ca_pem;
    char *tls_server_name;
    int insecure;
    char *proxy;
    /* credentials */
    char *cert_file, *key_file;
    char *cert_pem, *key_pem; /* -data, or an exec plugin's */
    char *token;              /* secret */
    char *token_file;
    char *username, *password; /* secret */
    struct kube_exec *exec;
    int exec_timeout;
    json_t *cluster_info; /* the ExecCredential's spec.cluster, or NULL */
    /* an exec plugin's credential, cached until it expires */
    char *exec_token;
    time_t exec_expiry; /* 0: none given */
    int exec_done;
};

/* Finds and reads the configuration (see above) and selects the context.
 * NULL with e set ("context "x" not found in FILES", "FILE: ..."). */
struct kube_conn *kube_load(const struct kube_load_opts *o, struct err *e);

/* In-cluster configuration from the environment and sa_dir (NULL:
 * KUBE_SA_DIR). */
struct kube_conn *kube_in_cluster(const char *sa_dir, int exec_timeout,
                                  struct err *e);

/* Clears the secrets and frees. NULL is fine. */
void kube_free(struct kube_conn *k);

/* Runs the exec plugin when one is configured and its credential is
 * missing or expired. 0, or -1 with e naming the plugin. */
int kube_refresh(struct kube_conn *k, struct err *e);

/* An HTTP client configured for k (runs the exec plugin first when it
 * hands out client certificates). base may override http_opts patience
 * settings (NULL: the defaults). The client borrows k's strings: free it
 * before k. A client certificate is fixed for the client's life: when an
 * exec plugin's certificate expires, kube_refresh replaces it in k and the
 * caller makes a new client (a token is refreshed at each kube_get). */
struct http *kube_http_new(struct kube_conn *k, const struct http_opts *base,
                           struct err *e);

/* The Authorization value for the next request (Bearer token, tokenFile
 * re-read, exec token, or Basic), a new string the caller cleanses and
 * frees; *auth NULL when there is none. */
int kube_auth(struct kube_conn *k, char **auth, struct err *e);

/* GET server+path with k's credentials; a 2xx body in rs. A non-2xx answer
 * is an error ("401 Unauthorized: the credentials of ... were refused"). */
int kube_get(struct kube_conn *k, struct http *c, const char *path,
             struct http_resp *rs, struct err *e);

/* GET /version: *git_version ("v1.31.2") and *platform ("linux/amd64"),
 * new strings. */
int kube_version(struct kube_conn *k, struct http *c, char **git_version,
                 char **platform, struct err *e);

#endif
