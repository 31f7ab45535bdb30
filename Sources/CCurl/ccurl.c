#define _GNU_SOURCE
#include "CCurl.h"
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <pthread.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <dlfcn.h>

/* libcurl is loaded with dlopen on first use, not linked: its dependency chain (GnuTLS through
   librtmp, p11-kit, Kerberos, LDAP, libssh2, nghttp2, ...) costs ~3.4 MiB of resident memory at
   process start even when no HTTP request is ever made (measured on Debian 12), and GnuTLS
   initializes itself in a load-time constructor. An exporter without http modules never loads it. */
static struct {
    CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
    CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
    CURLMcode (*multi_setopt)(CURLM *, CURLMoption, ...);
    curl_version_info_data *(*version_info)(CURLversion);
    CURL * (*easy_init)(void);
    void (*easy_cleanup)(CURL *handle);
    const char * (*easy_strerror)(CURLcode code);
    void (*free)(void *pointer);
    CURLcode (*global_init)(long flags);
    CURLM * (*multi_init)(void);
    CURLMcode (*multi_add_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_remove_handle)(CURLM *multi, CURL *handle);
    CURLMcode (*multi_cleanup)(CURLM *multi);
    CURLMsg * (*multi_info_read)(CURLM *multi, int *queued);
    CURLMcode (*multi_perform)(CURLM *multi, int *running);
    CURLMcode (*multi_poll)(CURLM *multi, struct curl_waitfd *fds, unsigned int count, int timeout_ms, int *numfds);
    const char * (*multi_strerror)(CURLMcode code);
    CURLMcode (*multi_wakeup)(CURLM *multi);
    struct curl_slist * (*slist_append)(struct curl_slist *list, const char *text);
    void (*slist_free_all)(struct curl_slist *list);
    CURLU * (*url)(void);
    void (*url_cleanup)(CURLU *url);
    CURLUcode (*url_get)(const CURLU *url, CURLUPart part, char **out, unsigned int flags);
    CURLUcode (*url_set)(CURLU *url, CURLUPart part, const char *text, unsigned int flags);
    const char * (*url_strerror)(CURLUcode code);
} api;
static pthread_once_t api_once = PTHREAD_ONCE_INIT;
static int api_loaded;
static char api_error[512] = "libcurl was not loaded yet";

static void load_api(void) {
    void *library = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!library) {
        snprintf(api_error, sizeof api_error, "cannot load libcurl.so.4: %s", dlerror());
        return;
    }
#define LOAD(field, symbol) \
    if (!(*(void **)&api.field = dlsym(library, symbol))) { \
        snprintf(api_error, sizeof api_error, "libcurl.so.4 has no %s", symbol); \
        return; \
    }
    LOAD(easy_setopt, "curl_easy_setopt")
    LOAD(easy_getinfo, "curl_easy_getinfo")
    LOAD(multi_setopt, "curl_multi_setopt")
    LOAD(version_info, "curl_version_info")
    LOAD(easy_init, "curl_easy_init")
    LOAD(easy_cleanup, "curl_easy_cleanup")
    LOAD(easy_strerror, "curl_easy_strerror")
    LOAD(free, "curl_free")
    LOAD(global_init, "curl_global_init")
    LOAD(multi_init, "curl_multi_init")
    LOAD(multi_add_handle, "curl_multi_add_handle")
    LOAD(multi_remove_handle, "curl_multi_remove_handle")
    LOAD(multi_cleanup, "curl_multi_cleanup")
    LOAD(multi_info_read, "curl_multi_info_read")
    LOAD(multi_perform, "curl_multi_perform")
    LOAD(multi_poll, "curl_multi_poll")
    LOAD(multi_strerror, "curl_multi_strerror")
    LOAD(multi_wakeup, "curl_multi_wakeup")
    LOAD(slist_append, "curl_slist_append")
    LOAD(slist_free_all, "curl_slist_free_all")
    LOAD(url, "curl_url")
    LOAD(url_cleanup, "curl_url_cleanup")
    LOAD(url_get, "curl_url_get")
    LOAD(url_set, "curl_url_set")
    LOAD(url_strerror, "curl_url_strerror")
