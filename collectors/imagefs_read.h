/* imagefs_read.h: STUB, being written: parsers of the files imagefs reads. */
#ifndef FOURC_IMAGEFS_READ_H
#define FOURC_IMAGEFS_READ_H
#endif
