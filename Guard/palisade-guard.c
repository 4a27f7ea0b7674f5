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
#include <limits.h>
#include <stdint.h>
#include <sys/mman.h>
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
//
// The constructor runs in every process of the function, /bin/sh and each program it starts included,
// so it does the least it can: one pass over the environment, no formatting, no symbol lookups but the
// one the exec path cannot do later. The policy file is mapped at the first guarded call.

static int active;
static int fail_closed;
static int timeout_ms = 1000;
static char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
// Entries re-added to the environment of every exec that dropped them: the process's own entries
// (strings of the initial environment, which stay in place), and LD_PRELOAD naming this library.
static char *preload_entry;
static const char *library_path = "";
static char *kept_entries[3];
static int kept_count;
// The published policy beside the socket (see "Deciding without the agent").
#define POLICY_FILE "guard.policy"
static char policy_path[sizeof(socket_path) + sizeof(POLICY_FILE)];
// The process's own argv (a shell running an allowed script may start what the script names).
static char **own_argv;
static void refresh_policy_before_fork(void);
static int has_suffix(const char *text, size_t length, const char *suffix);

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

// MARK: Helpers for the exec path
//
// A forked child that execs maps each page it touches first: a page of libc's code it had no reason to
// run costs a page fault, and a write to a page shared with the parent a copy. So the exec path calls
// no libc function (these helpers, and the system call itself inline) and writes no global.

static size_t text_length(const char *text) {
    size_t length = 0;
    // The empty asm keeps the compiler from turning the loop back into a call to strlen.
    while (text[length]) {
        __asm__("" : "+r"(length));
        length++;
    }
    return length;
}

static int entry_has_name(const char *entry, const char *name, size_t length) {
    for (size_t index = 0; index < length; index++) {
        if (entry[index] != name[index]) return 0;
    }
    return entry[length] == '=';
}

#if defined(__x86_64__)
static long raw_syscall(long number, long a, long b, long c, long d, long e) {
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    long result;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
    return result;
}
#elif defined(__aarch64__)
static long raw_syscall(long number, long a, long b, long c, long d, long e) {
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    register long x4 __asm__("x4") = e;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4) : "memory");
    return x0;
}
#else
static long raw_syscall(long number, long a, long b, long c, long d, long e) {
    long result = syscall(number, a, b, c, d, e);
    return result < 0 ? -errno : result;
}
#endif

// An exec as libc does it: -1 and errno on failure (it only returns on failure).
static int exec_call(long number, long a, long b, long c, long d, long e) {
    long result = raw_syscall(number, a, b, c, d, e);
    if (result < 0 && result > -4096) {
        errno = (int)-result;
        return -1;
    }
    return (int)result;
}

// Whether a colon- or space-separated LD_PRELOAD value names this library.
static int preload_lists_library(const char *value) {
    size_t length = text_length(library_path);
    if (length == 0) return 1;
    for (const char *cursor = value; *cursor; cursor++) {
        if (cursor != value && cursor[-1] != ':' && cursor[-1] != ' ') continue;
        size_t matched = 0;
        while (matched < length && cursor[matched] == library_path[matched]) matched++;
        char after = cursor[matched];
        if (matched == length && (after == '\0' || after == ':' || after == ' ')) return 1;
    }
    return 0;
}

// MARK: The shared connection
//
// A fork child finds the connection and the mapping as the parent left them. It writes nothing at fork
// (a written page is a copied page, in every child that only execs): it closes its copy of the parent's
// connection with a system call, forgets it the first time it asks (the pid that opened it differs),
// and resets the lock only when a thread of the parent was using it.

static pthread_mutex_t connection_lock = PTHREAD_MUTEX_INITIALIZER;
static int lock_users; // threads in or about to take connection_lock
static int connection_fd = -1;
static pid_t connection_pid;
static int unreachable_reported;

static void lock_shared(void) {
    __atomic_add_fetch(&lock_users, 1, __ATOMIC_ACQ_REL);
    pthread_mutex_lock(&connection_lock);
}

static void unlock_shared(void) {
    pthread_mutex_unlock(&connection_lock);
    __atomic_sub_fetch(&lock_users, 1, __ATOMIC_ACQ_REL);
}

static void after_fork_in_child(void) {
    if (__atomic_load_n(&lock_users, __ATOMIC_ACQUIRE) != 0) {
        pthread_mutex_init(&connection_lock, NULL);
        lock_users = 0;
    }
    // The parent's connection is its own; the child opens one when it first asks. A descriptor opened
    // by an earlier ancestor was closed at that fork, and its number may name another file by now.
    if (connection_fd >= 0 && connection_pid == (pid_t)raw_syscall(SYS_getppid, 0, 0, 0, 0, 0)) {
        raw_syscall(SYS_close, connection_fd, 0, 0, 0, 0);
    }
}

