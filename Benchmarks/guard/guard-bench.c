// Cost of the operations the behaviour guard asks the agent about, measured inside one process:
// `guard-bench spawn|exec|open|connect N [PROGRAM|FILE]` times N operations one by one and prints the median
// in microseconds. Run it with and without LD_PRELOAD=palisade-guard.so (scripts/bench-guard alternates
// both several times and prints the table).
//   spawn:   posix_spawn of PROGRAM (default /bin/true) and waitpid; a static PROGRAM loads no library
//   exec:    fork, execve of PROGRAM in the child (how Python and Node start programs), and waitpid
//   open:    open and close of FILE (default /etc/hostname, outside the library's skip list)
//   connect: a TCP connect to a listener on 127.0.0.1 (accepted and closed by a thread), then close
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static const char *target;

static int spawn_program(void) {
    char *argv[] = {(char *)target, NULL};
    pid_t pid;
    if (posix_spawn(&pid, target, NULL, NULL, argv, environ) != 0) return -1;
    int status;
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int fork_exec_program(void) {
    char *argv[] = {(char *)target, NULL};
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        execve(target, argv, environ);
        _exit(127);
    }
    int status;
    return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int open_file(void) {
    int fd = open(target, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    return close(fd);
}

static struct sockaddr_in listener_address;

static void *accept_loop(void *argument) {
    int listener = *(int *)argument;
    for (;;) {
        int connection = accept(listener, NULL, NULL);
        if (connection >= 0) close(connection);
    }
    return NULL;
}

static int start_listener(void) {
    static int listener;
    listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    listener_address.sin_family = AF_INET;
    listener_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof listener_address;
    if (listener < 0 || bind(listener, (struct sockaddr *)&listener_address, length) != 0 || listen(listener, 1024) != 0
        || getsockname(listener, (struct sockaddr *)&listener_address, &length) != 0) return -1;
    pthread_t thread;
    return pthread_create(&thread, NULL, accept_loop, &listener);
}

static int connect_loopback(void) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int result = connect(fd, (struct sockaddr *)&listener_address, sizeof listener_address);
    close(fd);
    return result;
}

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: guard-bench spawn|exec|open|connect COUNT [PROGRAM|FILE]\n");
        return 2;
    }
    int count = atoi(argv[2]);
    int (*operation)(void) = NULL;
    if (strcmp(argv[1], "spawn") == 0 || strcmp(argv[1], "exec") == 0) {
        target = argc > 3 ? argv[3] : "/bin/true";
        operation = strcmp(argv[1], "spawn") == 0 ? spawn_program : fork_exec_program;
    }
    if (strcmp(argv[1], "open") == 0) {
        target = argc > 3 ? argv[3] : "/etc/hostname";
        operation = open_file;
    }
    if (strcmp(argv[1], "connect") == 0) {
        if (start_listener() != 0) {
            perror("listener");
            return 1;
        }
        operation = connect_loopback;
    }
    double *times = count > 0 ? malloc(sizeof(double) * (size_t)count) : NULL;
    if (operation == NULL || times == NULL) {
        fprintf(stderr, "unknown operation %s or count %s\n", argv[1], argv[2]);
        return 2;
    }
    // Warm up: the first call opens the library's connection to the agent.
    for (int i = 0; i < 10; i++) {
        if (operation() != 0) {
            perror(argv[1]);
            return 1;
        }
    }
    for (int i = 0; i < count; i++) {
        double start = now_us();
        if (operation() != 0) {
            perror(argv[1]);
            return 1;
        }
        times[i] = now_us() - start;
    }
    qsort(times, (size_t)count, sizeof(double), by_value);
    printf("%.2f\n", times[count / 2]);
    return 0;
}
