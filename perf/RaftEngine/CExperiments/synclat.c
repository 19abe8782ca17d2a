// Per-sync latency of durable ~16.5 KB appends, several ways (perf/RaftEngine/README.md, "Direct synced writes").
// gcc -O2 -o synclat synclat.c && ./synclat DIR SYNCS GROUP_BYTES "b_ d4 a_"   (names: prefixes of the ways below)
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <time.h>
#include <sys/uio.h>
#include <sys/stat.h>
#include <errno.h>
#include <linux/fs.h>

#ifndef RWF_DSYNC
#define RWF_DSYNC 0x00000002
#endif

#define FILESZ (32L << 20)

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static long io_write_bytes(void) {
    FILE *f = fopen("/proc/self/io", "r");
    char line[256];
    long v = -1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "write_bytes:", 12) == 0) v = atol(line + 12);
    }
    fclose(f);
    return v;
}

static void die(const char *m) { perror(m); exit(1); }

// A file of zeros written 4 KiB per call and synced: "written blocks", cached in single pages.
static void prefill(const char *path) {
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0) die("open prefill");
    static char z[4096];
    for (long o = 0; o < FILESZ; o += 4096) if (pwrite(fd, z, 4096, o) != 4096) die("pwrite prefill");
    if (fdatasync(fd)) die("fdatasync");
    close(fd);
}

static int cmpd(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp/re-sync-c";
    int n = argc > 2 ? atoi(argv[2]) : 1000;
    int group = argc > 3 ? atoi(argv[3]) : 16500;
    const char *only = argc > 4 ? argv[4] : NULL;
    char path[512];
    snprintf(path, sizeof path, "%s/lat.dat", dir);
    char *buf;
    if (posix_memalign((void **)&buf, 4096, 1 << 20)) die("memalign");
    memset(buf, 'x', 1 << 20);
    char *tail; // in-memory copy of the partial page/sector for O_DIRECT
    if (posix_memalign((void **)&tail, 4096, 1 << 20)) die("memalign");

    const char *names[] = {"a_append_fdatasync", "a2_append_fallockeep_fdatasync", "b_pwrite_written_fdatasync",
                           "c_pwritev2_RWF_DSYNC_written", "d1_odirect4k_RWF_DSYNC", "d2_odirect4k_O_DSYNC",
                           "d3_odirect512_RWF_DSYNC", "e1_odirect4k_fdatasync", "e2_odirect512_fdatasync",
                           "f_fallocated_pwrite_fdatasync", "d4_odirect512_O_DSYNC", "g_fallocated_odirect512_O_DSYNC"};
    int nm = sizeof names / sizeof names[0];
    double *lat = malloc(sizeof(double) * n);
    int order[64], no = 0;
    if (only) {
        char *copy = strdup(only);
        for (char *t = strtok(copy, " "); t; t = strtok(NULL, " "))
            for (int m = 0; m < nm; m++) if (strncmp(names[m], t, strlen(t)) == 0) order[no++] = m;
    } else {
        for (int m = 0; m < nm; m++) order[no++] = m;
    }
    for (int oi = 0; oi < no; oi++) {
        int m = order[oi];
        unlink(path);
        int direct = (m >= 4 && m <= 8) || m >= 10;
        int align = (m == 6 || m == 8 || m >= 10) ? 512 : 4096;
        int fd;
        if (m == 0 || m == 1) {
            fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
        } else if (m == 9 || m == 11) {
            fd = open(path, O_CREAT | O_TRUNC | O_RDWR | (m == 11 ? O_DIRECT | O_DSYNC : 0), 0644);
            if (posix_fallocate(fd, 0, FILESZ)) die("fallocate");
            fsync(fd);
        } else {
            prefill(path);
            int flags = O_RDWR;
            if (direct) flags |= O_DIRECT;
            if (m == 5 || m == 10) flags |= O_DSYNC;
            fd = open(path, flags);
        }
        if (fd < 0) die("open");
        int dfd = open(dir, O_RDONLY);
        fsync(dfd);
        close(dfd);
        long off = 0;
        long allocated = 0;
        long wb0 = io_write_bytes();
        for (int i = 0; i < n; i++) {
            if (off + group + 16 > FILESZ) off = 0;
            double t0 = now_us();
            if (m == 0) {
                if (write(fd, buf, group) != group) die("write");
                if (fdatasync(fd)) die("fdatasync");
            } else if (m == 1) {
                if (off + group > allocated) {
                    if (fallocate(fd, FALLOC_FL_KEEP_SIZE, allocated, 1 << 20)) die("fallocate keep");
                    allocated += 1 << 20;
                }
                if (write(fd, buf, group) != group) die("write");
                if (fdatasync(fd)) die("fdatasync");
            } else if (m == 2 || m == 9) {
                if (pwrite(fd, buf, group + 16, off) != group + 16) die("pwrite");
                if (fdatasync(fd)) die("fdatasync");
            } else if (m == 3) {
                struct iovec v = {buf, group + 16};
                if (pwritev2(fd, &v, 1, off, RWF_DSYNC) != group + 16) die("pwritev2");
            } else {
                // O_DIRECT: from the aligned start of the page/sector holding `off`, the group + terminator, padded.
                long start = off & ~(long)(align - 1);
                long end = (off + group + 16 + align - 1) & ~(long)(align - 1);
                long len = end - start;
                // tail already holds [start, off); copy the group after it (a memcpy, like the engine would do)
                memcpy(tail + (off - start), buf, group + 16);
                memset(tail + (off - start) + group + 16, 0, end - (off + group + 16));
                struct iovec v = {tail, len};
                int fl = (m == 4 || m == 6) ? RWF_DSYNC : 0;
                ssize_t w = pwritev2(fd, &v, 1, start, fl);
                if (w != len) { fprintf(stderr, "%s: w=%zd len=%ld start=%ld\n", names[m], w, len, start); die("pwritev2 direct"); }
                if (m == 7 || m == 8) if (fdatasync(fd)) die("fdatasync");
                // keep the partial last unit for the next write
                long keep = (off + group) & ~(long)(align - 1);
                memmove(tail, tail + (keep - start), (off + group) - keep);
            }
            lat[i] = now_us() - t0;
            off += group;
        }
        long wb = io_write_bytes() - wb0;
        qsort(lat, n, sizeof(double), cmpd);
        double sum = 0;
        for (int i = 0; i < n; i++) sum += lat[i];
        printf("%-34s mean %7.1f us  p50 %7.1f  p90 %7.1f  p99 %7.1f  wamp %.2f\n", names[m], sum / n, lat[n / 2],
               lat[n * 9 / 10], lat[n * 99 / 100], (double)wb / ((double)group * n));
        fflush(stdout);
        close(fd);
    }
    unlink(path);
    return 0;
}
