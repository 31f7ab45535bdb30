#ifndef VANDINE_CYAML_SHIM_H
#define VANDINE_CYAML_SHIM_H
#include <yaml.h>
#endif
