#define _GNU_SOURCE
#include "CResidentMemory.h"
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * The kernel's fault-around maps up to 16 neighbouring pages of a file mapping on every page fault.
 * A Swift binary touches its large text and metadata sparsely (runtime type lookups), so most of
 * what fault-around brings in is never used: on a 2-core test machine it made up well over half of
 * the exporter's resident memory. MADV_RANDOM turns fault-around off for our own image, so only
 * pages that are really used become resident. It runs as a constructor, before Swift code.
 */
static int advised_mappings = 0;

__attribute__((constructor)) static void vandine_advise_random_access(void) {
    char exe[PATH_MAX];
    ssize_t length = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (length <= 0) return;
    exe[length] = '\0';
    FILE *maps = fopen("/proc/self/maps", "r");
    if (maps == NULL) return;
    char line[PATH_MAX + 128];
    while (fgets(line, sizeof(line), maps) != NULL) {
        unsigned long start, end;
        char perms[5];
        int path_offset = 0;
        if (sscanf(line, "%lx-%lx %4s %*s %*s %*s %n", &start, &end, perms, &path_offset) < 3) continue;
        if (perms[1] == 'w' || path_offset == 0) continue; /* leave writable (private, dirty) data alone */
        char *path = line + path_offset;
        path[strcspn(path, "\n")] = '\0';
        if (strcmp(path, exe) != 0) continue;
        if (madvise((void *)start, end - start, MADV_RANDOM) == 0) advised_mappings++;
    }
    fclose(maps);
}

int vandine_random_access_mappings(void) { return advised_mappings; }