// Copies `text` to `*cursor` without its terminator, within `end`; the exec path's snprintf.
static void append_text(char **cursor, char *end, const char *text) {
    while (*text && *cursor < end) *(*cursor)++ = *text++;
}

// "LD_PRELOAD=<library>[:<value>]" in `buffer` of `size` bytes; 0 when it does not fit.
static int preload_with_library(char *buffer, size_t size, const char *value) {
    if (size == 0) return 0;
    char *cursor = buffer, *end = buffer + size - 1;
    append_text(&cursor, end, "LD_PRELOAD=");
    append_text(&cursor, end, library_path);
    if (value && *value) {
        append_text(&cursor, end, ":");
        append_text(&cursor, end, value);
    }
    *cursor = '\0';
    return text_length(library_path) + (value && *value ? text_length(value) + 1 : 0) + 11 < size;
}

#define GUARD_PREFIX "PALISADE_GUARD_"

__attribute__((constructor)) static void guard_start(int argc, char **argv) {
    // What getenv would return (the first entry of each name), in one pass.
    char *socket_entry = NULL, *closed_entry = NULL, *timeout_entry = NULL, *preload = NULL;
    size_t prefix = sizeof(GUARD_PREFIX) - 1;
    for (char **entry = environ; entry && *entry; entry++) {
        char *text = *entry;
        if (text[0] == 'L') {
            if (!preload && entry_has_name(text, "LD_PRELOAD", 10)) preload = text;
        } else if (text[0] == 'P' && entry_has_name(text, GUARD_PREFIX "SOCKET", prefix + 6)) {
            if (!socket_entry) socket_entry = text;
        } else if (text[0] == 'P' && entry_has_name(text, GUARD_PREFIX "FAIL_CLOSED", prefix + 11)) {
            if (!closed_entry) closed_entry = text;
        } else if (text[0] == 'P' && entry_has_name(text, GUARD_PREFIX "TIMEOUT_MS", prefix + 10)) {
            if (!timeout_entry) timeout_entry = text;
        }
    }
    // The exec family may run in a vfork child, where dlsym must not be first called (also needed when
    // the guard is off: execvp goes through this library either way). The other wrappers look their
    // function up on first use: a process that never calls them pays nothing at start.
    RESOLVE(execvpe);
    const char *path = socket_entry ? socket_entry + prefix + 7 : NULL;
    size_t path_length = path ? text_length(path) : 0;
    if (path_length == 0 || path_length >= sizeof(socket_path)) return;
    memcpy(socket_path, path, path_length + 1);
    size_t directory = path_length;
    while (directory > 0 && socket_path[directory - 1] != '/') directory--;
    if (directory > 0) {
        memcpy(policy_path, socket_path, directory);
        memcpy(policy_path + directory, POLICY_FILE, sizeof(POLICY_FILE));
    }
    own_argv = argc > 0 ? argv : NULL;
    kept_entries[kept_count++] = socket_entry;
    if (closed_entry) {
        kept_entries[kept_count++] = closed_entry;
        fail_closed = closed_entry[prefix + 12] == '1' && closed_entry[prefix + 13] == '\0';
    }
    if (timeout_entry) {
        kept_entries[kept_count++] = timeout_entry;
        int value = 0;
        for (const char *digit = timeout_entry + prefix + 11; *digit >= '0' && *digit <= '9' && value < 600000; digit++) value = value * 10 + (*digit - '0');
        if (value > 0) timeout_ms = value;
    }
    Dl_info info;
    if (dladdr((void *)guard_start, &info) && info.dli_fname) library_path = info.dli_fname;
    if (preload && preload_lists_library(preload + 11)) {
        preload_entry = preload;
    } else {
        // Loaded some other way (not through LD_PRELOAD): children get it through LD_PRELOAD.
        size_t size = text_length(library_path) + (preload ? text_length(preload) : 0) + 16;
        preload_entry = malloc(size);
        if (preload_entry && !preload_with_library(preload_entry, size, preload ? preload + 11 : NULL)) preload_entry = NULL;
    }
    pthread_atfork(refresh_policy_before_fork, NULL, after_fork_in_child);
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
        lock_shared();
        pid_t pid = (pid_t)syscall(SYS_getpid);
        if (connection_pid != pid) {
            // Opened by the parent (the child closed its copy at fork) or by nobody yet.
            connection_fd = -1;
            connection_pid = pid;
            unreachable_reported = 0;
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
        unlock_shared();
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

// MARK: Deciding without the agent (the published policy)
//
// The agent publishes its rules in `guard.policy` beside the socket (PalisadeBehaviour.PublishedPolicy
// describes the layout). An operation it would allow without recording anything is allowed here with no
// round trip: the part is off or in mitigate mode, no deny rule and no input of the current invocation
// can be involved, and an exec's command line is one an allow rule already accepted. Anything else
// (report mode, a rule that matches, an input found in it, a stale or missing file) is asked as before.
// A file version never changes once in place; the agent sets its stale word when a newer one replaces
// it, and the mappings this process made are kept for two more versions before they are unmapped, so a
// thread still deciding by one never reads unmapped memory.

#define POLICY_MAGIC 0x31534750u
#define POLICY_HEADER_WORDS 17
#define POLICY_MAX_SIZE (16u << 20)
enum { LIST_COMMANDS, LIST_SHELLS, LIST_INPUTS, LIST_FILE_RULES, LIST_READ_DENY, LIST_WRITE_PROTECT, LIST_NETWORK_DENY, LIST_NETWORK_ALLOW };
enum { AREA_PROCESS, AREA_FILE, AREA_NETWORK };
enum { FLAG_INVOKING = 1, FLAG_INPUTS_UNKNOWN = 2 };
enum { RULE_CIDR = 1, RULE_HOST = 2, RULE_PORT = 4 };
// What the local check found: ask the agent, or allow.
enum { LOCAL_ASK = 0, LOCAL_ALLOW = 1 };

struct policy { const unsigned char *base; size_t size; };

#define POLICY_SLOTS 4
static struct policy policy_slots[POLICY_SLOTS];
static int policy_slot_next;
static struct policy *_Atomic policy_current;

static uint32_t policy_word(const struct policy *policy, size_t index) {
    return ((const uint32_t *)(const void *)policy->base)[index];
}

// Maps the file in place; 0 when there is none worth using. Syscalls only: safe in a vfork child.
static int map_policy(struct policy *out) {
    if (!policy_path[0]) return 0;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, policy_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    struct stat info;
    void *base = MAP_FAILED;
    if (syscall(SYS_fstat, fd, &info) == 0 && info.st_size >= POLICY_HEADER_WORDS * 4 && (size_t)info.st_size <= POLICY_MAX_SIZE) {
        base = (void *)syscall(SYS_mmap, NULL, (size_t)info.st_size, PROT_READ, MAP_SHARED, fd, 0);
    }
    syscall(SYS_close, fd);
    if (base == MAP_FAILED || (unsigned long)base > -4096UL) return 0;
    out->base = base;
    out->size = (size_t)info.st_size;
    if (policy_word(out, 0) != POLICY_MAGIC || policy_word(out, 16) != out->size) {
        syscall(SYS_munmap, base, out->size);
        return 0;
    }
    return 1;
}

static int policy_fresh(const struct policy *policy) {
    if (!policy || !policy->base) return 0;
    if (__atomic_load_n(&((const uint32_t *)(const void *)policy->base)[1], __ATOMIC_ACQUIRE) != 0) return 0;
    // Fail-closed means "deny when the agent is gone": a file left by a dead agent decides nothing.
    if (fail_closed) {
        int saved = errno;
        int alive = syscall(SYS_kill, (pid_t)policy_word(policy, 7), 0) == 0 || errno == EPERM;
        errno = saved;
        return alive;
    }
    return 1;
}

// Brings this process's mapping up to date; with connection_lock held (or before fork).
static void refresh_policy_locked(void) {
    if (policy_fresh(__atomic_load_n(&policy_current, __ATOMIC_ACQUIRE))) return;
    struct policy *slot = &policy_slots[policy_slot_next];
    // The slot's old mapping was replaced POLICY_SLOTS - 1 versions ago.
    if (slot->base) syscall(SYS_munmap, slot->base, slot->size);
    slot->base = NULL;
    if (!map_policy(slot)) return;
    policy_slot_next = (policy_slot_next + 1) % POLICY_SLOTS;
    __atomic_store_n(&policy_current, slot, __ATOMIC_RELEASE);
}

static void refresh_policy_before_fork(void) {
    if (!active || policy_fresh(__atomic_load_n(&policy_current, __ATOMIC_ACQUIRE))) return;
    lock_shared();
    refresh_policy_locked();
    unlock_shared();
}

// A bounds-checked walk over one list of the file.
struct cursor { const struct policy *policy; size_t at; int bad; };

static uint32_t next_word(struct cursor *cursor) {
    if (cursor->bad || cursor->at + 4 > cursor->policy->size) { cursor->bad = 1; return 0; }
    uint32_t value = *(const uint32_t *)(const void *)(cursor->policy->base + cursor->at);
    cursor->at += 4;
    return value;
}

static const unsigned char *next_bytes(struct cursor *cursor, size_t length) {
    if (cursor->bad || length > cursor->policy->size || cursor->at + length > cursor->policy->size) { cursor->bad = 1; return NULL; }
    const unsigned char *bytes = cursor->policy->base + cursor->at;
    cursor->at += (length + 3) & ~(size_t)3;
    return bytes;
}

static const unsigned char *next_string(struct cursor *cursor, size_t *length) {
    *length = next_word(cursor);
    return next_bytes(cursor, *length);
}

// The cursor after a list's count; the count in `count` (0 and a bad cursor when the file is damaged).
static struct cursor open_list(const struct policy *policy, int list, uint32_t *count) {
    struct cursor cursor = { policy, policy_word(policy, 8 + (size_t)list), 0 };
    *count = next_word(&cursor);
    if (cursor.bad) *count = 0;
    return cursor;
}

// PalisadePolicy.Glob: `*` any run of bytes, `?` one byte; one backtrack point.
static int glob_matches(const unsigned char *pattern, size_t pattern_length, const char *text, size_t text_length) {
    size_t p = 0, t = 0, star_text = 0;
    long star = -1;
    while (t < text_length) {
        if (p < pattern_length && pattern[p] == '*') {
            star = (long)p++;
            star_text = t;
        } else if (p < pattern_length && (pattern[p] == '?' || pattern[p] == (unsigned char)text[t])) {
            p++;
            t++;
        } else if (star >= 0) {
            p = (size_t)star + 1;
            t = ++star_text;
        } else {
            return 0;
        }
    }
    while (p < pattern_length && pattern[p] == '*') p++;
    return p == pattern_length;
}

// Whether a list of globs matches `text`; -1 when the file is damaged.
static int list_glob_matches(const struct policy *policy, int list, const char *text) {
    uint32_t count;
    struct cursor cursor = open_list(policy, list, &count);
    size_t length = strlen(text);
    for (uint32_t index = 0; index < count; index++) {
        size_t size;
        const unsigned char *pattern = next_string(&cursor, &size);
        if (!pattern) return -1;
        if (glob_matches(pattern, size, text, length)) return 1;
    }
    return cursor.bad ? -1 : 0;
}

// Whether `test` holds for one of the invocation's inputs; also 1 when the inputs are unknown or the
// list is unreadable, since then only the agent can tell.
typedef int (*input_test)(const unsigned char *input, size_t size, const void *context);
static int any_input(const struct policy *policy, input_test test, const void *context) {
    if (policy_word(policy, 2) & FLAG_INPUTS_UNKNOWN) return 1;
    uint32_t count;
    struct cursor cursor = open_list(policy, LIST_INPUTS, &count);
    for (uint32_t index = 0; index < count; index++) {
        size_t size;
        const unsigned char *input = next_string(&cursor, &size);
        if (!input || test(input, size, context)) return 1;
    }
    return cursor.bad;
}

struct subject { const char *text; size_t length; int parents; };

static int shapes_subject(const unsigned char *input, size_t size, const void *context) {
    const struct subject *subject = context;
    if (memmem(subject->text, subject->length, input, size)) return 1;
    return subject->parents && memmem(input, size, "..", 2) != NULL;
}

// Whether an input of the invocation may have shaped `subject`: one occurs in it. With `parents`, also
// any input holding a `..` (the function may have resolved it before opening).
static int input_involved(const struct policy *policy, const char *text, size_t length, int parents) {
    struct subject subject = { text, length, parents };
    return any_input(policy, shapes_subject, &subject);
}

struct host { const char *name; size_t length; };

static int holds_host(const unsigned char *input, size_t size, const void *context) {
    const struct host *host = context;
    for (size_t start = 0; start + host->length <= size; start++) {
        size_t matched = 0;
        while (matched < host->length && (input[start + matched] | ((unsigned)(input[start + matched] - 'A') < 26u ? 0x20 : 0)) == (unsigned char)host->name[matched]) matched++;
        if (matched == host->length) return 1;
    }
    return 0;
}

// Whether an input holds `name` (ASCII, any case), as the agent ties a destination to an input.
static int input_names_host(const struct policy *policy, const char *name) {
    struct host host = { name, strlen(name) };
    if (host.length < 3) return 0;
    return any_input(policy, holds_host, &host);
}

// LOCAL_ALLOW when the area needs no look (off, or the runtime still starting), -1 when only the agent
// can decide (report mode records everything), LOCAL_ASK to go on with the rules.
static int area_gate(const struct policy *policy, int area) {
    if (!(policy_word(policy, 2) & FLAG_INVOKING)) return LOCAL_ALLOW;
    uint32_t mode = policy_word(policy, 3 + (size_t)area);
    if (mode == 0) return LOCAL_ALLOW;
    return mode == 2 ? LOCAL_ASK : -1;
}

// The command line allow rules match is argv joined by single spaces. The exec path reads it in place:
// in a fork child every stack page it touches is a fresh copy, so it keeps no large buffers.

// The byte at (index, offset) of the joined argv, advancing; -1 past the end.
static int next_joined_byte(char *const argv[], size_t *index, size_t *offset) {
    const char *element = argv[*index];
    if (!element) return -1;
    if (element[*offset] != '\0') return (unsigned char)element[(*offset)++];
    if (!argv[*index + 1]) return -1;
    (*index)++;
    *offset = 0;
    return ' ';
}

static int joined_equals(char *const argv[], const unsigned char *text, size_t length) {
    if (!argv || !argv[0]) return 0;
    size_t index = 0, offset = 0;
    for (size_t at = 0; at < length; at++) {
        if (next_joined_byte(argv, &index, &offset) != text[at]) return 0;
    }
    return next_joined_byte(argv, &index, &offset) < 0;
}

static int joined_contains(char *const argv[], const unsigned char *needle, size_t size) {
    if (!argv || size == 0) return 0;
    for (size_t first = 0; argv[first]; first++) {
        size_t element_length = text_length(argv[first]);
        for (size_t start = 0; start <= element_length; start++) {
            if (start == element_length && !argv[first + 1]) break;
            size_t index = first, offset = start, matched = 0;
            while (matched < size && next_joined_byte(argv, &index, &offset) == needle[matched]) matched++;
            if (matched == size) return 1;
        }
    }
    return 0;
}

// Whether a list of strings holds the joined argv; -1 when the file is damaged.
static int list_holds_arguments(const struct policy *policy, int list, char *const argv[]) {
    uint32_t count;
    struct cursor cursor = open_list(policy, list, &count);
    for (uint32_t index = 0; index < count; index++) {
        size_t size;
        const unsigned char *item = next_string(&cursor, &size);
        if (!item) return -1;
        if (joined_equals(argv, item, size)) return 1;
    }
    return cursor.bad ? -1 : 0;
}

static int local_exec(const struct policy *policy, char *const argv[]) {
    int gate = area_gate(policy, AREA_PROCESS);
    if (gate != LOCAL_ASK) return gate == LOCAL_ALLOW;
    if (!argv || !argv[0]) return LOCAL_ASK;
    int accepted = list_holds_arguments(policy, LIST_COMMANDS, argv);
    if (accepted == 0 && own_argv) accepted = list_holds_arguments(policy, LIST_SHELLS, own_argv);
    if (accepted != 1) return LOCAL_ASK;
    if (policy_word(policy, 2) & FLAG_INPUTS_UNKNOWN) return LOCAL_ASK;
    uint32_t count;
    struct cursor cursor = open_list(policy, LIST_INPUTS, &count);
    for (uint32_t index = 0; index < count; index++) {
        size_t size;
        const unsigned char *input = next_string(&cursor, &size);
        if (!input || joined_contains(argv, input, size)) return LOCAL_ASK;
    }
    return cursor.bad ? LOCAL_ASK : LOCAL_ALLOW;
}

// Ordered rules, then the read-deny list, then write protection (BehaviourJudge.fileViolation).
// Whether the agent names a /proc path as written (PathName.resolvingLinks): no `.`, `..` or empty
// component, and every link on the way has a relative target (`self`, `ns/net`), which the agent keeps.
static int proc_keeps_name(const char *path) {
    char prefix[PATH_TEXT_MAX];
    size_t length = strlen(path);
    if (length >= sizeof(prefix) || strstr(path, "//") || strstr(path, "/./") || strstr(path, "/../") || path[length - 1] == '/') return 0;
    if (has_suffix(path, length, "/.") || has_suffix(path, length, "/..")) return 0;
    for (size_t end = 6; end <= length; end++) {
        if (end < length && path[end] != '/') continue;
        memcpy(prefix, path, end);
        prefix[end] = '\0';
        struct stat info;
        if (syscall(SYS_newfstatat, AT_FDCWD, prefix, &info, AT_SYMLINK_NOFOLLOW) != 0) return 0;
        if (S_ISLNK(info.st_mode)) {
            char target[8];
            ssize_t size = syscall(SYS_readlinkat, AT_FDCWD, prefix, target, sizeof(target));
            if (size <= 0 || target[0] == '/') return 0;
        }
    }
    return 1;
}

// The path of a file that does not exist (yet) in a folder that does, as the agent names it: the
// folder resolved, the name as written (PathName.resolvingLinks). 0 when it is anything else (a
// dangling link, a missing folder, a name that is `.` or `..`); `absolute` has no `//` tail.
static int missing_file_path(const char *absolute, char resolved[PATH_MAX]) {
    if (errno != ENOENT) return 0;
    const char *name = strrchr(absolute, '/');
    if (!name || !name[1] || strcmp(name, "/.") == 0 || strcmp(name, "/..") == 0) return 0;
    struct stat info;
    if (syscall(SYS_newfstatat, AT_FDCWD, absolute, &info, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) return 0;
    char folder[PATH_MAX];
    size_t folder_length = (size_t)(name - absolute);
    if (folder_length >= sizeof(folder)) return 0;
    memcpy(folder, absolute, folder_length);
    folder[folder_length] = '\0';
    if (!realpath(folder_length ? folder : "/", resolved)) return 0;
    size_t length = strlen(resolved);
    if (length > 0 && resolved[length - 1] == '/') length--;
    if (length + strlen(name) + 1 > PATH_MAX) return 0;
    strcpy(resolved + length, name);
    return 1;
}

static int local_open(const struct policy *policy, int dirfd, const char *path, int writes) {
    int gate = area_gate(policy, AREA_FILE);
    if (gate != LOCAL_ASK) return gate == LOCAL_ALLOW;
    if (path[0] != '/' && dirfd != AT_FDCWD) return LOCAL_ASK;
    if (input_involved(policy, path, strlen(path), 1)) return LOCAL_ASK;
    char joined[PATH_TEXT_MAX];
    const char *absolute = path;
    if (path[0] != '/') {
        if (syscall(SYS_getcwd, joined, sizeof(joined)) <= 0) return LOCAL_ASK;
        size_t length = strlen(joined);
        if (length + 1 + strlen(path) + 1 > sizeof(joined)) return LOCAL_ASK;
        joined[length] = '/';
        strcpy(joined + length + 1, path);
        absolute = joined;
    }
    // The agent judges the file the path names, links followed; /proc keeps its own names there.
    char resolved[PATH_MAX];
    if (strncmp(absolute, "/proc/", 6) == 0) {
        if (!proc_keeps_name(absolute) || strlen(absolute) >= sizeof(resolved)) return LOCAL_ASK;
        strcpy(resolved, absolute);
    } else if ((!realpath(absolute, resolved) && !missing_file_path(absolute, resolved)) || strncmp(resolved, "/proc", 5) == 0) {
        return LOCAL_ASK;
    }
    uint32_t count;
    struct cursor cursor = open_list(policy, LIST_FILE_RULES, &count);
    size_t resolved_length = strlen(resolved);
    for (uint32_t index = 0; index < count; index++) {
        uint32_t allows = next_word(&cursor);
        size_t size;
        const unsigned char *pattern = next_string(&cursor, &size);
        if (!pattern) return LOCAL_ASK;
        if (glob_matches(pattern, size, resolved, resolved_length)) return allows ? LOCAL_ALLOW : LOCAL_ASK;
    }
    if (cursor.bad || list_glob_matches(policy, LIST_READ_DENY, resolved) != 0) return LOCAL_ASK;
    if (writes && list_glob_matches(policy, LIST_WRITE_PROTECT, resolved) != 0) return LOCAL_ASK;
    return LOCAL_ALLOW;
}

// One network rule (BehaviourJudge.matches); `address` NULL for a name, `port` -1 for none.
static int network_rule_matches(uint32_t tests, uint32_t rule_port, uint32_t prefix, const unsigned char *range, const unsigned char *pattern, size_t pattern_length, const unsigned char *address, const char *host, long port) {
    if ((tests & RULE_PORT) && (long)rule_port != port) return 0;
    if (tests & RULE_CIDR) {
        if (!address || prefix > 128) return 0;
        for (uint32_t bit = 0; bit < prefix; bit += 8) {
            unsigned bits = prefix - bit >= 8 ? 8 : prefix - bit;
            unsigned char mask = (unsigned char)(0xFF << (8 - bits));
            if ((address[bit / 8] & mask) != (range[bit / 8] & mask)) return 0;
        }
        return 1;
    }
    if ((tests & RULE_HOST) && host) return glob_matches(pattern, pattern_length, host, strlen(host));
    return 0;
}

// Whether any rule of a network list matches; with `hosts_only`, only rules without a range count and
// they see no address. -1 when the file is damaged.
static int network_list_matches(const struct policy *policy, int list, const unsigned char *address, const char *host, long port, int hosts_only) {
    uint32_t count;
    struct cursor cursor = open_list(policy, list, &count);
    for (uint32_t index = 0; index < count; index++) {
        uint32_t tests = next_word(&cursor), rule_port = next_word(&cursor), prefix = next_word(&cursor);
        const unsigned char *range = next_bytes(&cursor, 16);
        size_t size;
        const unsigned char *pattern = next_string(&cursor, &size);
        if (!range || !pattern) return -1;
        if (hosts_only && (tests & RULE_CIDR)) continue;
        if (network_rule_matches(tests, rule_port, prefix, range, pattern, size, hosts_only ? NULL : address, host, port)) return 1;
    }
    return cursor.bad ? -1 : 0;
}

// Whether any rule of the allow list names hosts; -1 when the file is damaged.
static int network_allow_has_hosts(const struct policy *policy) {
    uint32_t count;
    struct cursor cursor = open_list(policy, LIST_NETWORK_ALLOW, &count);
    for (uint32_t index = 0; index < count; index++) {
        uint32_t tests = next_word(&cursor);
        next_word(&cursor);
        next_word(&cursor);
        next_bytes(&cursor, 16);
        size_t size;
        if (!next_string(&cursor, &size)) return -1;
        if (tests & RULE_HOST) return 1;
    }
    return cursor.bad ? -1 : 0;
}

// BehaviourJudge.networkViolation: 1 when a rule objects (or the file is damaged).
static int network_violation(const struct policy *policy, const unsigned char *address, const char *host, long port) {
    if (network_list_matches(policy, LIST_NETWORK_DENY, address, host, port, 0) != 0) return 1;
    if (policy_word(policy, 8 + LIST_NETWORK_ALLOW) == 0) return 0;
    if (!address) {
        int hosts = network_allow_has_hosts(policy);
        if (hosts <= 0) return hosts < 0;
    }
    if (address && host) {
        int named = network_list_matches(policy, LIST_NETWORK_ALLOW, NULL, host, port, 1);
        if (named != 0) return named < 0;
    }
    return network_list_matches(policy, LIST_NETWORK_ALLOW, address, host, port, 0) != 1;
}

// A host name as the agent compares it: ASCII lower case; 0 when it is not plain ASCII or too long.
static int lower_host(const char *host, char *lowered, size_t size) {
    size_t length = strlen(host);
    if (length + 1 > size) return 0;
    for (size_t index = 0; index <= length; index++) {
        unsigned char byte = (unsigned char)host[index];
        if (byte >= 0x80) return 0;
        lowered[index] = (char)((unsigned)(byte - 'A') < 26u ? byte | 0x20 : byte);
    }
    return 1;
}

static int local_connect(const struct policy *policy, const unsigned char *address, const char *text, const char *host, long port) {
    if (!(policy_word(policy, 2) & FLAG_INVOKING)) return LOCAL_ALLOW;
    uint32_t mode = policy_word(policy, 3 + AREA_NETWORK);
    if (mode == 0) return LOCAL_ALLOW;
    // The runtime's own Runtime API connection, through the agent's proxy.
    static const unsigned char mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
    static const unsigned char loopback6[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
    int loopback = memcmp(address, loopback6, 16) == 0 || (memcmp(address, mapped_prefix, 12) == 0 && address[12] == 127);
    if (policy_word(policy, 6) != 0 && port == (long)policy_word(policy, 6) && loopback) return LOCAL_ALLOW;
    if (mode != 2) return LOCAL_ASK;
    char lowered[256];
    if (host && !lower_host(host, lowered, sizeof(lowered))) return LOCAL_ASK;
    if (network_violation(policy, address, host ? lowered : NULL, port)) return LOCAL_ASK;
    if ((host && input_names_host(policy, lowered)) || input_names_host(policy, text)) return LOCAL_ASK;
    return LOCAL_ALLOW;
}

static int local_resolve(const struct policy *policy, const char *host, long port) {
    int gate = area_gate(policy, AREA_NETWORK);
    if (gate != LOCAL_ASK) return gate == LOCAL_ALLOW;
    char lowered[256];
    // An address written as a name is judged as an address by the agent.
    if ((host[0] >= '0' && host[0] <= '9') || strchr(host, ':') || host[0] == '[' || !lower_host(host, lowered, sizeof(lowered))) return LOCAL_ASK;
    if (network_violation(policy, NULL, lowered, port) || input_names_host(policy, lowered)) return LOCAL_ASK;
    return LOCAL_ALLOW;
}

// The mapping the calling process decides by (refreshed under the connection lock when stale), or NULL.
static const struct policy *shared_policy(void) {
    struct policy *policy = __atomic_load_n(&policy_current, __ATOMIC_ACQUIRE);
    if (policy_fresh(policy)) return policy;
    lock_shared();
    refresh_policy_locked();
    unlock_shared();
    policy = __atomic_load_n(&policy_current, __ATOMIC_ACQUIRE);
    return policy_fresh(policy) ? policy : NULL;
}

// For the exec path: decides by the inherited mapping, or by one of its own that it drops at once.
static int local_exec_verdict(char *const argv[]) {
    struct policy *inherited = __atomic_load_n(&policy_current, __ATOMIC_ACQUIRE);
    if (policy_fresh(inherited)) return local_exec(inherited, argv);
    struct policy own;
    if (!map_policy(&own)) return LOCAL_ASK;
    int verdict = policy_fresh(&own) ? local_exec(&own, argv) : LOCAL_ASK;
    syscall(SYS_munmap, own.base, own.size);
    return verdict;
}

// MARK: Exec family

// Asks the agent about an exec (its own frame: the 16 KiB request is only on the stack when asking).
__attribute__((noinline)) static int ask_exec(const char *path, char *const argv[], int own_connection) {
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

static int check_exec_on(const char *path, char *const argv[], int own_connection) {
    if (own_connection) {
        if (local_exec_verdict(argv) == LOCAL_ALLOW) return 0;
    } else {
        const struct policy *policy = shared_policy();
        if (policy && local_exec(policy, argv) == LOCAL_ALLOW) return 0;
    }
    return ask_exec(path, argv, own_connection);
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
// The room guarded_environment needs to rebuild an LD_PRELOAD entry that dropped the library (1 when
// none is rebuilt: the exec path keeps its stack small, see joined_equals).
static size_t preload_rebuild_size(char *const envp[]) {
    if (!active) return 1;
    for (size_t index = 0; envp && envp[index]; index++) {
        if (entry_has_name(envp[index], "LD_PRELOAD", 10) && !preload_lists_library(envp[index] + 11)) {
            return text_length(envp[index]) + text_length(library_path) + 16;
        }
    }
    return 1;
}

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
                if (preload_with_library(preload, preload_size, entry + 11)) slots[count] = preload;
                else if (preload_entry) slots[count] = preload_entry;
                has_preload = 1;
            }
        }
        for (int kept = 0; kept < kept_count; kept++) {
            size_t length = 0;
            while (kept_entries[kept][length] != '=') length++;
            if (entry_has_name(entry, kept_entries[kept], length)) has_kept[kept] = 1;
        }
    }
    size_t total = count;
    if (!has_preload && preload_entry) slots[total++] = preload_entry;
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
    char preload[preload_rebuild_size(envp)];
    return exec_call(SYS_execve, (long)path, (long)argv, (long)guarded_environment(envp, slots, preload, sizeof(preload)), 0, 0);
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
    char preload[preload_rebuild_size(envp)];
    return exec_call(SYS_execveat, dirfd, (long)path, (long)argv, (long)guarded_environment(envp, slots, preload, sizeof(preload)), flags);
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
    char preload[preload_rebuild_size(envp)];
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
    char preload[preload_rebuild_size(envp)];
    return real_posix_spawn(pid, path, actions, attributes, argv, (char **)guarded_environment(envp, slots, preload, sizeof(preload)));
}

int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attributes, char *const argv[], char *const envp[]) {
    RESOLVE(posix_spawnp);
    if (active) {
        int denied = check_spawn(file, argv);
        if (denied) return denied;
    }
    char *slots[environment_count(envp) + 8];
    char preload[preload_rebuild_size(envp)];
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
    const struct policy *policy = shared_policy();
    if (policy && local_open(policy, dirfd, path, writes) == LOCAL_ALLOW) {
        busy = 0;
        return 0;
    }
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
// Allocated by the first lookup (most processes make none).
#define RESOLVED_MAX 32
static struct resolution { char address[INET6_ADDRSTRLEN]; char host[256]; } *resolved;
static int resolved_next;

static void remember_resolution(const char *host, const struct addrinfo *results) {
    if (strlen(host) >= sizeof(resolved[0].host)) return;
    lock_shared();
    if (!resolved) __atomic_store_n(&resolved, calloc(RESOLVED_MAX, sizeof(struct resolution)), __ATOMIC_RELEASE);
    for (const struct addrinfo *result = resolved ? results : NULL; result; result = result->ai_next) {
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
    unlock_shared();
}

// The name the process resolved to `address`, or "" (`host` has 256 bytes).
static void resolved_host(const char *address, char *host) {
    host[0] = '\0';
    if (!__atomic_load_n(&resolved, __ATOMIC_ACQUIRE)) return;
    lock_shared();
    for (int index = 0; index < RESOLVED_MAX; index++) {
        if (strcmp(resolved[index].address, address) == 0) strcpy(host, resolved[index].host);
    }
    unlock_shared();
}

static int check_address(const struct sockaddr *address) {
    if (!active || busy || !address) return 0;
    char text[INET6_ADDRSTRLEN];
    unsigned char bytes[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF };
    int port;
    if (address->sa_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)address;
        if (!inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text))) return 0;
        memcpy(bytes + 12, &v4->sin_addr, 4);
        port = ntohs(v4->sin_port);
    } else if (address->sa_family == AF_INET6) {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)address;
        if (!inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text))) return 0;
        memcpy(bytes, &v6->sin6_addr, 16);
        port = ntohs(v6->sin6_port);
    } else {
        return 0;
    }
    busy = 1;
    char host[256];
    resolved_host(text, host);
    const struct policy *policy = shared_policy();
    if (policy && local_connect(policy, bytes, text, host[0] ? host : NULL, port) == LOCAL_ALLOW) {
        busy = 0;
        return 0;
    }
    struct request request;
    begin_request(&request, "connect");
    put_field(&request, "address", text);
    put_raw(&request, ",\"port\":");
    put_number(&request, port);
    if (host[0]) put_field(&request, "host", host);
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
    int port = 0;
    for (const char *digit = service; digit && *digit >= '0' && *digit <= '9' && port < 65536; digit++) port = port * 10 + (*digit - '0');
    int has_port = port > 0 && port < 65536;
    const struct policy *policy = shared_policy();
    int denied = 0;
    if (!policy || local_resolve(policy, node, has_port ? port : -1) != LOCAL_ALLOW) {
        struct request request;
        begin_request(&request, "resolve");
        put_field(&request, "host", node);
        if (has_port) {
            put_raw(&request, ",\"port\":");
            put_number(&request, port);
        }
        denied = ask(&request, 0);
    }
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
