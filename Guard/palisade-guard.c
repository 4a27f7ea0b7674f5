// Palisade behaviour guard: an LD_PRELOAD library that asks the agent before the function's processes
// run a program, open a file, connect or resolve a name (protocol: docs/behaviour-guard.md). It is
// lib/palisade-guard.so in the layer, built with `cc` by PalisadeLocal.GuardLibrary: plain C and libc
// only, so that it loads into any process of the function, /bin/sh included, and starts at once.
//
// Rules this file keeps:
// - The exec path is async-signal-safe and touches no global state: it may run in a vfork child that
//   shares memory with a parent whose other threads keep running. It uses a connection of its own.
// - Everything else shares one connection per process under a mutex, reset in fork children.
// - The library's own socket, connect and file calls go to the kernel or to libc's real functions,
//   never back through these wrappers; a thread-local flag stops nested calls from asking twice.
// - On allow, errno is what the caller had before the call.
#undef _FORTIFY_SOURCE
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define REQUEST_MAX 16384
#define REQUEST_RESERVE 96
#define ANSWER_MAX 2048
#define PATH_TEXT_MAX 4096

// MARK: Configuration, read once by the constructor

static int active;
static int fail_closed;
static int timeout_ms = 1000;
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
// Entries re-added to the environment of every exec that dropped them.
static char preload_entry[PATH_TEXT_MAX + 16];
static const char *library_path = "";
static char *kept_entries[4];
static int kept_count;

static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);
static FILE *(*real_fopen)(const char *, const char *);
static FILE *(*real_fopen64)(const char *, const char *);
static int (*real___open_2)(const char *, int);
static int (*real___open64_2)(const char *, int);
static int (*real___openat_2)(int, const char *, int);
static int (*real___openat64_2)(int, const char *, int);
static int (*real_connect)(int, const struct sockaddr *, socklen_t);
static ssize_t (*real_sendto)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
static int (*real_getaddrinfo)(const char *, const char *, const struct addrinfo *, struct addrinfo **);
static int (*real_execvpe)(const char *, char *const[], char *const[]);
static int (*real_posix_spawn)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, char *const[], char *const[]);
static int (*real_posix_spawnp)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *, char *const[], char *const[]);
static int (*real_system)(const char *);
static FILE *(*real_popen)(const char *, const char *);

#define RESOLVE(name) do { if (!real_##name) *(void **)&real_##name = dlsym(RTLD_NEXT, #name); } while (0)

// Set while this thread is inside a wrapper, so that libc's own nested calls are not asked about.
static __thread int busy __attribute__((tls_model("initial-exec")));

// MARK: The shared connection

static pthread_mutex_t connection_lock = PTHREAD_MUTEX_INITIALIZER;
static int connection_fd = -1;
static pid_t connection_pid;
static int unreachable_reported;

static void reset_after_fork(void) {
    pthread_mutex_init(&connection_lock, NULL);
    if (connection_fd >= 0) close(connection_fd);
    connection_fd = -1;
    connection_pid = 0;
    unreachable_reported = 0;
}

static int entry_has_name(const char *entry, const char *name, size_t length) {
    return strncmp(entry, name, length) == 0 && entry[length] == '=';
}

// Whether a colon- or space-separated LD_PRELOAD value names this library.
static int preload_lists_library(const char *value) {
    size_t length = strlen(library_path);
    if (length == 0) return 1;
    for (const char *cursor = value; (cursor = strstr(cursor, library_path)) != NULL; cursor += length) {
        int starts = cursor == value || cursor[-1] == ':' || cursor[-1] == ' ';
        char after = cursor[length];
        if (starts && (after == '\0' || after == ':' || after == ' ')) return 1;
    }
    return 0;
}

static void keep_entry(const char *name) {
    size_t length = strlen(name);
    for (char **entry = environ; entry && *entry; entry++) {
        if (entry_has_name(*entry, name, length)) {
            kept_entries[kept_count++] = *entry;
            return;
        }
    }
}

