#ifndef PASSWORDLESS_CCURL_SHIM_H
#define PASSWORDLESS_CCURL_SHIM_H
#include <curl/curl.h>

/* curl_easy_setopt and curl_easy_getinfo are variadic and do not import into Swift:
   these typed wrappers are the only way the Swift code sets options. */

typedef size_t (*pcurl_data_callback)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*pcurl_progress_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode pcurl_set_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pcurl_set_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pcurl_set_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pcurl_set_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pcurl_set_offset(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pcurl_set_callback(CURL *h, CURLoption o, pcurl_data_callback v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode pcurl_set_progress(CURL *h, pcurl_progress_callback v) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v); }
static inline CURLcode pcurl_get_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }

/* The multi interface: curl_multi_setopt and curl_share_setopt are variadic too, and a finished
   transfer's CURLcode sits in a union of CURLMsg. */
static inline CURLMcode pcurl_multi_set_long(CURLM *m, CURLMoption o, long v) { return curl_multi_setopt(m, o, v); }
static inline CURLSHcode pcurl_share_set_long(CURLSH *s, CURLSHoption o, long v) { return curl_share_setopt(s, o, v); }
static inline CURLcode pcurl_set_share(CURL *h, CURLSH *s) { return curl_easy_setopt(h, CURLOPT_SHARE, s); }
static inline CURLcode pcurl_message_result(const CURLMsg *m) { return m->data.result; }
#endif
