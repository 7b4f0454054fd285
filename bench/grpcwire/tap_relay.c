// The baseline for bench/grpcwire: a minimal TAP-over-TCP relay, as a simple userspace wire is usually written.
// One TAP (IFF_TAP | IFF_NO_PI, opened inside the pod's namespace), one TCP connection (TCP_NODELAY) in the node's
// namespace, frames framed by a 2-byte big-endian length, one write() per frame, one thread each way.
//   tap_relay POD_NETNS_PATH TAP listen IP PORT
//   tap_relay POD_NETNS_PATH TAP connect IP PORT
// Built by run.sh with: gcc -O2 -pthread -o tap_relay tap_relay.c
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int tap_fd, sock_fd;

static void die(const char *what) { perror(what); exit(1); }

static int open_tap_in(const char *netns_path, const char *name) {
    int here = open("/proc/self/ns/net", O_RDONLY), there = open(netns_path, O_RDONLY);
    if (here < 0 || there < 0) die("open netns");
    if (setns(there, CLONE_NEWNET) != 0) die("setns pod");
    int fd = open("/dev/net/tun", O_RDWR);
    if (fd < 0) die("open /dev/net/tun");
    struct ifreq ifr = {0};
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) die("TUNSETIFF");
    if (setns(here, CLONE_NEWNET) != 0) die("setns back");
    close(here);
    close(there);
    return fd;
}

static int read_full(int fd, uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

// TAP -> TCP: each frame becomes [len_hi len_lo frame...] sent with a single write.
static void *tap_to_tcp(void *arg) {
    (void)arg;
    static uint8_t buf[2 + 65536];
    for (;;) {
        ssize_t n = read(tap_fd, buf + 2, sizeof buf - 2);
        if (n < 0) {
            if (errno == EINTR) continue;
            die("read tap");
        }
        if (n > 0xffff) continue;
        buf[0] = (uint8_t)(n >> 8);
        buf[1] = (uint8_t)n;
        size_t left = (size_t)n + 2;
        uint8_t *p = buf;
        while (left > 0) {
            ssize_t w = write(sock_fd, p, left);
            if (w < 0) {
                if (errno == EINTR) continue;
                die("write tcp");
            }
            p += w;
            left -= (size_t)w;
        }
    }
    return NULL;
}

// TCP -> TAP: read the length, then the frame, write it into the TAP.
static void tcp_to_tap(void) {
    static uint8_t buf[65536];
    for (;;) {
        uint8_t len[2];
        if (read_full(sock_fd, len, 2) != 0) exit(0);
        size_t n = ((size_t)len[0] << 8) | len[1];
        if (read_full(sock_fd, buf, n) != 0) exit(0);
        if (write(tap_fd, buf, n) < 0 && errno != EAGAIN && errno != EIO) die("write tap");
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: %s POD_NETNS_PATH TAP listen|connect IP PORT\n", argv[0]);
        return 2;
    }
    tap_fd = open_tap_in(argv[1], argv[2]);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[5]))};
    if (inet_pton(AF_INET, argv[4], &addr.sin_addr) != 1) die("address");
    int one = 1;
    if (strcmp(argv[3], "listen") == 0) {
        int l = socket(AF_INET, SOCK_STREAM, 0);
        setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (bind(l, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind");
        if (listen(l, 1) != 0) die("listen");
        fprintf(stderr, "listening\n");
        sock_fd = accept(l, NULL, NULL);
        if (sock_fd < 0) die("accept");
        close(l);
    } else {
        sock_fd = socket(AF_INET, SOCK_STREAM, 0);
        for (int tries = 0; connect(sock_fd, (struct sockaddr *)&addr, sizeof addr) != 0; tries++) {
            if (tries > 100) die("connect");
            usleep(50000);
        }
    }
    setsockopt(sock_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fprintf(stderr, "connected\n");
    pthread_t t;
    if (pthread_create(&t, NULL, tap_to_tcp, NULL) != 0) die("pthread_create");
    tcp_to_tap();
    return 0;
}