__attribute__((constructor)) static void guard_start(void) {
    const char *path = getenv("PALISADE_GUARD_SOCKET");
    if (!path || !*path || strlen(path) >= sizeof(socket_path)) return;
    strcpy(socket_path, path);
    const char *closed = getenv("PALISADE_GUARD_FAIL_CLOSED");
    fail_closed = closed && strcmp(closed, "1") == 0;
    const char *timeout = getenv("PALISADE_GUARD_TIMEOUT_MS");
    if (timeout && *timeout) {
        int value = 0;
        for (const char *digit = timeout; *digit >= '0' && *digit <= '9' && value < 600000; digit++) value = value * 10 + (*digit - '0');
        if (value > 0) timeout_ms = value;
    }
    Dl_info info;
    if (dladdr((void *)guard_start, &info) && info.dli_fname) library_path = info.dli_fname;
    const char *preload = getenv("LD_PRELOAD");
    if (preload && preload_lists_library(preload)) {
        snprintf(preload_entry, sizeof(preload_entry), "LD_PRELOAD=%s", preload);
    } else {
        snprintf(preload_entry, sizeof(preload_entry), "LD_PRELOAD=%s%s%s", library_path, preload && *preload ? ":" : "", preload ? preload : "");
    }
    keep_entry("PALISADE_GUARD_SOCKET");
    keep_entry("PALISADE_GUARD_FAIL_CLOSED");
    keep_entry("PALISADE_GUARD_TIMEOUT_MS");
    RESOLVE(open); RESOLVE(open64); RESOLVE(openat); RESOLVE(openat64); RESOLVE(fopen); RESOLVE(fopen64);
    RESOLVE(__open_2); RESOLVE(__open64_2); RESOLVE(__openat_2); RESOLVE(__openat64_2);
    RESOLVE(connect); RESOLVE(sendto); RESOLVE(getaddrinfo); RESOLVE(execvpe);
    RESOLVE(posix_spawn); RESOLVE(posix_spawnp); RESOLVE(system); RESOLVE(popen);
    pthread_atfork(NULL, NULL, reset_after_fork);
    active = 1;
}

// MARK: Requests (a JSON line built in a fixed buffer; no allocation)

struct request {
    char text[REQUEST_MAX];
    size_t length;
    int truncated;
};

static void put_raw(struct request *request, const char *text) {
    size_t length = strlen(text);
    if (request->length + length > REQUEST_MAX - 2) return;
    memcpy(request->text + request->length, text, length);
    request->length += length;
}

static void put_number(struct request *request, long value) {
    char digits[24];
    int index = sizeof(digits);
    digits[--index] = '\0';
    int negative = value < 0;
    unsigned long magnitude = negative ? -(unsigned long)value : (unsigned long)value;
    do { digits[--index] = (char)('0' + magnitude % 10); magnitude /= 10; } while (magnitude);
    if (negative) digits[--index] = '-';
    put_raw(request, digits + index);
}

// A JSON string; stops (and marks the request truncated) before the reserve the closing fields need.
static void put_string(struct request *request, const char *text) {
    static const char hex[] = "0123456789abcdef";
    size_t limit = REQUEST_MAX - REQUEST_RESERVE;
    if (request->length + 2 > limit) { request->truncated = 1; return; }
    request->text[request->length++] = '"';
    for (const unsigned char *byte = (const unsigned char *)text; byte && *byte; byte++) {
        char escaped[6];
        size_t size = 0;
        if (*byte == '"' || *byte == '\\') { escaped[0] = '\\'; escaped[1] = (char)*byte; size = 2; }
        else if (*byte == '\n') { escaped[0] = '\\'; escaped[1] = 'n'; size = 2; }
        else if (*byte < 0x20) { memcpy(escaped, "\\u00", 4); escaped[4] = hex[*byte >> 4]; escaped[5] = hex[*byte & 15]; size = 6; }
        else { escaped[0] = (char)*byte; size = 1; }
        if (request->length + size + 1 > limit) { request->truncated = 1; break; }
        memcpy(request->text + request->length, escaped, size);
        request->length += size;
    }
    request->text[request->length++] = '"';
}

