/* The smallest UDP echo server in C: the floor for what an echo server can do per datagram (labbench echo).
   It binds 127.0.0.1 port 0 and prints "listening on 127.0.0.1:PORT" first, as every server here does. */
#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

/* More than any UDP payload over IPv4 or IPv6, so no datagram is ever cut short (netlab::MAX_DATAGRAM). */
#define MAX_DATAGRAM 65536

int main(void) {
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) return 1;
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);
    char buf[MAX_DATAGRAM];
    for (;;) {
        struct sockaddr_in from;
        socklen_t flen = sizeof from;
        ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &flen);
        if (n >= 0) sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
    }
}
