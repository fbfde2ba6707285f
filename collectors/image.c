/* image.c: being written */
#include "collector.h"
typedef int image_unused;
