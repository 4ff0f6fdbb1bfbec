// The libcurl ceiling: N threads, each with one reused easy handle, sending the same ~4 KB
// message as fast as libcurl allows, with no outbox and no Swift. Built and run by ./run.
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>
struct st { const char *d; size_t len, off; };
static size_t rd(char *b, size_t s, size_t n, void *u) { struct st *x = u; size_t r = s*n, m = x->len - x->off; if (m > r) m = r; memcpy(b, x->d + x->off, m); x->off += m; return m; }
static char msg[4200]; static char url[100]; static int per;
static void *run(void *arg) {
  CURL *h = curl_easy_init(); struct curl_slist *r = curl_slist_append(NULL, "<r@b.example>");
  for (int i = 0; i < per; i++) { struct st x = { msg, strlen(msg), 0 };
    curl_easy_setopt(h, CURLOPT_URL, url); curl_easy_setopt(h, CURLOPT_MAIL_FROM, "<s@b.example>");
    curl_easy_setopt(h, CURLOPT_MAIL_RCPT, r); curl_easy_setopt(h, CURLOPT_UPLOAD, 1L); curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, rd); curl_easy_setopt(h, CURLOPT_READDATA, &x);
    curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x.len);
    if (curl_easy_perform(h) != CURLE_OK) { printf("fail\n"); exit(1); } }
  return NULL; }
int main(int argc, char **argv) {
  int port = atoi(argv[1]), count = atoi(argv[2]), threads = atoi(argv[3]); per = count / threads;
  strcpy(msg, "Subject: b\r\n\r\n"); while (strlen(msg) < 4000) strcat(msg, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\r\n");
  curl_global_init(CURL_GLOBAL_DEFAULT); sprintf(url, "smtp://127.0.0.1:%d", port);
  pthread_t t[64]; struct timespec a, b; clock_gettime(CLOCK_MONOTONIC, &a);
  for (int i = 0; i < threads; i++) pthread_create(&t[i], NULL, run, NULL);
  for (int i = 0; i < threads; i++) pthread_join(t[i], NULL);
  clock_gettime(CLOCK_MONOTONIC, &b); double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  printf("libcurl-c connections=%d messages=%d rate=%.0f/s\n", threads, count, count / s); }
