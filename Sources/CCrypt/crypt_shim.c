#include "CCrypt.h"
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

int vandine_crypt(const char *key, const char *setting, char *out, size_t out_len) {
    /* struct crypt_data is large (~32 KiB): keep it off the (small) cooperative thread stacks. */
    struct crypt_data *data = calloc(1, sizeof(struct crypt_data));
    if (data == NULL) return -1;
    const char *hash = crypt_r(key, setting, data);
    int rc = -1;
    /* libxcrypt returns a string starting with '*' on failure instead of NULL. */
    if (hash != NULL && hash[0] != '*' && strlen(hash) < out_len) {
        strcpy(out, hash);
        rc = 0;
    }
    explicit_bzero(data, sizeof(struct crypt_data));
    free(data);
    return rc;
}