#undef LOAD
    api_loaded = 1;
}

int vandine_curl_load(void) {
    pthread_once(&api_once, load_api);
    return api_loaded;
}

const char *vandine_curl_load_error(void) {
    return api_loaded ? NULL : api_error;
}

CURL * vandine_curl_easy_init(void) {
    return vandine_curl_load() ? api.easy_init() : NULL;
}
void vandine_curl_easy_cleanup(CURL *handle) {
    if (vandine_curl_load()) api.easy_cleanup(handle);
}
const char * vandine_curl_easy_strerror(CURLcode code) {
    return vandine_curl_load() ? api.easy_strerror(code) : "libcurl is not loaded";
}
void vandine_curl_free(void *pointer) {
    if (vandine_curl_load()) api.free(pointer);
}
CURLcode vandine_curl_global_init(long flags) {
    return vandine_curl_load() ? api.global_init(flags) : CURLE_FAILED_INIT;
}
CURLM * vandine_curl_multi_init(void) {
    return vandine_curl_load() ? api.multi_init() : NULL;
}
CURLMcode vandine_curl_multi_add_handle(CURLM *multi, CURL *handle) {
    return vandine_curl_load() ? api.multi_add_handle(multi, handle) : CURLM_INTERNAL_ERROR;
}
CURLMcode vandine_curl_multi_remove_handle(CURLM *multi, CURL *handle) {
    return vandine_curl_load() ? api.multi_remove_handle(multi, handle) : CURLM_INTERNAL_ERROR;
}
CURLMcode vandine_curl_multi_cleanup(CURLM *multi) {
    return vandine_curl_load() ? api.multi_cleanup(multi) : CURLM_INTERNAL_ERROR;
}
CURLMsg * vandine_curl_multi_info_read(CURLM *multi, int *queued) {
    return vandine_curl_load() ? api.multi_info_read(multi, queued) : NULL;
}
CURLMcode vandine_curl_multi_perform(CURLM *multi, int *running) {
    return vandine_curl_load() ? api.multi_perform(multi, running) : CURLM_INTERNAL_ERROR;
}
CURLMcode vandine_curl_multi_poll(CURLM *multi, struct curl_waitfd *fds, unsigned int count, int timeout_ms, int *numfds) {
    return vandine_curl_load() ? api.multi_poll(multi, fds, count, timeout_ms, numfds) : CURLM_INTERNAL_ERROR;
}
const char * vandine_curl_multi_strerror(CURLMcode code) {
    return vandine_curl_load() ? api.multi_strerror(code) : "libcurl is not loaded";
}
CURLMcode vandine_curl_multi_wakeup(CURLM *multi) {
    return vandine_curl_load() ? api.multi_wakeup(multi) : CURLM_INTERNAL_ERROR;
}
struct curl_slist * vandine_curl_slist_append(struct curl_slist *list, const char *text) {
    return vandine_curl_load() ? api.slist_append(list, text) : NULL;
}
void vandine_curl_slist_free_all(struct curl_slist *list) {
    if (vandine_curl_load()) api.slist_free_all(list);
}
CURLU * vandine_curl_url(void) {
    return vandine_curl_load() ? api.url() : NULL;
}
void vandine_curl_url_cleanup(CURLU *url) {
    if (vandine_curl_load()) api.url_cleanup(url);
}
CURLUcode vandine_curl_url_get(const CURLU *url, CURLUPart part, char **out, unsigned int flags) {
    return vandine_curl_load() ? api.url_get(url, part, out, flags) : CURLUE_OUT_OF_MEMORY;
}
CURLUcode vandine_curl_url_set(CURLU *url, CURLUPart part, const char *text, unsigned int flags) {
    return vandine_curl_load() ? api.url_set(url, part, text, flags) : CURLUE_OUT_OF_MEMORY;
}
const char * vandine_curl_url_strerror(CURLUcode code) {
    return vandine_curl_load() ? api.url_strerror(code) : "libcurl is not loaded";
}

