/* k8sobj.c: uids, scopes and known kinds of Kubernetes objects, shared by
 * the manifests and the live-cluster collectors; see k8sobj.h. */
#include "k8sobj.h"

#include <string.h>

#include "util.h"
#include "banned.h"

/* Cluster-wide network policies (Cilium, Calico) are here too: they have no
 * namespace of their own, so they name none (K8S-NS-NETWORKPOLICY). */
static const char *const k8sobj_cluster_scoped[] = {
    "Namespace",
    "Node",
    "PersistentVolume",
    "ClusterRole",
    "ClusterRoleBinding",
    "StorageClass",
    "CustomResourceDefinition",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CSIDriver",
    "CSINode",
    "IngressClass",
    "RuntimeClass",
    "VolumeAttachment",
    "CertificateSigningRequest",
    "PodSecurityPolicy",
    "ComponentStatus",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "ClusterIssuer",
    "CiliumClusterwideNetworkPolicy",
    "GlobalNetworkPolicy",
    "GlobalNetworkSet",
    "HostEndpoint",
    NULL};

int k8sobj_cluster_kind(const char *kind)
{
    return str_in(kind, k8sobj_cluster_scoped);
}

void k8sobj_uid(struct strbuf *uid, const char *api_version, const char *kind,
                const char *ns, const char *name)
{
    const char *slash = strchr(api_version, '/');

    /* Plain appends: this runs for every object of a cluster. */
    if (slash)
        sb_add(uid, api_version, (size_t)(slash - api_version));
    else
        sb_adds(uid, "core");
    sb_add(uid, "/", 1);
    sb_adds(uid, kind);
    sb_add(uid, "/", 1);
    sb_adds(uid, ns ? ns : "");
    sb_add(uid, "/", 1);
    sb_adds(uid, name);
}

const char *const k8sobj_known_kinds[] = {
    /* core/v1 */
    "k8s/Binding", "k8s/ComponentStatus", "k8s/ConfigMap", "k8s/Endpoints",
    "k8s/Event", "k8s/LimitRange", "k8s/Namespace", "k8s/Node",
    "k8s/PersistentVolume", "k8s/PersistentVolumeClaim", "k8s/Pod",
    "k8s/PodTemplate", "k8s/ReplicationController", "k8s/ResourceQuota",
    "k8s/Secret", "k8s/Service", "k8s/ServiceAccount",
    /* apps, batch, autoscaling, policy */
    "k8s/ControllerRevision", "k8s/DaemonSet", "k8s/Deployment",
    "k8s/ReplicaSet", "k8s/StatefulSet", "k8s/CronJob", "k8s/Job",
    "k8s/HorizontalPodAutoscaler", "k8s/PodDisruptionBudget",
    "k8s/PodSecurityPolicy", "k8s/Eviction",
    /* networking, discovery */
    "k8s/Ingress", "k8s/IngressClass", "k8s/NetworkPolicy", "k8s/IPAddress",
    "k8s/ServiceCIDR", "k8s/EndpointSlice",
    /* rbac, authentication, authorization, certificates */
    "k8s/ClusterRole", "k8s/ClusterRoleBinding", "k8s/Role", "k8s/RoleBinding",
    "k8s/TokenRequest", "k8s/TokenReview", "k8s/SelfSubjectReview",
    "k8s/SubjectAccessReview", "k8s/SelfSubjectAccessReview",
    "k8s/SelfSubjectRulesReview", "k8s/LocalSubjectAccessReview",
    "k8s/CertificateSigningRequest", "k8s/ClusterTrustBundle",
    /* admission, apiextensions, apiregistration */
    "k8s/MutatingWebhookConfiguration", "k8s/ValidatingWebhookConfiguration",
    "k8s/ValidatingAdmissionPolicy", "k8s/ValidatingAdmissionPolicyBinding",
    "k8s/MutatingAdmissionPolicy", "k8s/MutatingAdmissionPolicyBinding",
    "k8s/CustomResourceDefinition", "k8s/APIService",
    /* storage, node, scheduling, coordination, flowcontrol, resource */
    "k8s/StorageClass", "k8s/VolumeAttachment", "k8s/CSIDriver", "k8s/CSINode",
    "k8s/CSIStorageCapacity", "k8s/VolumeAttributesClass", "k8s/RuntimeClass",
    "k8s/PriorityClass", "k8s/Lease", "k8s/FlowSchema",
    "k8s/PriorityLevelConfiguration", "k8s/ResourceClaim",
    "k8s/ResourceClaimTemplate", "k8s/DeviceClass", "k8s/ResourceSlice",
    /* custom resources rules name: Cilium, Calico, cert-manager */
    "k8s/CiliumNetworkPolicy", "k8s/CiliumClusterwideNetworkPolicy",
    "k8s/GlobalNetworkPolicy", "k8s/ClusterIssuer", "k8s/Issuer",
    "k8s/Certificate", NULL};
