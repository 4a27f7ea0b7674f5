#include "ModSecurityHarness.h"

#include <modsecurity/intervention.h>
#include <modsecurity/modsecurity.h>
#include <modsecurity/rules_set.h>
#include <modsecurity/transaction.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct msh_engine {
    ModSecurity *modsecurity;
    RulesSet *rules;
};

static void discard_log(void *data, const void *message) {
    (void)data;
    (void)message;
}

msh_engine *msh_engine_create(const char *rules, char **error) {
    msh_engine *engine = calloc(1, sizeof *engine);
    if (engine == NULL) {
        if (error) *error = strdup("out of memory");
        return NULL;
    }
    engine->modsecurity = msc_init();
    msc_set_connector_info(engine->modsecurity, "palisade-detect-benchmark");
    // Without a callback libmodsecurity prints every rule match to stderr; a connector with logging
    // off still receives (and drops) them, so matches cost their formatting and nothing more.
    msc_set_log_cb(engine->modsecurity, discard_log);
    engine->rules = msc_create_rules_set();
    const char *parse_error = NULL;
    if (msc_rules_add(engine->rules, rules, &parse_error) < 0) {
        if (error) *error = strdup(parse_error ? parse_error : "rules rejected");
        msh_engine_destroy(engine);
        return NULL;
    }
    return engine;
}

void msh_engine_destroy(msh_engine *engine) {
    if (engine == NULL) return;
    if (engine->rules) msc_rules_cleanup(engine->rules);
    if (engine->modsecurity) msc_cleanup(engine->modsecurity);
    free(engine);
}

const char *msh_engine_version(const msh_engine *engine) {
    return msc_who_am_i(engine->modsecurity);
}

int msh_engine_inspect(msh_engine *engine, const msh_request *request, char **log) {
    Transaction *transaction = msc_new_transaction(engine->modsecurity, engine->rules, NULL);
    // Fixed documentation addresses: a Lambda behind API Gateway sees the caller's IP the same way.
    msc_process_connection(transaction, "203.0.113.7", 51234, "10.0.0.1", 443);
    msc_process_uri(transaction, request->uri, request->method, "1.1");
    for (size_t index = 0; index < request->header_count; index++) {
        const msh_header *header = &request->headers[index];
        msc_add_n_request_header(transaction, header->name, header->name_length,
                                 header->value, header->value_length);
    }
    msc_process_request_headers(transaction);
    if (request->body_length > 0) {
        msc_append_request_body(transaction, request->body, request->body_length);
    }
    msc_process_request_body(transaction);

    ModSecurityIntervention intervention = {.status = 200};
    int status = 0;
    if (msc_intervention(transaction, &intervention)) {
        status = intervention.status;
    }
    if (log && status != 0 && intervention.log) {
        *log = intervention.log;
        intervention.log = NULL;
    }
    free(intervention.log);
    free(intervention.url);
    msc_transaction_cleanup(transaction);
    return status;
}

size_t msh_memchr_pass(const uint8_t *bytes, size_t length, int byte, size_t repetitions) {
    // Read through a volatile pointer each round so every round really scans memory.
    const uint8_t *volatile source = bytes;
    size_t hits = 0;
    for (size_t round = 0; round < repetitions; round++) {
        if (memchr(source, byte, length) != NULL) hits++;
    }
    return hits;
}

static double seconds_of(clockid_t clock) {
    struct timespec now;
    if (clock_gettime(clock, &now) != 0) return 0;
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

int msh_finishes_within(void (*work)(void *), void *context, double seconds, double *cpu_seconds) {
    const double wall_start = seconds_of(CLOCK_MONOTONIC);
    pid_t child = fork();
    if (child < 0) return -1;
    if (child == 0) {
        work(context);
        _exit(0);
    }
    clockid_t child_cpu;
    if (clock_getcpuclockid(child, &child_cpu) != 0) child_cpu = CLOCK_MONOTONIC;
    const struct timespec poll_interval = {.tv_sec = 0, .tv_nsec = 1000000};
    int status = 0;
    *cpu_seconds = 0;
    while (waitpid(child, &status, WNOHANG) == 0) {
        double used = seconds_of(child_cpu);
        if (used > *cpu_seconds) *cpu_seconds = used;
        // The wall-clock backstop only matters if the machine is so busy the child barely runs.
        if (*cpu_seconds >= seconds || seconds_of(CLOCK_MONOTONIC) - wall_start >= 10 * seconds) {
            kill(child, SIGKILL);
            waitpid(child, &status, 0);
            return 0;
        }
        nanosleep(&poll_interval, NULL);
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 1 : -1;
}