CURLcode vandine_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_setopt(handle, option, value);
}
CURLcode vandine_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_setopt(handle, option, value);
}
CURLcode vandine_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_setopt(handle, option, value);
}
CURLcode vandine_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_setopt(handle, option, value);
}
CURLcode vandine_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_setopt(handle, option, value);
}
CURLcode vandine_curl_setopt_callback(CURL *handle, CURLoption option, vandine_curl_data_callback callback) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_setopt(handle, option, callback);
}
CURLcode vandine_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_getinfo(handle, info, value);
}
CURLcode vandine_curl_getinfo_double(CURL *handle, CURLINFO info, double *value) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_getinfo(handle, info, value);
}
CURLcode vandine_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_getinfo(handle, info, value);
}
CURLcode vandine_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value) {
    return !vandine_curl_load() ? CURLE_FAILED_INIT : api.easy_getinfo(handle, info, value);
}
CURLMcode vandine_curl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
    return !vandine_curl_load() ? CURLM_INTERNAL_ERROR : api.multi_setopt(multi, option, value);
}
const curl_version_info_data *vandine_curl_version_info(void) {
    return vandine_curl_load() ? api.version_info(CURLVERSION_NOW) : NULL;
}

void vandine_set_thread_name(const char *name) {
    pthread_setname_np(pthread_self(), name);
}

const long vandine_curlauth_basic = (long)CURLAUTH_BASIC;
const long vandine_curlauth_bearer = (long)CURLAUTH_BEARER;
const long vandine_curl_global_default = CURL_GLOBAL_DEFAULT;

/* ---- certificate description (OpenSSL) ---- */

static char *bio_to_string(BIO *bio) {
    char *data = NULL;
    long length = BIO_get_mem_data(bio, &data);
    char *copy = malloc((size_t)length + 1);
    if (copy) {
        if (length > 0) memcpy(copy, data, (size_t)length);
        copy[length] = 0;
    }
    return copy;
}

static char *name_string(const X509_NAME *name) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (!bio) return NULL;
    X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
    char *result = bio_to_string(bio);
    BIO_free(bio);
    return result;
}

static double asn1_time_seconds(const ASN1_TIME *time) {
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!time || ASN1_TIME_to_tm(time, &tm) != 1) return 0;
    return (double)timegm(&tm);
}

static void append(BIO *bio, int *count, const char *text, int length) {
    if ((*count)++ > 0) BIO_write(bio, ",", 1);
    BIO_write(bio, text, length);
}

static void describe_sans(X509 *cert, vandine_cert *out) {
    BIO *dns = BIO_new(BIO_s_mem()), *ips = BIO_new(BIO_s_mem()), *mails = BIO_new(BIO_s_mem());
    int dns_count = 0, ip_count = 0, mail_count = 0;
    GENERAL_NAMES *names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
        const GENERAL_NAME *name = sk_GENERAL_NAME_value(names, i);
        if (name->type == GEN_DNS) {
            append(dns, &dns_count, (const char *)ASN1_STRING_get0_data(name->d.dNSName), ASN1_STRING_length(name->d.dNSName));
        } else if (name->type == GEN_EMAIL) {
            append(mails, &mail_count, (const char *)ASN1_STRING_get0_data(name->d.rfc822Name), ASN1_STRING_length(name->d.rfc822Name));
        } else if (name->type == GEN_IPADD) {
            const unsigned char *bytes = ASN1_STRING_get0_data(name->d.iPAddress);
            int length = ASN1_STRING_length(name->d.iPAddress);
            char buffer[INET6_ADDRSTRLEN];
            if ((length == 4 && inet_ntop(AF_INET, bytes, buffer, sizeof buffer)) ||
                (length == 16 && inet_ntop(AF_INET6, bytes, buffer, sizeof buffer))) {
                append(ips, &ip_count, buffer, (int)strlen(buffer));
            }
        }
    }
    GENERAL_NAMES_free(names);
    out->dns_names = bio_to_string(dns);
    out->ip_addresses = bio_to_string(ips);
    out->emails = bio_to_string(mails);
    BIO_free(dns); BIO_free(ips); BIO_free(mails);
}

