/* img.c: being written */
#include "img.h"
typedef int img_unused;
