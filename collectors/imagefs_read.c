/* imagefs_read.c: STUB, being written. */
#include "imagefs_read.h"
typedef int imagefs_read_unused;
