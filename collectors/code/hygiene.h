/*
 * hygiene.h: files that should not be in a repository (part 6 of issue
 * 13): committed .env files, private keys, kubeconfigs, Terraform state,
 * .npmrc / .pypirc / .netrc with credentials. The code collector calls
 * code_hygiene_file for every file it walks and emits what it returns as
 * a code/File resource; checks/rules/code/hygiene.yaml judges it.
 * (SECURITY.md and CODEOWNERS need the whole tree: the collector's.)
 */
#ifndef FOURC_HYGIENE_H
#define FOURC_HYGIENE_H

#include <jansson.h>
#include <stddef.h>

/*
 * NULL when relpath (with its content buf, len bytes) is none of these;
 * else a new reference {"path", "kind", "has_secret", "template",
 * "reason"}: kind one of "dotenv", "private-key", "kubeconfig",
 * "terraform-state", "npmrc", "pypirc", "netrc"; has_secret true when the
 * content holds a credential value (never the value itself, which is not
 * copied); names: .env, .env.*, *.env, terraform.tfstate, *.tfstate,
 * *.tfstate.backup, .npmrc, .pypirc, .netrc (and NAME.npmrc ... for rule
 * fixtures), kubeconfig, *.kubeconfig, .kube/config, and any file whose
 * content is a private key or a kubeconfig; template true for .env.example and
 * the like, whose values are meant to be placeholders; reason says what was
 * seen, without values.
 */
json_t *code_hygiene_file(const char *relpath, const char *buf, size_t len);

#endif
