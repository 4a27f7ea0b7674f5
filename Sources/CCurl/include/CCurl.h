#ifndef PALISADE_CCURL_H
#define PALISADE_CCURL_H

#include <stddef.h>

/// Receives the response's header lines (`is_header` 1) and body bytes (0); returns how many bytes it took.
typedef size_t (*palisade_http_sink)(const char *data, size_t length, int is_header, void *context);

/// One request through libcurl, which is loaded with dlopen on the first call so that commands that
/// never use the network (`palisade scan`) do not map libcurl and its dozen dependencies.
/// Returns 0 with the HTTP status in `status`, or -1 with a reason in `error` (at least 256 bytes).
int palisade_http_perform(const char *method, const char *url, const char *const *headers, size_t header_count,
                          const void *body, size_t body_length, long *status,
                          palisade_http_sink sink, void *context, char *error, size_t error_capacity);

#endif
