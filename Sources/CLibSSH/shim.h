#ifndef VANDINE_CLIBSSH_SHIM_H
#define VANDINE_CLIBSSH_SHIM_H
#include <libssh/libssh.h>
#include <libssh/callbacks.h>
#endif
