/*
 * webuvc native streaming: shared declarations.
 *
 * Three layers, one file each:
 *   context.c  the process-wide libusb context, its event thread and the resubmit queue
 *   device.c   one opened camera: open by bus/address or VID:PID, claim, alt setting, control
 *   stream.c   isochronous and bulk IN streaming with N transfers in flight
 *   addon.c    the N-API face: promises, wrapped objects, the threadsafe completion callback
 *
 * Locks, outermost first: device->op_lock (one blocking operation per device at a time),
 * stream->lock (transfer states and the completion queue), the context's queue lock.
 */
#ifndef WEBUVC_H
#define WEBUVC_H

#include <node_api.h>
#include <libusb.h>
#include <pthread.h>
#include <stdint.h>

/* ---- context.c ---------------------------------------------------------------------------- */

/** Take a reference on the process-wide libusb context, creating it and its event thread. */
int wu_context_acquire(libusb_context **out);
/** Drop a reference; the last one stops the event thread and exits libusb. */
void wu_context_release(void);
/** Wake the event thread so it drains the resubmit queue now. */
void wu_context_wake(void);
/** The context, or NULL when no device is open. */
libusb_context *wu_context_get(void);
/** Monotonic milliseconds. */
uint64_t wu_now_ms(void);
/** Absolute CLOCK_MONOTONIC deadline `ms` from now, for pthread_cond_timedwait. */
void wu_deadline(struct timespec *ts, unsigned ms);

struct wu_xfer;
/** Queue a released transfer for resubmission by the event thread. */
void wu_context_queue_resubmit(struct wu_xfer *x);
/** Take every queued transfer (the event thread calls this between event rounds). */
struct wu_xfer *wu_context_take_resubmits(void);
struct wu_stream;
/** Drop a stream's transfers from the resubmit queue before the stream is freed. */
void wu_context_forget_resubmits(const struct wu_stream *s);

/* ---- device.c ----------------------------------------------------------------------------- */

/** How to find a device: by bus number and address, or by VID:PID (the index-th match). */
typedef struct wu_target {
  int by_address;
  int bus_number;
  int device_address;
  int vendor_id;
  int product_id;
  int index;
} wu_target;

struct wu_stream;

typedef struct wu_device {
  libusb_device_handle *handle;
  int interface_number;
  int bus_number;
  int device_address;
  int speed;
  int claimed;
  int driver_detached;
  int alt_setting;
  int closed;
  /* Serialises blocking operations (open steps, control, alt setting, claim, close). */
  pthread_mutex_t op_lock;
  /* The stream that is running, if any (JS thread only). */
  struct wu_stream *stream;
  /* Streams whose transfers never came back; freed after libusb_close. */
  struct wu_stream *zombies;
  /* Streams not yet freed, zombies included; the device outlives them. */
  int live_streams;
  /* The JS object's holder, cleared when the device is freed. */
  struct wu_holder *holder;
  struct wu_device *next_open;
} wu_device;

int wu_device_open(const wu_target *target, int interface_number, int detach_kernel_driver,
                   wu_device **out);
int wu_device_claim(wu_device *d);
int wu_device_set_alt(wu_device *d, int alt);
int wu_device_control(wu_device *d, uint8_t bmRequestType, uint8_t bRequest, uint16_t wValue,
                      uint16_t wIndex, unsigned char *data, uint16_t wLength, unsigned timeout_ms);
/** Alt setting 0 then release the interface: the end of streaming. Takes op_lock. */
int wu_device_end_streaming(wu_device *d);
/** Release, re-attach the kernel driver, close. Stops nothing: streams must be stopped first. */
void wu_device_close(wu_device *d);
/** Best-effort teardown of every open device at process exit; no JavaScript is called. */
void wu_device_close_all_at_exit(void);

/* ---- stream.c ----------------------------------------------------------------------------- */

enum wu_stream_kind { WU_STREAM_ISO = 0, WU_STREAM_BULK = 1 };

enum wu_xfer_state {
  WU_XFER_IDLE = 0,     /* owned by native code, not submitted */
  WU_XFER_INFLIGHT = 1, /* submitted to libusb */
  WU_XFER_QUEUED = 2,   /* completed, waiting for the JS thread */
  WU_XFER_HELD = 3,     /* delivered to JavaScript, waiting for release() */
  WU_XFER_RESUBMIT = 4  /* released, waiting for the event thread to resubmit it */
};

/** Status reported for a transfer whose resubmission failed (errno says why). */
#define WU_STATUS_SUBMIT_FAILED (-1)

typedef struct wu_xfer {
  struct wu_stream *stream;
  struct libusb_transfer *transfer;
  unsigned char *buffer;
  int index;
  int state;
  /* Captured at completion. */
  int status;
  int actual_length;
  int error;
  int32_t *packet_results; /* [length, status] per packet, iso only */
  napi_ref arraybuffer;    /* the view handed to JavaScript while HELD */
  struct wu_xfer *next;    /* completion queue or resubmit queue link */
} wu_xfer;

typedef struct wu_stream_options {
  int kind;
  unsigned char endpoint;
  int transfer_size;  /* bulk: bytes per transfer */
  int packets;        /* iso: packets per transfer */
  int packet_size;    /* iso: bytes per packet */
  int transfers;      /* transfers in flight */
} wu_stream_options;

typedef struct wu_stream {
  wu_device *device;
  wu_stream_options options;
  int buffer_size;
  wu_xfer *xfers;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int inflight;
  int resubmit_pending;
  int stopping;
  int stopped;
  int zombie;
  int counted;
  /* JS thread only: one for the threadsafe function, one while transfers may be in flight. */
  int refs;
  wu_xfer *queue_head;
  wu_xfer *queue_tail;
  napi_threadsafe_function tsfn;
  struct wu_holder *holder;
  struct wu_stream *next_zombie;
  /* Counters a caller can read. */
  uint64_t submitted;
  uint64_t completed;
  uint64_t delivered;
  uint64_t released;
  uint64_t submit_errors;
  uint64_t packet_errors;
} wu_stream;

int wu_stream_create(wu_device *d, const wu_stream_options *o, wu_stream **out);
/** Submit every transfer (worker thread). On failure the caller stops the stream. */
int wu_stream_submit_all(wu_stream *s);
/** Hand a HELD transfer back: it is resubmitted by the event thread. JS thread. */
int wu_stream_release(wu_stream *s, int index);
/** Cancel, then wait up to timeout_ms for every transfer; returns how many never came back. */
int wu_stream_stop(wu_stream *s, unsigned timeout_ms);
/** Take the completion queue (JS thread). */
wu_xfer *wu_stream_take_completed(wu_stream *s);
/** Called by the event thread with what wu_context_take_resubmits returned. */
void wu_stream_resubmit_list(wu_xfer *list);
/** Free buffers and transfers; only when nothing is in flight or the handle is closed. */
void wu_stream_free(wu_stream *s);

/* ---- addon.c ------------------------------------------------------------------------------ */

/** Links a JS object to native state that may be freed first. */
typedef struct wu_holder {
  wu_device *device;
  wu_stream *stream;
} wu_holder;

/** Set when the process is exiting: completions no longer reach JavaScript. */
extern volatile int wu_shutting_down;

#endif
