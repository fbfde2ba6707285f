/* distrib_ref.c: being split out of distrib.c. */
#include "distrib.h"
typedef int distrib_ref_unused;
