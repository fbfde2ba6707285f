/*
 * aws_config.h: the AWS Config module's verdict on one region, apart from
 * the calls that feed it (for its unit test).
 */
#ifndef FOURC_AWS_CONFIG_H
#define FOURC_AWS_CONFIG_H

#include <jansson.h>

/*
 * Judges a region from DescribeConfigurationRecorders'
 * ConfigurationRecorders (recs) and DescribeConfigurationRecorderStatus'
 * ConfigurationRecordersStatus (statuses: an array, or the {"$error": ...}
 * marker of that call): {"config_enabled": true | false | marker,
 * "config_recorders": [{"name", "recording", "all_supported",
 * "last_status"}], "config_summary": "one sentence"} (new reference).
 * Enabled when some recorder records all supported resource types, is
 * recording and its last status is not FAILURE; unknown (the marker) when
 * only a recorder whose status could not be read might be. *docs gets the
 * aws/ConfigRecorder documents (new reference, an array).
 */
json_t *aws_config_judge(const json_t *recs, const json_t *statuses,
                         const char *region, json_t **docs);

#endif
