// Unsynced appends into new files (fresh page-cache pages) vs dropping old files vs reusing files (README).
// gcc -O2 -o newpages newpages.c && ./newpages DIR MODE(0 keep, 1 drop file n-KEEP, 2 reuse 8) FILES [KEEP]
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/resource.h>

#define FILESZ (32L << 20)
#define CHUNK (270 * 1024)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void) {
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6;
}

int main(int argc, char **argv) {
    const char *dir = argv[1];
    int mode = atoi(argv[2]); // 0: new files, keep cache; 1: new files, drop file n-keep after sync; 2: reuse 8 files round-robin
    int files = atoi(argv[3]);
    int keep = argc > 4 ? atoi(argv[4]) : 2;
    char *buf = malloc(CHUNK);
    memset(buf, 'x', CHUNK);
    int fds[4096];
    char path[512];
    double t0 = now(), c0 = cpu();
    for (int f = 0; f < files; f++) {
        int slot = mode == 2 ? f % 8 : f;
        snprintf(path, sizeof path, "%s/np%04d", dir, slot);
        if (mode == 2 && f >= 8) {
            fds[f] = open(path, O_RDWR);
        } else {
            fds[f] = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
            posix_fallocate(fds[f], 0, FILESZ);
        }
        for (long off = 64; off + CHUNK + 16 < FILESZ; off += CHUNK) {
            pwrite(fds[f], buf, CHUNK, off);
            if ((off / CHUNK) % 4 == 3) sync_file_range(fds[f], off - 3 * CHUNK, 3 * CHUNK, SYNC_FILE_RANGE_WRITE);
        }
        fdatasync(fds[f]);
        if (mode == 1 && f >= keep) {
            posix_fadvise(fds[f - keep], 0, 0, POSIX_FADV_DONTNEED);
        }
        if (mode == 2 || mode == 1) {
            if (mode == 2) close(fds[f]);
        }
    }
    double t = now() - t0, c = cpu() - c0;
    printf("mode %d: %d files, %.0f MB/s wall, cpu %.2f s per GB\n", mode, files, files * 32.0 / t, c / (files * 32.0 / 1024));
    for (int f = 0; f < files; f++) {
        snprintf(path, sizeof path, "%s/np%04d", dir, f);
        unlink(path);
    }
    return 0;
}
