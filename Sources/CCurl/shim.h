/* libcurl for Swift: curl_easy_setopt/getinfo and curl_multi_setopt are variadic, so each argument
 * type gets a non-variadic inline shim. */
#include <curl/curl.h>

static inline CURLcode vc_easy_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode vc_easy_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode vc_easy_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode vc_easy_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode vc_easy_setopt_offset(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
typedef size_t (*vc_data_callback)(char *data, size_t size, size_t count, void *user);
static inline CURLcode vc_easy_setopt_callback(CURL *h, CURLoption o, vc_data_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode vc_easy_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode vc_easy_getinfo_offset(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode vc_easy_getinfo_pointer(CURL *h, CURLINFO i, void **v) { return curl_easy_getinfo(h, i, v); }
static inline CURLMcode vc_multi_setopt_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
/* curl_global_init with CURL_GLOBAL_DEFAULT, whose macro does not import into Swift. */
static inline CURLcode vc_global_init(void) { return curl_global_init(CURL_GLOBAL_DEFAULT); }
