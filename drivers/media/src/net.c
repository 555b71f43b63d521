/*
 * net.c - UDP sockets of a media port: RTP on an even port and RTCP on the next odd one
 * (RFC 3550 §11), or both on one port with rtcp-mux (RFC 5761). Sockets are non-blocking,
 * carry kernel receive timestamps (SO_TIMESTAMPNS) for the jitter estimate, and are marked
 * with the DiffServ code point given (RFC 2474 §3, e.g. EF = 46 per RFC 3246).
 */
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <netinet/ip.h>
#include <arpa/inet.h>

int sipt_sockaddr_from(uint8_t family, const uint8_t *addr, uint16_t port,
                       struct sockaddr_storage *out, socklen_t *len, int port_family)
{
    memset(out, 0, sizeof *out);
    if (family == 4 && port_family == 4) {
        struct sockaddr_in *a = (struct sockaddr_in *) out;
        a->sin_family = AF_INET;
        memcpy(&a->sin_addr, addr, 4);
        a->sin_port = htons(port);
        *len = sizeof *a;
        return 0;
    }
    if (port_family == 6 && (family == 6 || family == 4)) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *) out;
        a->sin6_family = AF_INET6;
        if (family == 6) {
            memcpy(&a->sin6_addr, addr, 16);
        } else {
            /* IPv4-mapped address on a dual-stack socket (RFC 4291 §2.5.5.2) */
            a->sin6_addr.s6_addr[10] = 0xFF;
            a->sin6_addr.s6_addr[11] = 0xFF;
            memcpy(&a->sin6_addr.s6_addr[12], addr, 4);
        }
        a->sin6_port = htons(port);
        *len = sizeof *a;
        return 0;
    }
    return -EAFNOSUPPORT;
}

int sipt_sockaddr_equal(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
    if (a->ss_family != b->ss_family) return 0;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *) a, *y = (const void *) b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *) a, *y = (const void *) b;
        return x->sin6_port == y->sin6_port && memcmp(&x->sin6_addr, &y->sin6_addr, 16) == 0;
    }
    return 0;
}

static int open_one(const media_port_config_t *cfg, uint16_t port, uint16_t *bound)
{
    int fam = cfg->family == 6 ? AF_INET6 : AF_INET;
    int fd = socket(fam, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    int one = 1, tos = (int) cfg->dscp << 2;
    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one);
    struct sockaddr_storage ss;
    socklen_t len;
    if (fam == AF_INET6) {
        static const uint8_t any6[16];
        int v6only = memcmp(cfg->addr, any6, 16) != 0;
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only);
        if (tos) setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof tos);
    } else if (tos) {
        setsockopt(fd, IPPROTO_IP, IP_TOS, &tos, sizeof tos);
    }
    sipt_sockaddr_from(cfg->family == 6 ? 6 : 4, cfg->addr, port, &ss, &len, cfg->family == 6 ? 6 : 4);
    if (bind(fd, (struct sockaddr *) &ss, len) != 0) {
        int err = -errno;
        close(fd);
        return err;
    }
    len = sizeof ss;
    getsockname(fd, (struct sockaddr *) &ss, &len);
    *bound = ntohs(fam == AF_INET6 ? ((struct sockaddr_in6 *) &ss)->sin6_port : ((struct sockaddr_in *) &ss)->sin_port);
    return fd;
}

static int watch(struct media_engine *e, struct port *p, int fd, int rtcp)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = ((uint64_t) p->gen << 32) | ((uint64_t) (uint32_t) p->id << 1) | (uint64_t) rtcp;
    return epoll_ctl(e->epfd, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : -errno;
}

int sipt_port_open(struct media_engine *e, const media_port_config_t *cfg, struct port *p)
{
    if (cfg->family != 4 && cfg->family != 6) return -EAFNOSUPPORT;
    p->family = cfg->family;
    p->rtcp_mux = cfg->rtcp_mux ? 1 : 0;
    p->fd_rtp = p->fd_rtcp = -1;
    int fd = -1, fd2 = -1;
    uint16_t rtp_port = 0, rtcp_port = 0;
    for (int attempt = 0; attempt < 128; attempt++) {
        fd = open_one(cfg, cfg->port, &rtp_port);
        if (fd < 0) return fd;
        if (p->rtcp_mux) break;
        if (cfg->port == 0 && (rtp_port & 1u) != 0u) { close(fd); fd = -1; continue; }
        if (rtp_port == 65535u) { close(fd); fd = -1; if (cfg->port != 0) return -EINVAL; continue; }
        fd2 = open_one(cfg, (uint16_t) (rtp_port + 1u), &rtcp_port);
        if (fd2 >= 0) break;
        close(fd);
        fd = -1;
        if (cfg->port != 0) return fd2;
    }
    if (fd < 0) return -EADDRINUSE;
    p->fd_rtp = fd;
    p->fd_rtcp = fd2;
    p->rtp_port = rtp_port;
    p->rtcp_port = p->rtcp_mux ? rtp_port : rtcp_port;
    int rc = watch(e, p, fd, 0);
    p->rtp_watched = rc == 0;
    if (rc == 0 && fd2 >= 0) rc = watch(e, p, fd2, 1);
    if (rc != 0) {
        close(fd);
        if (fd2 >= 0) close(fd2);
        p->fd_rtp = p->fd_rtcp = -1;
        return rc;
    }
    return 0;
}

/* Whether epoll watches the RTP socket: not while a stream reads it directly every tick. */
void sipt_port_watch_rtp(struct media_engine *e, struct port *p, int on)
{
    if (p->fd_rtp < 0 || p->rtp_watched == on) return;
    if (on) {
        if (watch(e, p, p->fd_rtp, 0) == 0) p->rtp_watched = 1;
    } else if (epoll_ctl(e->epfd, EPOLL_CTL_DEL, p->fd_rtp, NULL) == 0) {
        p->rtp_watched = 0;
    }
}

/* Stops watching (control side); the descriptors are closed when the port object is freed. */
void sipt_port_close(struct media_engine *e, struct port *p)
{
    if (p->fd_rtp >= 0) epoll_ctl(e->epfd, EPOLL_CTL_DEL, p->fd_rtp, NULL);
    if (p->fd_rtcp >= 0) epoll_ctl(e->epfd, EPOLL_CTL_DEL, p->fd_rtcp, NULL);
}