static void begin_request(struct request *request, const char *op) {
    request->length = 0;
    request->truncated = 0;
    put_raw(request, "{\"v\":1,\"op\":\"");
    put_raw(request, op);
    put_raw(request, "\",\"pid\":");
    put_number(request, (long)syscall(SYS_getpid));
    put_raw(request, ",\"ppid\":");
    put_number(request, (long)syscall(SYS_getppid));
    put_raw(request, ",\"source\":\"preload\"");
}

static void put_field(struct request *request, const char *name, const char *value) {
    put_raw(request, ",\"");
    put_raw(request, name);
    put_raw(request, "\":");
    put_string(request, value);
}

static void put_cwd(struct request *request) {
    char cwd[PATH_TEXT_MAX];
    if (syscall(SYS_getcwd, cwd, sizeof(cwd)) > 0) put_field(request, "cwd", cwd);
}

static void end_request(struct request *request) {
    if (request->truncated) put_raw(request, ",\"truncated\":true");
    request->text[request->length++] = '}';
    request->text[request->length++] = '\n';
}

// MARK: Talking to the agent

static long milliseconds_now(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000L + now.tv_nsec / 1000000L;
}

// A connection whose reads give up after the timeout by themselves (SO_RCVTIMEO): an answer costs one
// blocking recv, no poll.
static int open_connection(void) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct timeval limit = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
    struct sockaddr_un address;
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    memcpy(address.sun_path, socket_path, strlen(socket_path));
    if (syscall(SYS_connect, fd, (struct sockaddr *)&address, (socklen_t)sizeof(address)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

// Sends one request and reads one answer line; -1 when the agent did not answer in time.
static int exchange(int fd, const struct request *request, char *answer) {
    size_t sent = 0;
    while (sent < request->length) {
        ssize_t written = send(fd, request->text + sent, request->length - sent, MSG_NOSIGNAL);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return -1;
        sent += (size_t)written;
    }
    long deadline = 0; // set on the first interruption: signals must not stretch the wait forever
    size_t received = 0;
    for (;;) {
        ssize_t count = recv(fd, answer + received, ANSWER_MAX - 1 - received, 0);
        if (count < 0 && errno == EINTR) {
            if (deadline == 0) deadline = milliseconds_now() + timeout_ms;
            if (milliseconds_now() < deadline) continue;
        }
        if (count <= 0) return -1; // EAGAIN: SO_RCVTIMEO ran out
        received += (size_t)count;
        answer[received] = '\0';
        char *end = memchr(answer, '\n', received);
        if (end) { *end = '\0'; return 0; }
        if (received >= ANSWER_MAX - 1) return -1;
    }
}

static void write_line(const char *text) {
    size_t length = strlen(text);
    while (length > 0) {
        ssize_t written = write(2, text, length);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) return;
        text += written;
        length -= (size_t)written;
    }
}

// The errno to fail with, or 0 to go ahead. `own_connection` is for the exec path (see the top); the
// caller of posix_spawn, system and popen is an ordinary process and shares the connection instead.
static int ask(struct request *request, int own_connection) {
    end_request(request);
    char answer[ANSWER_MAX];
    int status = -1;
    if (own_connection) {
        int fd = open_connection();
        if (fd >= 0) {
            status = exchange(fd, request, answer);
            close(fd);
        }
    } else {
        pthread_mutex_lock(&connection_lock);
        pid_t pid = (pid_t)syscall(SYS_getpid);
        if (connection_pid != pid) {
            if (connection_fd >= 0) close(connection_fd);
            connection_fd = -1;
            connection_pid = pid;
        }
        // A connection the agent closed is noticed on first use: one retry on a fresh one.
        for (int attempt = 0; attempt < 2 && status != 0; attempt++) {
            if (connection_fd < 0) connection_fd = open_connection();
            if (connection_fd < 0) break;
            status = exchange(connection_fd, request, answer);
            if (status != 0) {
                close(connection_fd);
                connection_fd = -1;
            }
        }
        pthread_mutex_unlock(&connection_lock);
    }
    if (status != 0) {
        if (fail_closed) {
            write_line("{\"palisade\":\"guard\",\"action\":\"blocked\",\"message\":\"agent unreachable (PALISADE_GUARD_FAIL_CLOSED=1)\"}\n");
            return EPERM;
        }
        if (!own_connection && !unreachable_reported) {
            unreachable_reported = 1;
            write_line("{\"palisade\":\"guard\",\"action\":\"allowed\",\"message\":\"agent unreachable: calls allowed (fail-open)\"}\n");
        }
        return 0;
    }
    if (answer[0] != 'D') return 0;
    int code = 0;
    const char *cursor = answer + 1;
    while (*cursor == ' ') cursor++;
    while (*cursor >= '0' && *cursor <= '9' && code < 10000) code = code * 10 + (*cursor++ - '0');
    while (*cursor == ' ') cursor++;
    if (*cursor == '{') {
        write_line(cursor);
        write_line("\n");
    } else {
        write_line("{\"palisade\":\"guard\",\"action\":\"blocked\",\"message\":\"");
        write_line(cursor);
        write_line("\"}\n");
    }
    return code > 0 ? code : EPERM;
}

// MARK: Exec family

static int check_exec_on(const char *path, char *const argv[], int own_connection) {
    struct request request;
    begin_request(&request, "exec");
    put_field(&request, "path", path ? path : "");
    put_raw(&request, ",\"argv\":[");
    for (size_t index = 0; argv && argv[index]; index++) {
        if (index > 0) put_raw(&request, ",");
        put_string(&request, argv[index]);
        if (request.truncated) break;
    }
    put_raw(&request, "]");
    put_cwd(&request);
    return ask(&request, own_connection);
}

// execve and its kin may run in a vfork child: a connection of their own.
static int check_exec(const char *path, char *const argv[]) {
    return check_exec_on(path, argv, 1);
}

// posix_spawn, system and popen run in the caller, which may ask many times: the shared connection.
static int check_spawn(const char *path, char *const argv[]) {
    return check_exec_on(path, argv, 0);
}

static size_t environment_count(char *const envp[]) {
    size_t count = 0;
    while (envp && envp[count]) count++;
    return count;
}

// The environment an exec gets: the caller's, with the guard's variables put back if it dropped
// them. `slots` has room for count + 8 entries; `preload` receives a rebuilt LD_PRELOAD entry.
static char *const *guarded_environment(char *const envp[], char **slots, char *preload, size_t preload_size) {
    if (!active) return envp;
    size_t count = 0;
    int has_preload = 0;
    int has_kept[4] = { 0 };
    for (; envp && envp[count]; count++) {
        const char *entry = envp[count];
        slots[count] = (char *)entry;
        if (entry_has_name(entry, "LD_PRELOAD", 10)) {
            if (preload_lists_library(entry + 11)) {
                has_preload = 1;
            } else {
                int written = snprintf(preload, preload_size, "LD_PRELOAD=%s%s%s", library_path, entry[11] ? ":" : "", entry + 11);
                slots[count] = written > 0 && (size_t)written < preload_size ? preload : preload_entry;
                has_preload = 1;
            }
        }
        for (int kept = 0; kept < kept_count; kept++) {
            size_t length = (size_t)(strchr(kept_entries[kept], '=') - kept_entries[kept]);
            if (entry_has_name(entry, kept_entries[kept], length)) has_kept[kept] = 1;
        }
    }
    size_t total = count;
    if (!has_preload) slots[total++] = preload_entry;
    for (int kept = 0; kept < kept_count; kept++) {
        if (!has_kept[kept]) slots[total++] = kept_entries[kept];
    }
    slots[total] = NULL;
    return slots;
}

int execve(const char *path, char *const argv[], char *const envp[]) {
    if (active) {
        int denied = check_exec(path, argv);
        if (denied) { errno = denied; return -1; }
    }
    char *slots[environment_count(envp) + 8];
    char preload[PATH_TEXT_MAX + 16];
    return (int)syscall(SYS_execve, path, argv, guarded_environment(envp, slots, preload, sizeof(preload)));
}

int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) {
    if (active) {
        char resolved[PATH_TEXT_MAX] = "";
        if (path[0] != '/' && dirfd != AT_FDCWD) {
            char link[64] = "/proc/self/fd/";
            char digits[16];
            int index = sizeof(digits);
            digits[--index] = '\0';
            unsigned value = (unsigned)dirfd;
            do { digits[--index] = (char)('0' + value % 10); value /= 10; } while (value);
            strcat(link, digits + index);
            ssize_t length = readlink(link, resolved, sizeof(resolved) - 2);
            if (length > 0) {
                resolved[length] = '\0';
                if (path[0]) { strcat(resolved, "/"); strncat(resolved, path, sizeof(resolved) - strlen(resolved) - 1); }
            }
        }
        int denied = check_exec(resolved[0] ? resolved : path, argv);
        if (denied) { errno = denied; return -1; }
    }
    char *slots[environment_count(envp) + 8];
    char preload[PATH_TEXT_MAX + 16];
    return (int)syscall(SYS_execveat, dirfd, path, argv, guarded_environment(envp, slots, preload, sizeof(preload)), flags);
}

