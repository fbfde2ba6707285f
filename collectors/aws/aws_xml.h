/*
 * aws_xml.h: AWS XML responses (query protocol, EC2, S3) read with expat
 * into jansson values.
 *
 * An element with child elements becomes an object of its children by
 * name (a name repeated becomes an array of its values); an element whose
 * children carry one of the caller's item names ("member" for IAM, STS
 * and RDS, "item" for EC2) becomes an array of their values; any other
 * element is its text as a string ("" when empty: aws_xml_list reads that
 * as an empty list). Attributes and namespaces are ignored.
 *
 * Bounded: the body may be at most max_size bytes and max_depth elements
 * deep; a document type declaration (and with it every entity
 * definition: no billion laughs, no external entities) is refused at
 * once. Errors name the line and column.
 */
#ifndef FOURC_AWS_XML_H
#define FOURC_AWS_XML_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"

#define AWS_XML_MAX_SIZE (64u << 20)
#define AWS_XML_MAX_DEPTH 64

struct aws_xml_opts {
    const char *const *items; /* item element names, NULL-ended; NULL:
                                 "member" and "item" */
    size_t max_size;          /* 0: AWS_XML_MAX_SIZE */
    int max_depth;            /* 0: AWS_XML_MAX_DEPTH */
};

/* The value of the root element (new reference), its name copied to
 * root (when not NULL, up to rootlen bytes); NULL with e set. */
json_t *aws_xml_parse(const char *body, size_t len,
                      const struct aws_xml_opts *o, char *root, size_t rootlen,
                      struct err *e);

/* obj's member key as an array (new reference): the array itself; an
 * empty array when it is missing or "" (an empty list); otherwise a
 * one-element array of the value. */
json_t *aws_xml_list(json_t *obj, const char *key);

/* An AWS error document (<ErrorResponse><Error>, moto's
 * <ErrorResponse><Errors><Error>, EC2's <Response><Errors><Error>, S3's
 * <Error>): 1 with its Code and Message copied, 0 when body is not one. */
int aws_xml_error(const char *body, size_t len, char *code, size_t codelen,
                  char *msg, size_t msglen);

#endif
