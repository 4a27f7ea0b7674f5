#ifndef PALISADE_CSQLITE_SHIM_H
#define PALISADE_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