int fexecve(int fd, char *const argv[], char *const envp[]) {
    return execveat(fd, "", argv, envp, AT_EMPTY_PATH);
}

int execv(const char *path, char *const argv[]) {
    return execve(path, argv, environ);
}

int execvpe(const char *file, char *const argv[], char *const envp[]) {
    if (!real_execvpe) { errno = ENOSYS; return -1; }
    if (active) {
        int denied = check_exec(file, argv);
        if (denied) { errno = denied; return -1; }
    }
    char *slots[environment_count(envp) + 8];
    char preload[PATH_TEXT_MAX + 16];
    return real_execvpe(file, argv, guarded_environment(envp, slots, preload, sizeof(preload)));
}

int execvp(const char *file, char *const argv[]) {
    return execvpe(file, argv, environ);
}

#define EXECL_MAX 1024

// Collects execl's variable arguments; returns the count or -1 when there are too many.
static int collect_arguments(const char *first, va_list *list, char **argv) {
    int count = 0;
    argv[count++] = (char *)first;
    while (argv[count - 1] != NULL) {
        if (count >= EXECL_MAX) return -1;
        argv[count++] = va_arg(*list, char *);
    }
    return count;
}

int execl(const char *path, const char *arg, ...) {
    char *argv[EXECL_MAX];
    va_list list;
    va_start(list, arg);
    int count = collect_arguments(arg, &list, argv);
    va_end(list);
    if (count < 0) { errno = E2BIG; return -1; }
    return execve(path, argv, environ);
}

