/*
 * Isochronous and bulk IN streaming with N transfers in flight.
 *
 * Life of a transfer: IDLE -> INFLIGHT (submitted) -> QUEUED (completed, on the event thread)
 * -> HELD (its buffer is a JavaScript view) -> RESUBMIT (released) -> INFLIGHT ... A buffer is
 * never resubmitted while JavaScript can see it: release() detaches the view first.
 * Stopping cancels what is in flight and waits for every transfer; transfers that never come
 * back keep their memory until the device handle is closed.
 */
#include "webuvc.h"

#include <stdlib.h>
#include <string.h>

/* Buffers are page aligned: usbfs copies into them, and it keeps the views cheap to map. */
#define BUFFER_ALIGNMENT 4096

static void LIBUSB_CALL on_transfer_done(struct libusb_transfer *t);

static void fill_transfer(wu_xfer *x) {
  wu_stream *s = x->stream;
  const wu_stream_options *o = &s->options;

  if (o->kind == WU_STREAM_ISO) {
    libusb_fill_iso_transfer(x->transfer, s->device->handle, o->endpoint, x->buffer,
                             s->buffer_size, o->packets, on_transfer_done, x, 0);
    libusb_set_iso_packet_lengths(x->transfer, (unsigned)o->packet_size);
  } else {
    libusb_fill_bulk_transfer(x->transfer, s->device->handle, o->endpoint, x->buffer,
                              s->buffer_size, on_transfer_done, x, 0);
  }
}

int wu_stream_create(wu_device *d, const wu_stream_options *o, wu_stream **out) {
  wu_stream *s;
  int iso = o->kind == WU_STREAM_ISO;

  s = calloc(1, sizeof(*s));
  if (s == NULL) return LIBUSB_ERROR_NO_MEM;
  s->device = d;
  s->options = *o;
  s->buffer_size = iso ? o->packets * o->packet_size : o->transfer_size;
  pthread_mutex_init(&s->lock, NULL);
  {
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&s->changed, &attr);
    pthread_condattr_destroy(&attr);
  }

  s->xfers = calloc((size_t)o->transfers, sizeof(wu_xfer));
  if (s->xfers == NULL) goto fail;
  for (int i = 0; i < o->transfers; i++) {
    wu_xfer *x = &s->xfers[i];

    x->stream = s;
    x->index = i;
    x->transfer = libusb_alloc_transfer(iso ? o->packets : 0);
    if (x->transfer == NULL) goto fail;
    if (posix_memalign((void **)&x->buffer, BUFFER_ALIGNMENT, (size_t)s->buffer_size) != 0) {
      x->buffer = NULL;
      goto fail;
    }
    if (iso) {
      x->packet_results = calloc((size_t)o->packets * 2, sizeof(int32_t));
      if (x->packet_results == NULL) goto fail;
    }
    fill_transfer(x);
  }

  d->live_streams++;
  s->counted = 1;
  *out = s;
  return 0;

fail:
  wu_stream_free(s);
  return LIBUSB_ERROR_NO_MEM;
}

/* Caller holds s->lock. */
static void enqueue_completed(wu_stream *s, wu_xfer *x) {
  int was_empty = s->queue_head == NULL;

  x->state = WU_XFER_QUEUED;
  x->next = NULL;
  if (s->queue_tail != NULL) {
    s->queue_tail->next = x;
  } else {
    s->queue_head = x;
  }
  s->queue_tail = x;

  /* One wake-up per batch: the JS side drains the whole queue. */
  if (was_empty && s->tsfn != NULL) napi_call_threadsafe_function(s->tsfn, NULL, napi_tsfn_nonblocking);
}

static void capture_result(wu_xfer *x) {
  struct libusb_transfer *t = x->transfer;

  x->status = t->status;
  x->actual_length = t->actual_length;
  x->error = 0;
  if (x->packet_results == NULL) return;

  for (int i = 0; i < t->num_iso_packets; i++) {
    x->packet_results[2 * i] = (int32_t)t->iso_packet_desc[i].actual_length;
    x->packet_results[2 * i + 1] = (int32_t)t->iso_packet_desc[i].status;
    if (t->iso_packet_desc[i].status != LIBUSB_TRANSFER_COMPLETED) x->stream->packet_errors++;
  }
}

static void LIBUSB_CALL on_transfer_done(struct libusb_transfer *t) {
  wu_xfer *x = t->user_data;
  wu_stream *s = x->stream;

  pthread_mutex_lock(&s->lock);
  s->completed++;
  if (s->stopping || wu_shutting_down) {
    x->state = WU_XFER_IDLE;
  } else {
    capture_result(x);
    enqueue_completed(s, x);
  }
  /* Counted down last, under the lock, so stop() cannot free the threadsafe function first. */
  s->inflight--;
  pthread_cond_broadcast(&s->changed);
  pthread_mutex_unlock(&s->lock);
}

