/* testmoto.h: moto_server (the AWS emulator, on PATH from dev/deps) for
 * unit tests that talk to it (test_aws_call.c, test_aws_api.c): a free
 * port, the server started and waited for, awscli run against it.
 * moto_server missing is a failure, not a skip. Header-only: static
 * inline. */
#ifndef FOURC_TESTMOTO_H
#define FOURC_TESTMOTO_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* A TCP port on 127.0.0.1 nobody listens on now, or 0. */
static inline int testmoto_free_port(void)
{
    struct sockaddr_in a = {0};
    socklen_t n = sizeof(a);
    int s = socket(AF_INET, SOCK_STREAM, 0), port = 0;
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &n) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

/* Starts moto_server on port; no_auth (or NULL) is its
 * INITIAL_NO_AUTH_ACTION_COUNT: it checks signatures and IAM policy after
 * that many calls. */
static inline pid_t testmoto_start(int port, const char *no_auth)
{
    char p[16];
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        if (no_auth)
            setenv("INITIAL_NO_AUTH_ACTION_COUNT", no_auth, 1);
        snprintf(p, sizeof(p), "%d", port);
        execlp("moto_server", "moto_server", "-H", "127.0.0.1", "-p", p,
               (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* 1 when the server *pid started answers on port within 30 s; 0 (and *pid
 * 0 if it exited: not installed, or the port taken) otherwise. */
static inline int testmoto_up(pid_t *pid, int port)
{
    for (int i = 0; i < 300; i++) {
        struct sockaddr_in a = {0};
        int s = socket(AF_INET, SOCK_STREAM, 0), ok;
        a.sin_family = AF_INET;
        a.sin_port = htons((unsigned short)port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ok = connect(s, (struct sockaddr *)&a, sizeof(a)) == 0;
        close(s);
        if (ok)
            return 1;
        if (waitpid(*pid, NULL, WNOHANG) == *pid) {
            *pid = 0;
            return 0;
        }
        usleep(100000);
    }
    return 0;
}

static inline void testmoto_stop(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        waitpid(*pid, NULL, 0);
    }
    *pid = 0;
}

/* Runs /usr/bin/aws against the moto at url, its output to out; 0 when
 * it succeeded. */
static inline int testmoto_awscli(const char *url, const char *args,
                                  const char *out)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing "
             "AWS_DEFAULT_REGION=us-east-1 AWS_PAGER= /usr/bin/aws "
             "--endpoint-url %s %s >%s",
             url, args, out);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