int execlp(const char *file, const char *arg, ...) {
    char *argv[EXECL_MAX];
    va_list list;
    va_start(list, arg);
    int count = collect_arguments(arg, &list, argv);
    va_end(list);
    if (count < 0) { errno = E2BIG; return -1; }
    return execvpe(file, argv, environ);
}

int execle(const char *path, const char *arg, ...) {
    char *argv[EXECL_MAX];
    va_list list;
    va_start(list, arg);
    int count = collect_arguments(arg, &list, argv);
    char *const *envp = count < 0 ? NULL : va_arg(list, char *const *);
    va_end(list);
    if (count < 0) { errno = E2BIG; return -1; }
    return execve(path, argv, envp);
}

int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attributes, char *const argv[], char *const envp[]) {
    RESOLVE(posix_spawn);
    if (active) {
        int denied = check_spawn(path, argv);
        if (denied) return denied;
    }
    char *slots[environment_count(envp) + 8];
    char preload[PATH_TEXT_MAX + 16];
    return real_posix_spawn(pid, path, actions, attributes, argv, (char **)guarded_environment(envp, slots, preload, sizeof(preload)));
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attributes, char *const argv[], char *const envp[]) {
    RESOLVE(posix_spawnp);
    if (active) {
        int denied = check_spawn(file, argv);
        if (denied) return denied;
    }
    char *slots[environment_count(envp) + 8];
    char preload[PATH_TEXT_MAX + 16];
    return real_posix_spawnp(pid, file, actions, attributes, argv, (char **)guarded_environment(envp, slots, preload, sizeof(preload)));
}

