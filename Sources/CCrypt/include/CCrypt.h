#ifndef VANDINE_CCRYPT_H
#define VANDINE_CCRYPT_H
#include <stddef.h>

/// Hashes `key` with the salt and parameters in `setting` (e.g. a full `$2b$…` bcrypt hash) using
/// libcrypt's reentrant `crypt_r`. Writes the NUL-terminated result into `out` (at most `out_len`
/// bytes) and returns 0, or returns -1 when libcrypt rejects the setting.
int vandine_crypt(const char *key, const char *setting, char *out, size_t out_len);

#endif
