#ifndef MODSECURITY_HARNESS_H
#define MODSECURITY_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#pragma clang assume_nonnull begin

/// One request header, borrowed from the caller's memory for the duration of a call.
typedef struct msh_header {
    const uint8_t *name;
    size_t name_length;
    const uint8_t *value;
    size_t value_length;
} msh_header;

/// The HTTP request ModSecurity sees for one workload; every pointer is borrowed.
typedef struct msh_request {
    const char *method;
    /// Path with query string, NUL-terminated.
    const char *uri;
    const msh_header *headers;
    size_t header_count;
    const uint8_t *body;
    size_t body_length;
} msh_request;

/// A ModSecurity instance with the rule set compiled once.
typedef struct msh_engine msh_engine;

/// Compiles `rules` (ModSecurity configuration text, `Include` allowed). On failure returns NULL
/// and sets `*error` to a message the caller frees with `free`.
msh_engine *_Nullable msh_engine_create(const char *rules, char *_Nullable *_Nullable error);

void msh_engine_destroy(msh_engine *_Nullable engine);

/// "ModSecurity vX.Y.Z (platform)".
const char *msh_engine_version(const msh_engine *engine);

/// Runs one request through phases 1 and 2 in a fresh transaction. Returns the intervention's HTTP
/// status, or 0 when ModSecurity let the request through. When `log` is not NULL and there was an
/// intervention, `*log` receives ModSecurity's message, to be freed with `free`.
int msh_engine_inspect(msh_engine *engine, const msh_request *request,
                       char *_Nullable *_Nullable log);

/// Runs `work(context)` in a forked child and lets it use at most `seconds` of CPU time, because
/// an engine caught in catastrophic regex backtracking cannot be interrupted in-process. Returns 1
/// when the work finished, 0 when the child was killed at the limit, -1 when it could not run;
/// `*cpu_seconds` receives the child's CPU time as last seen (the fork's own cost included).
int msh_finishes_within(void (*work)(void *_Nullable), void *_Nullable context, double seconds,
                        double *cpu_seconds);

/// Runs `memchr` for a byte that is not in `bytes`, `repetitions` times: the cost of merely
/// touching every byte once, the floor any scanner is measured against. Lives in C so the
/// optimiser can neither hoist the call out of the loop nor drop it. Returns the number of hits
/// (0 unless the byte occurs), so the caller can check.
size_t msh_memchr_pass(const uint8_t *bytes, size_t length, int byte, size_t repetitions);

#pragma clang assume_nonnull end

#endif