// system() and popen() start /bin/sh through libc's internal spawn, which no wrapper sees: the script
// is checked here, in the caller, and the shell's own execs are checked in the shell.
static int check_shell(const char *command) {
    char *argv[] = { "sh", "-c", (char *)command, NULL };
    return check_spawn("/bin/sh", argv);
}

int system(const char *command) {
    RESOLVE(system);
    if (active && command && !busy) {
        int denied = check_shell(command);
        if (denied) { errno = denied; return -1; }
    }
    return real_system(command);
}

FILE *popen(const char *command, const char *mode) {
    RESOLVE(popen);
    if (active && command && !busy) {
        int denied = check_shell(command);
        if (denied) { errno = denied; return NULL; }
    }
    return real_popen(command, mode);
}

// MARK: Files

static int has_prefix(const char *text, const char *prefix) {
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

static int has_suffix(const char *text, size_t length, const char *suffix) {
    size_t size = strlen(suffix);
    return length >= size && memcmp(text + length - size, suffix, size) == 0;
}

// A path whose last component is a symbolic link: named like code, it may still point anywhere.
static int is_link(const char *path) {
    struct stat info;
    return syscall(SYS_newfstatat, AT_FDCWD, path, &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode);
}

// Opens no policy could care about, answered here so that loading code costs no round trip. The system
// folders are the image's; a file skipped by its name must not be a link (`/tmp/x.so -> /etc/shadow`).
static int skipped_path(const char *path) {
    if (path[0] != '/' || strstr(path, "/..")) return 0;
    static const char *const prefixes[] = { "/usr/lib/", "/lib/", "/lib64/", "/usr/share/", "/usr/local/lib/", "/proc/self/fd/", "/etc/ld.so." };
    for (size_t index = 0; index < sizeof(prefixes) / sizeof(prefixes[0]); index++) {
        if (has_prefix(path, prefixes[index])) return 1;
    }
    if (strcmp(path, "/dev/null") == 0 || strcmp(path, "/dev/urandom") == 0) return 1;
    size_t length = strlen(path);
    int code = has_suffix(path, length, ".so") || has_suffix(path, length, ".pyc");
    const char *version = strstr(path, ".so.");
    if (!code && version) {
        const char *cursor = version + 4;
        while ((*cursor >= '0' && *cursor <= '9') || *cursor == '.') cursor++;
        code = *cursor == '\0';
    }
    if (!code && has_suffix(path, length, ".py")) code = strstr(path, "/lib/python") || strstr(path, "/site-packages/");
    return code && !is_link(path);
}

static int check_open(int dirfd, const char *path, int writes) {
    if (!active || busy || !path || skipped_path(path)) return 0;
    busy = 1;
    struct request request;
    begin_request(&request, "open");
    put_field(&request, "path", path);
    if (path[0] != '/') {
        if (dirfd == AT_FDCWD) {
            put_cwd(&request);
        } else {
            char link[64];
            char directory[PATH_TEXT_MAX];
            snprintf(link, sizeof(link), "/proc/self/fd/%d", dirfd);
            ssize_t length = readlink(link, directory, sizeof(directory) - 1);
            if (length > 0) {
                directory[length] = '\0';
                put_field(&request, "cwd", directory);
            }
        }
    }
    put_field(&request, "access", writes ? "write" : "read");
    int denied = ask(&request, 0);
    busy = 0;
    return denied;
}

static int open_writes(int flags) {
    return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | O_APPEND)) != 0;
}

