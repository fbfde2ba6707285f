/*
 * aws_ec2_net.h: what a security group, a network ACL and a VPC's flow
 * logs let through, judged the way EC2 applies them, as documented
 * fields beside the API's own (docs/aws.md), so that the rules are plain
 * declarative checks.
 *
 * Documents are DescribeSecurityGroups' / DescribeNetworkAcls' items after
 * aws_ec2_net_norm (API member names, JSON types). A rule of a security
 * group covers a TCP port when its ipProtocol is "-1" (every protocol and
 * port) or "tcp"/"6" with fromPort <= port <= toPort. A network ACL's
 * inbound entries (egress false) are read in ruleNumber order, and the
 * first one that matches traffic from the whole Internet (cidrBlock
 * 0.0.0.0/0, or ipv6CidrBlock ::/0) to the port decides: an allow opens
 * the port, a deny closes it (and shadows every later allow); an entry
 * for a narrower CIDR neither opens the port to the world nor closes it.
 * No match is the implicit deny.
 *
 * A value that cannot be read (a port that is not a number, a ruleAction
 * that is neither allow nor deny) makes the derived field the marker
 * {"$error": "..."}: rules reading it are `error`, never a verdict.
 */
#ifndef FOURC_AWS_EC2_NET_H
#define FOURC_AWS_EC2_NET_H

#include <jansson.h>

#include "aws_norm.h"

#define AWS_EC2_SSH 22
#define AWS_EC2_RDP 3389
#define AWS_EC2_CIFS 445

/* EC2's declared types for the members fourc's rules and evidence use. */
extern const struct aws_norm aws_ec2_net_norm;

/*
 * Adds to a security group (steals nothing; 0, or -1 when out of memory):
 *   is_default             groupName is "default" (the VPC's own group)
 *   admin_ports_open_ipv4  [{port, cidr, protocol, from_port, to_port,
 *                            permission, prefix_list}] for 22 and 3389
 *                          open to 0.0.0.0/0
 *   admin_ports_open_ipv6  the same for ::/0
 *   cifs_open_to_world     the same for 445, from 0.0.0.0/0 or ::/0
 * ("permission" is the index in ipPermissions; from_port and to_port are
 * absent for a rule of every protocol; prefix_list is there when the
 * world came in through a managed prefix list.) prefix_lists (borrowed;
 * may be NULL) maps a prefix list id to aws_ec2_net_prefix_list's answer
 * or to a marker: a rule naming a list that is not there, or is a
 * marker, makes each derived list it could add to a marker. what names
 * the group in a marker's message ("aws ec2 DescribeSecurityGroups
 * eu-west-1 sg-1").
 */
int aws_ec2_net_sg(json_t *sg, const json_t *prefix_lists, const char *what);

/* {"ipv4_world": bool, "ipv6_world": bool} (new reference): whether a
 * managed prefix list's entries (GetManagedPrefixListEntries' [{cidr}],
 * borrowed) hold 0.0.0.0/0 or ::/0. */
json_t *aws_ec2_net_prefix_list(const json_t *entries);

/*
 * Adds to a network ACL:
 *   admin_ports_open_to_world  [{port, cidr, rule_number, protocol}]: the
 *                              inbound entry that opens 22 or 3389 to
 *                              0.0.0.0/0 or ::/0, one per port and family
 */
int aws_ec2_net_nacl(json_t *nacl, const char *what);

/*
 * Adds to a VPC, from DescribeFlowLogs' items (borrowed; normalised):
 *   flow_logs         the flow logs whose resourceId is the VPC
 *   active_flow_logs  those with flowLogStatus ACTIVE that record
 *                     rejected traffic (trafficType ALL or REJECT)
 * With flow_logs NULL (the call failed), both are a new reference to
 * marker.
 */
int aws_ec2_net_vpc(json_t *vpc, const json_t *flow_logs, const json_t *marker);

#endif
