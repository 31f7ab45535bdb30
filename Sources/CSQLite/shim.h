#ifndef VANDINE_CSQLITE_SHIM_H
#define VANDINE_CSQLITE_SHIM_H
#include <sqlite3.h>
#endif
