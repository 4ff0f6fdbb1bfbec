#ifndef CCURLSHIM_H
#define CCURLSHIM_H

// Typed, non-variadic wrappers for libcurl's variadic setopt/getinfo calls, which Swift
// cannot call directly. One function per argument type; nothing else belongs here.
#include <curl/curl.h>

CURLcode itsm_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode itsm_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode itsm_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode itsm_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
CURLcode itsm_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);

typedef size_t (*itsm_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
CURLcode itsm_curl_easy_setopt_data_callback(CURL *handle, CURLoption option, itsm_curl_data_callback callback);

CURLcode itsm_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode itsm_curl_easy_getinfo_double(CURL *handle, CURLINFO info, double *value);

CURLMcode itsm_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

// CURLVERSION_NOW is a macro alias Swift cannot import.
curl_version_info_data *itsm_curl_version_info_now(void);

#endif
