#ifndef VANDINE_CCURL_H
#define VANDINE_CCURL_H
/* Typed wrappers around libcurl's variadic calls and macros, which Swift cannot call directly. */
#include <curl/curl.h>
#include <stddef.h>

/* curl_easy_setopt for each argument type we pass. */
CURLcode vandine_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode vandine_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode vandine_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode vandine_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode vandine_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);

typedef size_t (*vandine_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
CURLcode vandine_curl_setopt_callback(CURL *handle, CURLoption option, vandine_curl_data_callback callback);

/* curl_easy_getinfo for each result type. */
CURLcode vandine_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode vandine_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode vandine_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value);

/* curl_version_info(CURLVERSION_NOW): CURLVERSION_NOW is a macro. */
const curl_version_info_data *vandine_curl_version_info(void);

#endif