static int open_has_mode(int flags) {
    return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

#define OPEN_WRAPPER(name, ...)                                                       \
    int saved = errno;                                                                \
    mode_t mode = 0;                                                                  \
    if (open_has_mode(flags)) {                                                       \
        va_list list;                                                                 \
        va_start(list, flags);                                                        \
        mode = (mode_t)va_arg(list, int);                                             \
        va_end(list);                                                                 \
    }                                                                                 \
    RESOLVE(name);                                                                    \
    int denied = check_open(__VA_ARGS__, open_writes(flags));                         \
    if (denied) { errno = denied; return -1; }                                        \
    errno = saved;

int open(const char *path, int flags, ...) {
    OPEN_WRAPPER(open, AT_FDCWD, path)
    return real_open(path, flags, mode);
}

int open64(const char *path, int flags, ...) {
    OPEN_WRAPPER(open64, AT_FDCWD, path)
    return real_open64(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...) {
    OPEN_WRAPPER(openat, dirfd, path)
    return real_openat(dirfd, path, flags, mode);
}

int openat64(int dirfd, const char *path, int flags, ...) {
    OPEN_WRAPPER(openat64, dirfd, path)
    return real_openat64(dirfd, path, flags, mode);
}

// The _FORTIFY_SOURCE variants programs call when the flags are not a constant: no mode argument.

#define FORTIFIED_WRAPPER(name, dirfd, path)                                          \
    int saved = errno;                                                                \
    RESOLVE(name);                                                                    \
    int denied = check_open(dirfd, path, open_writes(flags));                         \
    if (denied) { errno = denied; return -1; }                                        \
    errno = saved;

int __open_2(const char *path, int flags) {
    FORTIFIED_WRAPPER(__open_2, AT_FDCWD, path)
    return real___open_2(path, flags);
}

int __open64_2(const char *path, int flags) {
    FORTIFIED_WRAPPER(__open64_2, AT_FDCWD, path)
    return real___open64_2(path, flags);
}

int __openat_2(int dirfd, const char *path, int flags) {
    FORTIFIED_WRAPPER(__openat_2, dirfd, path)
    return real___openat_2(dirfd, path, flags);
}

int __openat64_2(int dirfd, const char *path, int flags) {
    FORTIFIED_WRAPPER(__openat64_2, dirfd, path)
    return real___openat64_2(dirfd, path, flags);
}

static int fopen_writes(const char *mode) {
    return mode && (mode[0] != 'r' || strchr(mode, '+') != NULL);
}

FILE *fopen(const char *path, const char *mode) {
    int saved = errno;
    RESOLVE(fopen);
    int denied = check_open(AT_FDCWD, path, fopen_writes(mode));
    if (denied) { errno = denied; return NULL; }
    errno = saved;
    return real_fopen(path, mode);
}

FILE *fopen64(const char *path, const char *mode) {
    int saved = errno;
    RESOLVE(fopen64);
    int denied = check_open(AT_FDCWD, path, fopen_writes(mode));
    if (denied) { errno = denied; return NULL; }
    errno = saved;
    return real_fopen64(path, mode);
}

// MARK: Network

// Names the process resolved, so that a connect to one of their addresses carries the name.
#define RESOLVED_MAX 32
static struct { char address[INET6_ADDRSTRLEN]; char host[256]; } resolved[RESOLVED_MAX];
static int resolved_next;

static void remember_resolution(const char *host, const struct addrinfo *results) {
    if (strlen(host) >= sizeof(resolved[0].host)) return;
    pthread_mutex_lock(&connection_lock);
    for (const struct addrinfo *result = results; result; result = result->ai_next) {
        char address[INET6_ADDRSTRLEN];
        const void *raw = NULL;
        if (result->ai_family == AF_INET) raw = &((const struct sockaddr_in *)result->ai_addr)->sin_addr;
        else if (result->ai_family == AF_INET6) raw = &((const struct sockaddr_in6 *)result->ai_addr)->sin6_addr;
        if (!raw || !inet_ntop(result->ai_family, raw, address, sizeof(address)) || strcmp(address, host) == 0) continue;
        int duplicate = 0;
        for (int index = 0; index < RESOLVED_MAX && !duplicate; index++) {
            duplicate = strcmp(resolved[index].address, address) == 0 && strcmp(resolved[index].host, host) == 0;
        }
        if (duplicate) continue;
        strcpy(resolved[resolved_next].address, address);
        strcpy(resolved[resolved_next].host, host);
        resolved_next = (resolved_next + 1) % RESOLVED_MAX;
    }
    pthread_mutex_unlock(&connection_lock);
}

static void put_resolved_host(struct request *request, const char *address) {
    char host[256] = "";
    pthread_mutex_lock(&connection_lock);
    for (int index = 0; index < RESOLVED_MAX; index++) {
        if (strcmp(resolved[index].address, address) == 0) strcpy(host, resolved[index].host);
    }
    pthread_mutex_unlock(&connection_lock);
    if (host[0]) put_field(request, "host", host);
}

static int check_address(const struct sockaddr *address) {
    if (!active || busy || !address) return 0;
    char text[INET6_ADDRSTRLEN];
    int port;
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        if (!inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text))) return 0;
        port = ntohs(v4->sin_port);
    } else if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        if (!inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text))) return 0;
        port = ntohs(v6->sin6_port);
    } else {
        return 0;
    }
    busy = 1;
    struct request request;
    begin_request(&request, "connect");
    put_field(&request, "address", text);
    put_raw(&request, ",\"port\":");
    put_number(&request, port);
    put_resolved_host(&request, text);
    int denied = ask(&request, 0);
    busy = 0;
    return denied;
}

