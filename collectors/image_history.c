/* image_history.c: being written */
#include "image_history.h"
typedef int image_history_unused;
