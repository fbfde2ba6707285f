/*
 * image_history.h: an image config's history as Dockerfile instructions,
 * in the shape dockerfile_parse.h gives code/Dockerfile resources, so one
 * rule judges both (kinds: [code/Dockerfile, image/Config]).
 */
#ifndef FOURC_IMAGE_HISTORY_H
#define FOURC_IMAGE_HISTORY_H

#include <jansson.h>

/* created_by of one history entry ("/bin/sh -c #(nop)  USER app", "RUN
 * /bin/sh -c apt-get update # buildkit", "USER app") as one instruction
 * object, or NULL when it is not recognisable. New reference. */
json_t *image_history_instruction(const char *created_by);

#endif
