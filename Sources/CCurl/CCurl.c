#define CURL_DISABLE_TYPECHECK 1
#include "CCurl.h"
#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

/// The libcurl functions used, looked up once.
static struct {
    CURLcode (*global_init)(long);
    CURL *(*init)(void);
    CURLcode (*setopt)(CURL *, CURLoption, ...);
    CURLcode (*perform)(CURL *);
    CURLcode (*getinfo)(CURL *, CURLINFO, ...);
    void (*cleanup)(CURL *);
    struct curl_slist *(*slist_append)(struct curl_slist *, const char *);
    void (*slist_free_all)(struct curl_slist *);
    const char *(*strerror)(CURLcode);
} curl;
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

static void load(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(load_error, sizeof load_error, "cannot load libcurl.so.4 (install libcurl4): %s", dlerror());
        return;
    }
#define BIND(field, name) \
    if (!(*(void **)&curl.field = dlsym(library, name))) { \
        snprintf(load_error, sizeof load_error, "libcurl.so.4 has no %s", name); \
        return; \
    }
    BIND(global_init, "curl_global_init")
    BIND(init, "curl_easy_init")
    BIND(setopt, "curl_easy_setopt")
    BIND(perform, "curl_easy_perform")
    BIND(getinfo, "curl_easy_getinfo")
    BIND(cleanup, "curl_easy_cleanup")
    BIND(slist_append, "curl_slist_append")
    BIND(slist_free_all, "curl_slist_free_all")
    BIND(strerror, "curl_easy_strerror")
#undef BIND
    if (curl.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(load_error, sizeof load_error, "curl_global_init failed");
    }
}

struct sink_call {
    palisade_http_sink sink;
    void *context;
};

static size_t on_header(char *data, size_t size, size_t count, void *call) {
    struct sink_call *target = call;
    return target->sink(data, size * count, 1, target->context);
}

static size_t on_body(char *data, size_t size, size_t count, void *call) {
    struct sink_call *target = call;
    return target->sink(data, size * count, 0, target->context);
}

int palisade_http_perform(const char *method, const char *url, const char *const *headers, size_t header_count,
                          const void *body, size_t body_length, long *status,
                          palisade_http_sink sink, void *context, char *error, size_t error_capacity) {
    pthread_once(&load_once, load);
    if (load_error[0]) {
        snprintf(error, error_capacity, "%s", load_error);
        return -1;
    }
    CURL *handle = curl.init();
    if (!handle) {
        snprintf(error, error_capacity, "curl_easy_init failed");
        return -1;
    }
    char detail[CURL_ERROR_SIZE] = "";
    struct curl_slist *list = NULL;
    for (size_t i = 0; i < header_count; i++) list = curl.slist_append(list, headers[i]);
    // No `Expect: 100-continue` round trip before a POST body, as the AWS SDKs do for small bodies.
    list = curl.slist_append(list, "Expect:");
    struct sink_call call = {sink, context};
    curl.setopt(handle, CURLOPT_URL, url);
    curl.setopt(handle, CURLOPT_ERRORBUFFER, detail);
    curl.setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl.setopt(handle, CURLOPT_FOLLOWLOCATION, 1L);
    curl.setopt(handle, CURLOPT_CONNECTTIMEOUT, 30L);
    // A stalled transfer fails after a minute; a slow but moving download of a large export does not.
    curl.setopt(handle, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl.setopt(handle, CURLOPT_LOW_SPEED_TIME, 60L);
    curl.setopt(handle, CURLOPT_HTTPHEADER, list);
    curl.setopt(handle, CURLOPT_HEADERFUNCTION, on_header);
    curl.setopt(handle, CURLOPT_HEADERDATA, &call);
    curl.setopt(handle, CURLOPT_WRITEFUNCTION, on_body);
    curl.setopt(handle, CURLOPT_WRITEDATA, &call);
    if (strcmp(method, "GET") != 0) {
        curl.setopt(handle, CURLOPT_CUSTOMREQUEST, method);
        if (strcmp(method, "HEAD") == 0) curl.setopt(handle, CURLOPT_NOBODY, 1L);
    }
    if (body_length > 0 || strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
        curl.setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_length);
        curl.setopt(handle, CURLOPT_POSTFIELDS, body_length > 0 ? body : "");
    }
    CURLcode code = curl.perform(handle);
    int result = 0;
    if (code == CURLE_OK) {
        curl.getinfo(handle, CURLINFO_RESPONSE_CODE, status);
    } else {
        snprintf(error, error_capacity, "%s", detail[0] ? detail : curl.strerror(code));
        result = -1;
    }
    curl.cleanup(handle);
    curl.slist_free_all(list);
    return result;
}
