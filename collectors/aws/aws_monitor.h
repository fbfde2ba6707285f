/*
 * aws_monitor.h: what CloudTrail's answers mean for the CIS logging and
 * monitoring controls, worked out without any I/O so that it can be
 * tested on its own: a trail's event selectors read into "which
 * management events, which S3 object events", metric filter patterns
 * normalised, and the join of trails, metric filters, alarms and SNS
 * subscriptions into the account's "monitoring" list (docs/aws.md).
 *
 * Wherever an input is aws_unavailable()'s marker ({"$error": ...}) the
 * output carries a copy of it in the place of what could not be known,
 * never a guess.
 */
#ifndef FOURC_AWS_MONITOR_H
#define FOURC_AWS_MONITOR_H

#include <jansson.h>

/* 1 when v is the marker object {"$error": "..."}. */
int aws_monitor_is_marker(const json_t *v);

/*
 * A trail's GetEventSelectors answer (borrowed) read into one object (new
 * reference):
 *   "management_events": "All" | "ReadOnly" | "WriteOnly" | "None" |
 *                        "Partial" (some management event sources are
 *                        excluded or the selectors narrow by other fields)
 *   "s3_object_read_all", "s3_object_write_all": true when the object-level
 *                        (data) events of every S3 bucket are logged
 *   "s3_object_read_buckets", "s3_object_write_buckets": the buckets named
 *                        one by one (ARN prefixes "arn:aws:s3:::NAME/...")
 * Classic EventSelectors (ReadWriteType, IncludeManagementEvents,
 * ExcludeManagementEventSources, DataResources) and
 * AdvancedEventSelectors (eventCategory, readOnly, resources.type,
 * resources.ARN) are both read; a missing ReadWriteType is All, a missing
 * IncludeManagementEvents true, as AWS reads them.
 */
json_t *aws_monitor_selectors(const json_t *answer);

/* The filter pattern with every run of whitespace outside double quotes
 * removed (new string): `{ ($.eventName = "X") }` -> `{($.eventName="X")}`. */
char *aws_monitor_pattern_norm(const char *pattern);

/*
 * The distinct values a normalised pattern compares field ("eventName",
 * "eventSource") equal to, quotes stripped, in order of appearance (new
 * array): `$.eventName=CreateTrail||$.eventName="DeleteTrail"` ->
 * ["CreateTrail", "DeleteTrail"]. A `!=` comparison is not one of them.
 */
json_t *aws_monitor_pattern_values(const char *norm, const char *field);

/*
 * The join (new array), each element an object
 *   {log_group, log_group_region, trails: [ARN...], filter, pattern,
 *    pattern_raw, event_names, event_sources, metric, namespace,
 *    alarms: [{name, actions: [ARN...], subscribers}]}
 * for every metric filter on a log group that a qualifying trail (multi
 * region, logging, management events All) delivers to, or a copy of a
 * marker standing for what could not be seen (a region's trails, a
 * trail's status or selectors, a region's filters).
 *
 * trails: array of the account's trail summaries (objects with arn,
 *   multi_region, logging, management_events, log_group_arn) or markers;
 * filters: {REGION: array of DescribeMetricFilters' metricFilters, or a
 *   marker}; alarms: {REGION: array of DescribeAlarms' MetricAlarms, or a
 *   marker}; topics: {TOPIC_ARN: number of confirmed subscriptions, or a
 *   marker}. All borrowed. An alarm's subscribers is the sum over its SNS
 *   actions, or the marker of a topic that could not be listed when the
 *   sum is 0; alarms is the marker when the region's alarms were not
 *   read.
 */
json_t *aws_monitor_join(const json_t *trails, const json_t *filters,
                         const json_t *alarms, const json_t *topics);

/* A log group ARN "arn:aws:logs:REGION:ACCOUNT:log-group:NAME[:*]" split:
 * 0 with region and name copied (bounded), -1 when it is not one. */
int aws_monitor_log_group(const char *arn, char *region, size_t rcap,
                          char *name, size_t ncap);

#endif
