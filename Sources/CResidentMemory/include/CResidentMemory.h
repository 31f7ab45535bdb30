#ifndef VANDINE_CRESIDENT_MEMORY_H
#define VANDINE_CRESIDENT_MEMORY_H

/// Number of file-backed read-only/executable mappings of this executable that were switched to
/// MADV_RANDOM at start-up (0 when /proc is unavailable). Exposed so a test can check it ran.
int vandine_random_access_mappings(void);

#endif
