/*
 * The process-wide libusb context and its event thread.
 *
 * The context exists while at least one device is open. Its thread runs libusb's event loop
 * (completions are called there) and, between rounds, resubmits the transfers JavaScript has
 * released, so the JS thread never waits on USB I/O while streaming.
 */
#include "webuvc.h"

#include <stdlib.h>
#include <time.h>

/* Longest wait inside one round of libusb event handling. */
#define EVENT_ROUND_MS 200

static struct {
  pthread_mutex_t lock;
  libusb_context *ctx;
  int refs;
  pthread_t thread;
  volatile int stop_thread;
  pthread_mutex_t queue_lock;
  wu_xfer *queue;
  /* Held while the event thread resubmits, so a stream is never freed under it. */
  pthread_mutex_t processing_lock;
} g = {PTHREAD_MUTEX_INITIALIZER, NULL, 0, 0, 0, PTHREAD_MUTEX_INITIALIZER, NULL,
       PTHREAD_MUTEX_INITIALIZER};

uint64_t wu_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void wu_deadline(struct timespec *ts, unsigned ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000u;
  ts->tv_nsec += (long)(ms % 1000u) * 1000000L;
  if (ts->tv_nsec >= 1000000000L) {
    ts->tv_sec += 1;
    ts->tv_nsec -= 1000000000L;
  }
}

/* libusb_init_context arrived in libusb 1.0.27 (API 0x0100010A); older system copies have libusb_init. */
static int wu_libusb_init(libusb_context **ctx) {
#if defined(LIBUSB_API_VERSION) && LIBUSB_API_VERSION >= 0x0100010A
  return libusb_init_context(ctx, NULL, 0);
#else
  return libusb_init(ctx);
#endif
}

static void *event_thread_main(void *arg) {
  libusb_context *ctx = arg;

  while (!g.stop_thread) {
    struct timeval tv = {0, EVENT_ROUND_MS * 1000};
    libusb_handle_events_timeout_completed(ctx, &tv, NULL);
    pthread_mutex_lock(&g.processing_lock);
    wu_stream_resubmit_list(wu_context_take_resubmits());
    pthread_mutex_unlock(&g.processing_lock);
  }
  return NULL;
}

int wu_context_acquire(libusb_context **out) {
  int r = 0;

  pthread_mutex_lock(&g.lock);
  if (g.refs == 0) {
    const char *debug = getenv("WEBUVC_LIBUSB_DEBUG");

    r = wu_libusb_init(&g.ctx);
    if (r == 0 && debug != NULL && debug[0] != '\0') {
      libusb_set_option(g.ctx, LIBUSB_OPTION_LOG_LEVEL, atoi(debug));
    }
    if (r == 0) {
      g.stop_thread = 0;
      if (pthread_create(&g.thread, NULL, event_thread_main, g.ctx) != 0) {
        libusb_exit(g.ctx);
        g.ctx = NULL;
        r = LIBUSB_ERROR_NO_MEM;
      }
    }
  }
  if (r == 0) {
    g.refs++;
    *out = g.ctx;
  }
  pthread_mutex_unlock(&g.lock);
  return r;
}

void wu_context_release(void) {
  pthread_mutex_lock(&g.lock);
  if (g.refs > 0 && --g.refs == 0) {
    g.stop_thread = 1;
    libusb_interrupt_event_handler(g.ctx);
    pthread_join(g.thread, NULL);
    libusb_exit(g.ctx);
    g.ctx = NULL;
  }
  pthread_mutex_unlock(&g.lock);
}

libusb_context *wu_context_get(void) {
  return g.ctx;
}

void wu_context_wake(void) {
  libusb_context *ctx = g.ctx;

  if (ctx != NULL) libusb_interrupt_event_handler(ctx);
}

void wu_context_queue_resubmit(wu_xfer *x) {
  pthread_mutex_lock(&g.queue_lock);
  x->next = g.queue;
  g.queue = x;
  pthread_mutex_unlock(&g.queue_lock);
  wu_context_wake();
}

wu_xfer *wu_context_take_resubmits(void) {
  wu_xfer *list;
  wu_xfer *reversed = NULL;

  pthread_mutex_lock(&g.queue_lock);
  list = g.queue;
  g.queue = NULL;
  pthread_mutex_unlock(&g.queue_lock);

  /* The queue is a stack; resubmit in release order. */
  while (list != NULL) {
    wu_xfer *next = list->next;
    list->next = reversed;
    reversed = list;
    list = next;
  }
  return reversed;
}

void wu_context_forget_resubmits(const struct wu_stream *s) {
  wu_xfer **link;

  pthread_mutex_lock(&g.processing_lock);
  pthread_mutex_lock(&g.queue_lock);
  link = &g.queue;
  while (*link != NULL) {
    if ((*link)->stream == s) {
      *link = (*link)->next;
    } else {
      link = &(*link)->next;
    }
  }
  pthread_mutex_unlock(&g.queue_lock);
  pthread_mutex_unlock(&g.processing_lock);
}
