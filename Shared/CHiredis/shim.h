#ifndef PASSWORDLESS_CHIREDIS_SHIM_H
#define PASSWORDLESS_CHIREDIS_SHIM_H
#include <hiredis/hiredis.h>
#include <sys/time.h>

/// The error string of a context as a plain pointer (Swift imports the fixed-size array as a tuple).
static inline const char *phiredis_errstr(const redisContext *c) { return c->errstr; }
/// The error string of a reader, likewise.
static inline const char *phiredis_reader_errstr(const redisReader *r) { return r->errstr; }
#endif