/* Caller holds s->lock. */
static int submit_locked(wu_stream *s, wu_xfer *x) {
  int r = libusb_submit_transfer(x->transfer);

  if (r == 0) {
    x->state = WU_XFER_INFLIGHT;
    s->inflight++;
    s->submitted++;
  } else {
    s->submit_errors++;
  }
  return r;
}

int wu_stream_submit_all(wu_stream *s) {
  int r = 0;

  pthread_mutex_lock(&s->lock);
  for (int i = 0; i < s->options.transfers && r == 0; i++) {
    r = submit_locked(s, &s->xfers[i]);
  }
  pthread_mutex_unlock(&s->lock);
  return r;
}

int wu_stream_release(wu_stream *s, int index) {
  wu_xfer *x;

  if (index < 0 || index >= s->options.transfers) return LIBUSB_ERROR_INVALID_PARAM;
  x = &s->xfers[index];

  pthread_mutex_lock(&s->lock);
  if (x->state != WU_XFER_HELD) {
    pthread_mutex_unlock(&s->lock);
    return LIBUSB_ERROR_NOT_FOUND;
  }
  s->released++;
  if (s->stopping) {
    x->state = WU_XFER_IDLE;
    pthread_mutex_unlock(&s->lock);
    return 0;
  }
  x->state = WU_XFER_RESUBMIT;
  s->resubmit_pending++;
  pthread_mutex_unlock(&s->lock);

  wu_context_queue_resubmit(x);
  return 0;
}

void wu_stream_resubmit_list(wu_xfer *list) {
  while (list != NULL) {
    wu_xfer *x = list;
    wu_stream *s = x->stream;
    int r;

    list = x->next;
    pthread_mutex_lock(&s->lock);
    s->resubmit_pending--;
    if (s->stopping) {
      x->state = WU_XFER_IDLE;
    } else if ((r = submit_locked(s, x)) != 0) {
      /* Tell JavaScript why the stream lost a transfer (a lost device, usually). */
      x->status = WU_STATUS_SUBMIT_FAILED;
      x->actual_length = 0;
      x->error = r;
      enqueue_completed(s, x);
    }
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->lock);
  }
}

int wu_stream_stop(wu_stream *s, unsigned timeout_ms) {
  struct timespec deadline;
  int stuck;

  pthread_mutex_lock(&s->lock);
  if (!s->stopping) {
    s->stopping = 1;

    /* Cancelling does not wait for the callback, so it is safe under the lock. */
    for (int i = 0; i < s->options.transfers; i++) {
      if (s->xfers[i].state == WU_XFER_INFLIGHT) libusb_cancel_transfer(s->xfers[i].transfer);
    }
  }

  /* Completions arrive through the event thread; wake it in case it sleeps in poll(). */
  wu_context_wake();
  wu_deadline(&deadline, timeout_ms);
  while (s->inflight > 0 || s->resubmit_pending > 0) {
    if (pthread_cond_timedwait(&s->changed, &s->lock, &deadline) != 0) break;
  }
  stuck = s->inflight;
  s->stopped = 1;
  pthread_mutex_unlock(&s->lock);
  return stuck;
}

wu_xfer *wu_stream_take_completed(wu_stream *s) {
  wu_xfer *list;

  pthread_mutex_lock(&s->lock);
  list = s->queue_head;
  s->queue_head = NULL;
  s->queue_tail = NULL;
  for (wu_xfer *x = list; x != NULL; x = x->next) {
    if (s->stopping && x->state == WU_XFER_QUEUED) {
      x->state = WU_XFER_IDLE;
    } else if (x->status != WU_STATUS_SUBMIT_FAILED) {
      x->state = WU_XFER_HELD;
      s->delivered++;
    } else {
      x->state = WU_XFER_IDLE;
    }
    /* Only a running stream reports failed resubmissions. */
    if (s->stopping) x->error = 0;
  }
  pthread_mutex_unlock(&s->lock);
  return list;
}

void wu_stream_free(wu_stream *s) {
  wu_context_forget_resubmits(s);
  for (int i = 0; s->xfers != NULL && i < s->options.transfers; i++) {
    wu_xfer *x = &s->xfers[i];

    if (x->transfer != NULL) libusb_free_transfer(x->transfer);
    free(x->buffer);
    free(x->packet_results);
  }
  free(s->xfers);
  pthread_cond_destroy(&s->changed);
  pthread_mutex_destroy(&s->lock);
  if (s->counted) s->device->live_streams--;
  free(s);
}