// With _GNU_SOURCE glibc declares the address argument as a transparent union.
int connect(int fd, __CONST_SOCKADDR_ARG argument, socklen_t length) {
    const struct sockaddr *address = argument.__sockaddr__;
    int saved = errno;
    RESOLVE(connect);
    int denied = check_address(address);
    if (denied) { errno = denied; return -1; }
    errno = saved;
    return real_connect(fd, address, length);
}

ssize_t sendto(int fd, const void *buffer, size_t length, int flags, __CONST_SOCKADDR_ARG argument, socklen_t address_length) {
    const struct sockaddr *address = argument.__sockaddr__;
    int saved = errno;
    RESOLVE(sendto);
    int denied = check_address(address);
    if (denied) { errno = denied; return -1; }
    errno = saved;
    return real_sendto(fd, buffer, length, flags, address, address_length);
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **results) {
    int saved = errno;
    RESOLVE(getaddrinfo);
    if (!active || busy || !node) return real_getaddrinfo(node, service, hints, results);
    busy = 1;
    struct request request;
    begin_request(&request, "resolve");
    put_field(&request, "host", node);
    int port = 0;
    for (const char *digit = service; digit && *digit >= '0' && *digit <= '9' && port < 65536; digit++) port = port * 10 + (*digit - '0');
    if (port > 0 && port < 65536) {
        put_raw(&request, ",\"port\":");
        put_number(&request, port);
    }
    int denied = ask(&request, 0);
    if (denied) {
        busy = 0;
        errno = denied;
        return EAI_SYSTEM;
    }
    errno = saved;
    int status = real_getaddrinfo(node, service, hints, results);
    if (status == 0 && results) remember_resolution(node, *results);
    busy = 0;
    return status;
}
