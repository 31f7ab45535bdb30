#ifndef VANDINE_CCURL_H
#define VANDINE_CCURL_H
/* Typed wrappers around libcurl's variadic calls and macros, which Swift cannot call directly,
   plus the few OpenSSL calls (stack and ASN1 macros) that describe a TLS peer's certificates. */
#include <curl/curl.h>
#include <stddef.h>


/* libcurl, loaded on first use (see ccurl.c). 1 when loaded; otherwise vandine_curl_load_error()
   says why, and every wrapper below fails (NULL, CURLE_FAILED_INIT, CURLM_INTERNAL_ERROR). */
int vandine_curl_load(void);
const char *vandine_curl_load_error(void);

/* libcurl's own functions, through the loaded library. */
CURL * vandine_curl_easy_init(void);
void vandine_curl_easy_cleanup(CURL *handle);
const char * vandine_curl_easy_strerror(CURLcode code);
void vandine_curl_free(void *pointer);
CURLcode vandine_curl_global_init(long flags);
CURLM * vandine_curl_multi_init(void);
CURLMcode vandine_curl_multi_add_handle(CURLM *multi, CURL *handle);
CURLMcode vandine_curl_multi_remove_handle(CURLM *multi, CURL *handle);
CURLMcode vandine_curl_multi_cleanup(CURLM *multi);
CURLMsg * vandine_curl_multi_info_read(CURLM *multi, int *queued);
CURLMcode vandine_curl_multi_perform(CURLM *multi, int *running);
CURLMcode vandine_curl_multi_poll(CURLM *multi, struct curl_waitfd *fds, unsigned int count, int timeout_ms, int *numfds);
const char * vandine_curl_multi_strerror(CURLMcode code);
CURLMcode vandine_curl_multi_wakeup(CURLM *multi);
struct curl_slist * vandine_curl_slist_append(struct curl_slist *list, const char *text);
void vandine_curl_slist_free_all(struct curl_slist *list);
CURLU * vandine_curl_url(void);
void vandine_curl_url_cleanup(CURLU *url);
CURLUcode vandine_curl_url_get(const CURLU *url, CURLUPart part, char **out, unsigned int flags);
CURLUcode vandine_curl_url_set(CURLU *url, CURLUPart part, const char *text, unsigned int flags);
const char * vandine_curl_url_strerror(CURLUcode code);

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
/* The CURLINFO_*_TIME_T infos (microseconds). */
CURLcode vandine_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);

/* curl_multi_setopt (variadic) for long options. */
CURLMcode vandine_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/* curl_version_info(CURLVERSION_NOW): CURLVERSION_NOW is a macro. */
const curl_version_info_data *vandine_curl_version_info(void);

/* pthread_setname_np for the calling thread (needs _GNU_SOURCE, which Swift's Glibc lacks). */
void vandine_set_thread_name(const char *name);

/* Macros with casts that Swift does not import. */
extern const long vandine_curlauth_basic;
extern const long vandine_curlauth_bearer;
extern const long vandine_curl_global_default;

/* One certificate, described with OpenSSL. Strings are malloc'd (freed by vandine_tls_info_free). */
typedef struct {
    char *subject;        /* RFC 2253, like Go's pkix.Name.String() */
    char *issuer;
    char *dns_names;      /* SANs, each list joined with "," */
    char *ip_addresses;
    char *emails;
    char *serial_hex;     /* lowercase, whole bytes (Go's %x of SerialNumber.Bytes(), as blackbox) */
    char sha256_hex[65];  /* of the DER, lowercase */
    double not_before;    /* Unix seconds */
    double not_after;
} vandine_cert;

typedef struct {
    char version[32];     /* SSL_get_version: "TLSv1.3" */
    char cipher[128];     /* IANA cipher suite name (SSL_CIPHER_standard_name), as Go names it */
    vandine_cert *peer;   /* SSL_get_peer_cert_chain, as sent by the server */
    int peer_count;
    vandine_cert *verified; /* SSL_get0_verified_chain; empty when verification did not build one */
    int verified_count;
} vandine_tls_info;

/* Reads the live OpenSSL session of the handle's current connection (CURLINFO_TLS_SSL_PTR).
   Call during the transfer (the header callback). Returns 1 and fills `out` for an OpenSSL TLS
   connection, 0 otherwise (plain HTTP, other backend). Free with vandine_tls_info_free. */
int vandine_tls_capture(CURL *handle, vandine_tls_info *out);
void vandine_tls_info_free(vandine_tls_info *info);

/* Describes one DER-encoded certificate (e.g. from another TLS stack). Returns 1 and fills `out`,
   0 when the bytes are not a certificate. Free with vandine_cert_free. */
int vandine_cert_from_der(const unsigned char *der, size_t length, vandine_cert *out);
void vandine_cert_free(vandine_cert *cert);

#endif