static void describe(X509 *cert, vandine_cert *out) {
    memset(out, 0, sizeof *out);
    out->subject = name_string(X509_get_subject_name(cert));
    out->issuer = name_string(X509_get_issuer_name(cert));
    describe_sans(cert, out);
    BIGNUM *serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *hex = serial ? BN_bn2hex(serial) : NULL;
    if (hex) {
        /* BN_bn2hex prints whole bytes ("0BFF..."), as blackbox's fmt.Sprintf("%x", serial.Bytes()). */
        const char *digits = hex;
        if (*digits == '-') digits++;
        out->serial_hex = strdup(digits);
        for (char *c = out->serial_hex; c && *c; c++) if (*c >= 'A' && *c <= 'F') *c = (char)(*c - 'A' + 'a');
        OPENSSL_free(hex);
    }
    BN_free(serial);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int digest_length = 0;
    if (X509_digest(cert, EVP_sha256(), digest, &digest_length) == 1 && digest_length == 32) {
        for (unsigned int i = 0; i < 32; i++) snprintf(out->sha256_hex + 2 * i, 3, "%02x", digest[i]);
    }
    out->not_before = asn1_time_seconds(X509_get0_notBefore(cert));
    out->not_after = asn1_time_seconds(X509_get0_notAfter(cert));
}

static vandine_cert *describe_chain(STACK_OF(X509) *chain, int *count) {
    *count = 0;
    if (!chain || sk_X509_num(chain) <= 0) return NULL;
    int n = sk_X509_num(chain);
    vandine_cert *certs = calloc((size_t)n, sizeof *certs);
    if (!certs) return NULL;
    for (int i = 0; i < n; i++) describe(sk_X509_value(chain, i), &certs[i]);
    *count = n;
    return certs;
}

int vandine_tls_capture(CURL *handle, vandine_tls_info *out) {
    memset(out, 0, sizeof *out);
    struct curl_tlssessioninfo *session = NULL;
    if (!vandine_curl_load() || api.easy_getinfo(handle, CURLINFO_TLS_SSL_PTR, &session) != CURLE_OK || !session) return 0;
    if (session->backend != CURLSSLBACKEND_OPENSSL || !session->internals) return 0;
    SSL *ssl = (SSL *)session->internals;
    snprintf(out->version, sizeof out->version, "%s", SSL_get_version(ssl));
    const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
    /* The IANA name (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256), as Go's tls.CipherSuiteName gives blackbox. */
    const char *cipher_name = cipher ? SSL_CIPHER_standard_name(cipher) : NULL;
    snprintf(out->cipher, sizeof out->cipher, "%s", cipher_name ? cipher_name : "");
    out->peer = describe_chain(SSL_get_peer_cert_chain(ssl), &out->peer_count);
    out->verified = describe_chain(SSL_get0_verified_chain(ssl), &out->verified_count);
    return 1;
}

static void free_certs(vandine_cert *certs, int count) {
    for (int i = 0; i < count; i++) {
        free(certs[i].subject); free(certs[i].issuer); free(certs[i].dns_names);
        free(certs[i].ip_addresses); free(certs[i].emails); free(certs[i].serial_hex);
    }
    free(certs);
}

void vandine_tls_info_free(vandine_tls_info *info) {
    free_certs(info->peer, info->peer_count);
    free_certs(info->verified, info->verified_count);
    info->peer = NULL; info->verified = NULL;
    info->peer_count = 0; info->verified_count = 0;
}

int vandine_cert_from_der(const unsigned char *der, size_t length, vandine_cert *out) {
    memset(out, 0, sizeof *out);
    const unsigned char *cursor = der;
    X509 *cert = d2i_X509(NULL, &cursor, (long)length);
    if (!cert) return 0;
    describe(cert, out);
    X509_free(cert);
    return 1;
}

void vandine_cert_free(vandine_cert *cert) {
    free(cert->subject); free(cert->issuer); free(cert->dns_names);
    free(cert->ip_addresses); free(cert->emails); free(cert->serial_hex);
    memset(cert, 0, sizeof *cert);
}
