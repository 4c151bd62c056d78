#ifndef CITIESD_CLIBPQ_SHIM_H
#define CITIESD_CLIBPQ_SHIM_H
#include <libpq-fe.h>
#endif
