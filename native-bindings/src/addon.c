/*
 * The N-API face of the streaming addon.
 *
 * Every operation that touches the device runs as async work and returns a promise; errors
 * reject with an Error whose `errno` is the (negative) libusb error number and whose `code` is
 * its name. Completed transfers reach JavaScript through one threadsafe function per stream as
 * `onTransfer(index, arrayBuffer | null, status, actualLength, packets | null, errno)`, where
 * the ArrayBuffer is the transfer's own memory (no copy) and `packets` holds
 * [actualLength, status] pairs. The buffer stays valid until `release(index)`, which detaches it.
 */
#include "webuvc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

volatile int wu_shutting_down = 0;

#define NAPI_CALL(env, call)                                                                    \
  do {                                                                                          \
    if ((call) != napi_ok) {                                                                    \
      throw_last_error(env);                                                                    \
      return NULL;                                                                              \
    }                                                                                           \
  } while (0)

/* Upper bounds that keep a bad argument from becoming an unbounded allocation. */
#define MAX_TRANSFERS 1024
#define MAX_ISO_PACKETS 1024
#define MAX_ISO_PACKET_SIZE (48 * 1024)
#define MAX_BULK_TRANSFER_SIZE (16 * 1024 * 1024)
#define MAX_CONTROL_LENGTH 0xffff
#define DEFAULT_CONTROL_TIMEOUT_MS 1000
#define CLOSE_STOP_TIMEOUT_MS 1000

static napi_ref device_constructor;
static napi_ref stream_constructor;
static const int constructor_token = 0x7775;

static void throw_last_error(napi_env env) {
  const napi_extended_error_info *info = NULL;
  bool pending = false;

  napi_is_exception_pending(env, &pending);
  if (pending) return;
  napi_get_last_error_info(env, &info);
  napi_throw_error(env, "ERR_WEBUVC_NAPI",
                   info != NULL && info->error_message != NULL ? info->error_message
                                                               : "N-API call failed");
}

static napi_value make_usb_error(napi_env env, int error, const char *what) {
  char message[256];
  napi_value code, msg, err, errno_value;

  snprintf(message, sizeof(message), "%s: %s (%s)", what, libusb_strerror(error),
           libusb_error_name(error));
  napi_create_string_utf8(env, libusb_error_name(error), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_error(env, code, msg, &err);
  napi_create_int32(env, error, &errno_value);
  napi_set_named_property(env, err, "errno", errno_value);
  return err;
}

static int get_int_property(napi_env env, napi_value object, const char *name, int *out) {
  napi_value value;
  bool has = false;
  int32_t number;

  if (napi_has_named_property(env, object, name, &has) != napi_ok || !has) return 0;
  if (napi_get_named_property(env, object, name, &value) != napi_ok) return 0;
  if (napi_get_value_int32(env, value, &number) != napi_ok) return 0;
  *out = number;
  return 1;
}

static void set_int(napi_env env, napi_value object, const char *name, int64_t v) {
  napi_value value;

  napi_create_int64(env, v, &value);
  napi_set_named_property(env, object, name, value);
}

/* ---- async work -------------------------------------------------------------------------- */

typedef enum {
  JOB_OPEN,
  JOB_CLAIM,
  JOB_SET_ALT,
  JOB_CONTROL,
  JOB_START,
  JOB_STOP,
  JOB_END_STREAMING,
  JOB_CLOSE
} job_kind;

typedef struct job {
  job_kind kind;
  napi_deferred deferred;
  napi_async_work work;
  napi_ref keep; /* keeps the JS object (and with it the holder) alive while the job runs */
  wu_device *device;
  wu_stream *stream;
  int result;
  const char *what;
  /* JOB_OPEN */
  wu_target target;
  int interface_number;
  int detach;
  /* JOB_SET_ALT */
  int alt;
  /* JOB_CONTROL */
  uint8_t bmRequestType, bRequest;
  uint16_t wValue, wIndex, wLength;
  unsigned timeout_ms;
  unsigned char *data;
  /* JOB_STOP, JOB_CLOSE */
  int stuck;
} job;

static void job_execute(napi_env env, void *data) {
  job *j = data;

  switch (j->kind) {
  case JOB_OPEN:
    j->result = wu_device_open(&j->target, j->interface_number, j->detach, &j->device);
    break;
  case JOB_CLAIM:
    j->result = wu_device_claim(j->device);
    break;
  case JOB_SET_ALT:
    j->result = wu_device_set_alt(j->device, j->alt);
    break;
  case JOB_CONTROL:
    j->result = wu_device_control(j->device, j->bmRequestType, j->bRequest, j->wValue, j->wIndex,
                                  j->data, j->wLength, j->timeout_ms);
    break;
  case JOB_START:
    j->result = wu_device_claim(j->device);
    if (j->result == 0) j->result = wu_stream_submit_all(j->stream);
    if (j->result != 0) j->stuck = wu_stream_stop(j->stream, j->timeout_ms);
    break;
  case JOB_STOP:
    /* Under op_lock, so a close() cannot free the handle while transfers are cancelled. */
    pthread_mutex_lock(&j->device->op_lock);
    j->stuck = wu_stream_stop(j->stream, j->timeout_ms);
    pthread_mutex_unlock(&j->device->op_lock);
    j->result = wu_device_end_streaming(j->device);
    break;
  case JOB_END_STREAMING:
    j->result = wu_device_end_streaming(j->device);
    break;
  case JOB_CLOSE:
    if (j->stream != NULL) j->stuck = wu_stream_stop(j->stream, j->timeout_ms);
    wu_device_close(j->device);
    j->result = 0;
    break;
  }
}

static napi_value wrap_device(napi_env env, wu_device *d);
static napi_value wrap_stream(napi_env env, wu_stream *s);
static void stream_unref(napi_env env, wu_stream *s);
static void stream_finish(napi_env env, wu_stream *s, int stuck);
static void device_maybe_free(wu_device *d);

static void job_complete(napi_env env, napi_status status, void *data) {
  job *j = data;
  napi_value value = NULL;
  int ok = j->result >= 0;

  switch (j->kind) {
  case JOB_OPEN:
    if (ok) value = wrap_device(env, j->device);
    break;
  case JOB_CONTROL:
    if (ok && (j->bmRequestType & LIBUSB_ENDPOINT_IN)) {
      void *bytes;
      napi_create_arraybuffer(env, (size_t)j->result, &bytes, &value);
      if (j->result > 0) memcpy(bytes, j->data, (size_t)j->result);
    } else if (ok) {
      napi_create_int32(env, j->result, &value);
    }
    break;
  case JOB_START:
    if (ok) {
      j->device->stream = j->stream;
      value = wrap_stream(env, j->stream);
    } else {
      stream_finish(env, j->stream, j->stuck);
    }
    break;
  case JOB_STOP:
    stream_finish(env, j->stream, j->stuck);
    napi_create_int32(env, j->stuck, &value);
    /* A device lost while stopping is not an error: the stream is stopped either way. */
    ok = 1;
    break;
  case JOB_CLOSE:
    if (j->stream != NULL) stream_finish(env, j->stream, j->stuck);
    /* Transfers that never came back were orphaned by libusb_close: free them now. */
    while (j->device->zombies != NULL) {
      wu_stream *z = j->device->zombies;
      j->device->zombies = z->next_zombie;
      z->zombie = 0;
      stream_unref(env, z);
    }
    device_maybe_free(j->device);
    break;
  default:
    break;
  }

  if (ok) {
    if (value == NULL) napi_get_undefined(env, &value);
    napi_resolve_deferred(env, j->deferred, value);
  } else {
    napi_reject_deferred(env, j->deferred, make_usb_error(env, j->result, j->what));
  }

  if (j->keep != NULL) napi_delete_reference(env, j->keep);
  napi_delete_async_work(env, j->work);
  free(j->data);
  free(j);
}

static napi_value queue_job(napi_env env, job *j, napi_value keep) {
  napi_value promise, name;

  if (keep != NULL) napi_create_reference(env, keep, 1, &j->keep);
  napi_create_promise(env, &j->deferred, &promise);
  napi_create_string_utf8(env, "webuvc", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, job_execute, job_complete, j, &j->work);
  napi_queue_async_work(env, j->work);
  return promise;
}

static job *new_job(job_kind kind, const char *what) {
  job *j = calloc(1, sizeof(*j));

  if (j != NULL) {
    j->kind = kind;
    j->what = what;
  }
  return j;
}

/* ---- holders: JS objects over native state that may go first -------------------------------- */

static void device_maybe_free(wu_device *d) {
  if (!d->closed || d->live_streams > 0 || d->holder != NULL) return;
  pthread_mutex_destroy(&d->op_lock);
  free(d);
}

static void device_holder_finalize(napi_env env, void *data, void *hint) {
  wu_holder *h = data;
  wu_device *d = h->device;

  if (d != NULL) {
    d->holder = NULL;
    /* Garbage collected while open and idle: close it here rather than leak the claim. */
    if (!d->closed && d->stream == NULL) wu_device_close(d);
    device_maybe_free(d);
  }
  free(h);
}

static void stream_holder_finalize(napi_env env, void *data, void *hint) {
  wu_holder *h = data;

  if (h->stream != NULL) h->stream->holder = NULL;
  free(h);
}

static wu_holder *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv,
                         napi_value *self) {
  wu_holder *h = NULL;
  napi_value this_arg;

  if (napi_get_cb_info(env, info, argc, argv, &this_arg, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, this_arg, (void **)&h) != napi_ok) return NULL;
  if (self != NULL) *self = this_arg;
  return h;
}

static napi_value new_instance(napi_env env, napi_ref constructor) {
  napi_value ctor, token, instance;

  napi_get_reference_value(env, constructor, &ctor);
  napi_create_int32(env, constructor_token, &token);
  if (napi_new_instance(env, ctor, 1, &token, &instance) != napi_ok) return NULL;
  return instance;
}

static napi_value private_constructor(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], this_arg;
  int32_t token = 0;

  napi_get_cb_info(env, info, &argc, argv, &this_arg, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &token) != napi_ok ||
      token != constructor_token) {
    napi_throw_type_error(env, NULL, "native objects are created by the binding, not with new");
    return NULL;
  }
  return this_arg;
}

static napi_value wrap_device(napi_env env, wu_device *d) {
  napi_value object = new_instance(env, device_constructor);
  wu_holder *h = calloc(1, sizeof(*h));

  if (object == NULL || h == NULL) {
    free(h);
    return NULL;
  }
  h->device = d;
  d->holder = h;
  napi_wrap(env, object, h, device_holder_finalize, NULL, NULL);
  set_int(env, object, "busNumber", d->bus_number);
  set_int(env, object, "deviceAddress", d->device_address);
  set_int(env, object, "speed", d->speed);
  set_int(env, object, "interfaceNumber", d->interface_number);
  {
    napi_value detached;
    napi_get_boolean(env, d->driver_detached != 0, &detached);
    napi_set_named_property(env, object, "kernelDriverDetached", detached);
  }
  return object;
}

static napi_value wrap_stream(napi_env env, wu_stream *s) {
  napi_value object = new_instance(env, stream_constructor);
  wu_holder *h = calloc(1, sizeof(*h));

  if (object == NULL || h == NULL) {
    free(h);
    return NULL;
  }
  h->stream = s;
  s->holder = h;
  napi_wrap(env, object, h, stream_holder_finalize, NULL, NULL);
  return object;
}

/* ---- stream lifetime --------------------------------------------------------------------- */

static void stream_unref(napi_env env, wu_stream *s) {
  wu_device *d = s->device;

  if (--s->refs > 0) return;
  if (s->holder != NULL) s->holder->stream = NULL;
  wu_stream_free(s);
  device_maybe_free(d);
}

/* Detach a HELD transfer's view so JavaScript cannot read memory that is reused or freed. */
static void detach_view(napi_env env, wu_xfer *x) {
  napi_value ab;

  if (x->arraybuffer == NULL) return;
  if (napi_get_reference_value(env, x->arraybuffer, &ab) == napi_ok && ab != NULL) {
    napi_detach_arraybuffer(env, ab);
  }
  napi_delete_reference(env, x->arraybuffer);
  x->arraybuffer = NULL;
}

/* The stream has stopped: drop its views and its threadsafe function. */
static void stream_finish(napi_env env, wu_stream *s, int stuck) {
  wu_device *d = s->device;
  napi_threadsafe_function tsfn;

  for (int i = 0; i < s->options.transfers; i++) detach_view(env, &s->xfers[i]);
  if (d->stream == s) d->stream = NULL;

  pthread_mutex_lock(&s->lock);
  tsfn = s->tsfn;
  s->tsfn = NULL;
  pthread_mutex_unlock(&s->lock);

  if (stuck > 0 && !d->closed) {
    /* Still owned by libusb: keep the memory until libusb_close orphans those transfers. */
    s->zombie = 1;
    s->next_zombie = d->zombies;
    d->zombies = s;
  } else {
    stream_unref(env, s);
  }
  if (tsfn != NULL) napi_release_threadsafe_function(tsfn, napi_tsfn_release);
}

static void tsfn_finalize(napi_env env, void *data, void *hint) {
  stream_unref(env, data);
}

static void deliver(napi_env env, napi_value callback, wu_stream *s, wu_xfer *x) {
  napi_value argv[6], global, result;
  int iso = s->options.kind == WU_STREAM_ISO;
  napi_status status;

  napi_get_null(env, &argv[1]);
  napi_get_null(env, &argv[4]);
  napi_create_int32(env, x->index, &argv[0]);
  napi_create_int32(env, x->status, &argv[2]);
  napi_create_int32(env, x->actual_length, &argv[3]);
  napi_create_int32(env, x->error, &argv[5]);

  if (x->state == WU_XFER_HELD) {
    size_t length = iso ? (size_t)s->buffer_size : (size_t)x->actual_length;

    status = napi_create_external_arraybuffer(env, x->buffer, length, NULL, NULL, &argv[1]);
    if (status != napi_ok) {
      /* Runtimes without external buffers get a copy. */
      void *copy;
      napi_create_arraybuffer(env, length, &copy, &argv[1]);
      memcpy(copy, x->buffer, length);
    }
    napi_create_reference(env, argv[1], 1, &x->arraybuffer);
    if (iso) {
      void *meta;
      napi_value meta_buffer;
      size_t bytes = (size_t)s->options.packets * 2 * sizeof(int32_t);
      napi_create_arraybuffer(env, bytes, &meta, &meta_buffer);
      memcpy(meta, x->packet_results, bytes);
      napi_create_typedarray(env, napi_int32_array, (size_t)s->options.packets * 2, meta_buffer, 0,
                             &argv[4]);
    }
  }

  napi_get_global(env, &global);
  status = napi_call_function(env, global, callback, 6, argv, &result);
  if (status == napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
}

static void call_js(napi_env env, napi_value callback, void *context, void *data) {
  wu_stream *s = context;
  wu_xfer *list;

  if (env == NULL) return;
  list = wu_stream_take_completed(s);
  while (list != NULL) {
    wu_xfer *x = list;

    list = x->next;
    if (x->state == WU_XFER_HELD || x->error != 0) deliver(env, callback, s, x);
  }
}

/* ---- exported functions ------------------------------------------------------------------ */

/* open(target, interfaceNumber, detachKernelDriver) */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  job *j;
  bool detach = false;
  int32_t iface = 0;

  NAPI_CALL(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || napi_get_value_int32(env, argv[1], &iface) != napi_ok ||
      napi_get_value_bool(env, argv[2], &detach) != napi_ok || iface < 0 || iface > 255) {
    napi_throw_type_error(env, NULL, "open(target, interfaceNumber 0..255, detachKernelDriver)");
    return NULL;
  }

  j = new_job(JOB_OPEN, "open");
  if (j == NULL) return NULL;
  j->interface_number = iface;
  j->detach = detach;
  if (get_int_property(env, argv[0], "busNumber", &j->target.bus_number) &&
      get_int_property(env, argv[0], "deviceAddress", &j->target.device_address)) {
    j->target.by_address = 1;
  } else if (get_int_property(env, argv[0], "vendorId", &j->target.vendor_id) &&
             get_int_property(env, argv[0], "productId", &j->target.product_id)) {
    get_int_property(env, argv[0], "index", &j->target.index);
  } else {
    free(j);
    napi_throw_type_error(env, NULL,
                          "target must have busNumber and deviceAddress, or vendorId and productId");
    return NULL;
  }
  return queue_job(env, j, NULL);
}

static wu_device *open_device(napi_env env, wu_holder *h) {
  if (h == NULL || h->device == NULL || h->device->closed) {
    napi_throw_error(env, "LIBUSB_ERROR_NO_DEVICE", "the device is closed");
    return NULL;
  }
  return h->device;
}

/* device.controlTransfer(bmRequestType, bRequest, wValue, wIndex, dataOrLength, timeoutMs) */
static napi_value js_control(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6], self;
  wu_holder *h = unwrap(env, info, &argc, argv, &self);
  wu_device *d = open_device(env, h);
  uint32_t v[4], timeout = DEFAULT_CONTROL_TIMEOUT_MS;
  bool is_typed = false;
  job *j;

  if (d == NULL) return NULL;
  for (int i = 0; i < 4; i++) {
    if (i >= (int)argc || napi_get_value_uint32(env, argv[i], &v[i]) != napi_ok) {
      napi_throw_type_error(env, NULL, "controlTransfer(bmRequestType, bRequest, wValue, wIndex, "
                                       "dataOrLength, timeoutMs)");
      return NULL;
    }
  }
  if (argc >= 6) napi_get_value_uint32(env, argv[5], &timeout);

  j = new_job(JOB_CONTROL, "control transfer");
  if (j == NULL) return NULL;
  j->device = d;
  j->bmRequestType = (uint8_t)v[0];
  j->bRequest = (uint8_t)v[1];
  j->wValue = (uint16_t)v[2];
  j->wIndex = (uint16_t)v[3];
  j->timeout_ms = timeout;

  if (argc >= 5) napi_is_typedarray(env, argv[4], &is_typed);
  if (is_typed && !(j->bmRequestType & LIBUSB_ENDPOINT_IN)) {
    napi_typedarray_type type;
    size_t length, offset;
    void *bytes;
    napi_value buffer;
    napi_get_typedarray_info(env, argv[4], &type, &length, &bytes, &buffer, &offset);
    if (type != napi_uint8_array || length > MAX_CONTROL_LENGTH) goto bad_data;
    j->wLength = (uint16_t)length;
    j->data = malloc(length > 0 ? length : 1);
    if (j->data == NULL) goto bad_data;
    memcpy(j->data, bytes, length);
  } else if (!is_typed && argc >= 5 && (j->bmRequestType & LIBUSB_ENDPOINT_IN)) {
    uint32_t length;
    if (napi_get_value_uint32(env, argv[4], &length) != napi_ok || length > MAX_CONTROL_LENGTH) {
      goto bad_data;
    }
    j->wLength = (uint16_t)length;
    j->data = malloc(length > 0 ? length : 1);
    if (j->data == NULL) goto bad_data;
  } else {
    goto bad_data;
  }
  return queue_job(env, j, self);

bad_data:
  free(j->data);
  free(j);
  napi_throw_type_error(env, NULL, "an IN request takes a length (0..65535), an OUT request a "
                                   "Uint8Array of at most 65535 bytes");
  return NULL;
}

static napi_value js_set_alt(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  wu_holder *h = unwrap(env, info, &argc, argv, &self);
  wu_device *d = open_device(env, h);
  int32_t alt;
  job *j;

  if (d == NULL) return NULL;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &alt) != napi_ok || alt < 0 || alt > 255) {
    napi_throw_type_error(env, NULL, "setAltSetting(alternate 0..255)");
    return NULL;
  }
  j = new_job(JOB_SET_ALT, "set alternate setting");
  if (j == NULL) return NULL;
  j->device = d;
  j->alt = alt;
  return queue_job(env, j, self);
}

static napi_value simple_device_job(napi_env env, napi_callback_info info, job_kind kind,
                                    const char *what) {
  size_t argc = 0;
  napi_value self;
  wu_holder *h = unwrap(env, info, &argc, NULL, &self);
  wu_device *d = open_device(env, h);
  job *j;

  if (d == NULL) return NULL;
  j = new_job(kind, what);
  if (j == NULL) return NULL;
  j->device = d;
  return queue_job(env, j, self);
}

static napi_value js_claim(napi_env env, napi_callback_info info) {
  return simple_device_job(env, info, JOB_CLAIM, "claim interface");
}

static napi_value js_end_streaming(napi_env env, napi_callback_info info) {
  return simple_device_job(env, info, JOB_END_STREAMING, "release interface");
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self, promise;
  wu_holder *h = unwrap(env, info, &argc, NULL, &self);
  napi_deferred deferred;
  job *j;

  if (h == NULL || h->device == NULL || h->device->closed) {
    /* Closing twice is harmless. */
    napi_value undefined;
    napi_create_promise(env, &deferred, &promise);
    napi_get_undefined(env, &undefined);
    napi_resolve_deferred(env, deferred, undefined);
    return promise;
  }
  j = new_job(JOB_CLOSE, "close");
  if (j == NULL) return NULL;
  j->device = h->device;
  j->stream = h->device->stream;
  j->timeout_ms = CLOSE_STOP_TIMEOUT_MS;
  /* Claimed now so stop() cannot stop the same stream a second time. */
  h->device->stream = NULL;
  return queue_job(env, j, self);
}

/* device.startStream({kind, endpoint, transferSize, packets, packetSize, transfers}, onTransfer) */
static napi_value js_start_stream(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self, name;
  wu_holder *h = unwrap(env, info, &argc, argv, &self);
  wu_device *d = open_device(env, h);
  wu_stream_options o;
  wu_stream *s;
  int endpoint = 0, r;
  napi_valuetype cb_type = napi_undefined;
  job *j;

  if (d == NULL) return NULL;
  memset(&o, 0, sizeof(o));
  if (argc >= 2) napi_typeof(env, argv[1], &cb_type);
  if (argc < 2 || cb_type != napi_function || !get_int_property(env, argv[0], "kind", &o.kind) ||
      !get_int_property(env, argv[0], "endpoint", &endpoint) ||
      !get_int_property(env, argv[0], "transfers", &o.transfers)) {
    napi_throw_type_error(env, NULL, "startStream({kind, endpoint, transfers, ...}, onTransfer)");
    return NULL;
  }
  get_int_property(env, argv[0], "transferSize", &o.transfer_size);
  get_int_property(env, argv[0], "packets", &o.packets);
  get_int_property(env, argv[0], "packetSize", &o.packet_size);
  o.endpoint = (unsigned char)endpoint;

  if ((endpoint & LIBUSB_ENDPOINT_IN) == 0 || endpoint > 0xff || o.transfers < 1 ||
      o.transfers > MAX_TRANSFERS ||
      (o.kind == WU_STREAM_ISO && (o.packets < 1 || o.packets > MAX_ISO_PACKETS ||
                                   o.packet_size < 1 || o.packet_size > MAX_ISO_PACKET_SIZE)) ||
      (o.kind == WU_STREAM_BULK &&
       (o.transfer_size < 1 || o.transfer_size > MAX_BULK_TRANSFER_SIZE)) ||
      (o.kind != WU_STREAM_ISO && o.kind != WU_STREAM_BULK)) {
    napi_throw_range_error(env, NULL, "stream options out of range");
    return NULL;
  }
  if (d->stream != NULL) {
    napi_throw_error(env, "LIBUSB_ERROR_BUSY", "a stream is already running on this device");
    return NULL;
  }

  r = wu_stream_create(d, &o, &s);
  if (r != 0) {
    napi_throw(env, make_usb_error(env, r, "start stream"));
    return NULL;
  }
  s->refs = 2; /* the threadsafe function, and the transfers */
  napi_create_string_utf8(env, "webuvc-stream", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, s, tsfn_finalize, s,
                                      call_js, &s->tsfn) != napi_ok) {
    wu_stream_free(s);
    throw_last_error(env);
    return NULL;
  }

  /* Reserve the device now so a second start fails synchronously. */
  d->stream = s;
  j = new_job(JOB_START, "start stream");
  if (j == NULL) return NULL;
  j->device = d;
  j->stream = s;
  j->timeout_ms = CLOSE_STOP_TIMEOUT_MS;
  return queue_job(env, j, self);
}

static napi_value js_stream_release(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  wu_holder *h = unwrap(env, info, &argc, argv, NULL);
  int32_t index = -1;
  int r;

  if (h == NULL || h->stream == NULL) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  napi_get_value_int32(env, argv[0], &index);
  if (index >= 0 && index < h->stream->options.transfers) {
    wu_xfer *x = &h->stream->xfers[index];
    if (x->state == WU_XFER_HELD) detach_view(env, x);
  }
  r = wu_stream_release(h->stream, index);
  napi_get_boolean(env, r == 0, &result);
  return result;
}

static napi_value js_stream_stop(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, promise, zero;
  wu_holder *h = unwrap(env, info, &argc, argv, &self);
  uint32_t timeout = CLOSE_STOP_TIMEOUT_MS;
  napi_deferred deferred;
  job *j;

  if (h == NULL || h->stream == NULL || h->stream->device->stream != h->stream) {
    /* Already stopped. */
    napi_create_promise(env, &deferred, &promise);
    napi_create_int32(env, 0, &zero);
    napi_resolve_deferred(env, deferred, zero);
    return promise;
  }
  if (argc >= 1) napi_get_value_uint32(env, argv[0], &timeout);
  j = new_job(JOB_STOP, "stop stream");
  if (j == NULL) return NULL;
  j->stream = h->stream;
  j->device = h->stream->device;
  j->timeout_ms = timeout;
  /* Claimed now so close() cannot stop the same stream a second time. */
  j->device->stream = NULL;
  return queue_job(env, j, self);
}

static napi_value js_stream_stats(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value result;
  wu_holder *h = unwrap(env, info, &argc, NULL, NULL);
  wu_stream *s = h == NULL ? NULL : h->stream;

  napi_create_object(env, &result);
  if (s == NULL) return result;
  pthread_mutex_lock(&s->lock);
  set_int(env, result, "submitted", (int64_t)s->submitted);
  set_int(env, result, "completed", (int64_t)s->completed);
  set_int(env, result, "delivered", (int64_t)s->delivered);
  set_int(env, result, "released", (int64_t)s->released);
  set_int(env, result, "submitErrors", (int64_t)s->submit_errors);
  set_int(env, result, "packetErrors", (int64_t)s->packet_errors);
  set_int(env, result, "inFlight", s->inflight);
  pthread_mutex_unlock(&s->lock);
  return result;
}

/* ---- teardown at exit -------------------------------------------------------------------- */

static void teardown(void) {
  static pthread_mutex_t once = PTHREAD_MUTEX_INITIALIZER;

  pthread_mutex_lock(&once);
  wu_shutting_down = 1;
  wu_device_close_all_at_exit();
  pthread_mutex_unlock(&once);
}

static void env_cleanup(void *arg) {
  teardown();
}

/* ---- module ------------------------------------------------------------------------------ */

static napi_value define_class(napi_env env, const char *name,
                               const napi_property_descriptor *methods, size_t count,
                               napi_ref *out) {
  napi_value cls;

  if (napi_define_class(env, name, NAPI_AUTO_LENGTH, private_constructor, NULL, count, methods,
                        &cls) != napi_ok) {
    return NULL;
  }
  napi_create_reference(env, cls, 1, out);
  return cls;
}

#define METHOD(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

static napi_value init(napi_env env, napi_value exports) {
  static int atexit_registered = 0;
  const napi_property_descriptor device_methods[] = {
      METHOD("controlTransfer", js_control),   METHOD("setAltSetting", js_set_alt),
      METHOD("claimInterface", js_claim),      METHOD("endStreaming", js_end_streaming),
      METHOD("startStream", js_start_stream),  METHOD("close", js_close),
  };
  const napi_property_descriptor stream_methods[] = {
      METHOD("release", js_stream_release),
      METHOD("stop", js_stream_stop),
      METHOD("stats", js_stream_stats),
  };
  const struct libusb_version *version = libusb_get_version();
  char version_text[32];
  napi_value open_fn, version_value, device_cls, stream_cls;

  device_cls = define_class(env, "NativeDevice", device_methods,
                            sizeof(device_methods) / sizeof(device_methods[0]), &device_constructor);
  stream_cls = define_class(env, "NativeStream", stream_methods,
                            sizeof(stream_methods) / sizeof(stream_methods[0]), &stream_constructor);
  if (device_cls == NULL || stream_cls == NULL) return NULL;

  NAPI_CALL(env, napi_create_function(env, "open", NAPI_AUTO_LENGTH, js_open, NULL, &open_fn));
  NAPI_CALL(env, napi_set_named_property(env, exports, "open", open_fn));
  snprintf(version_text, sizeof(version_text), "%u.%u.%u", version->major, version->minor,
           version->micro);
  NAPI_CALL(env, napi_create_string_utf8(env, version_text, NAPI_AUTO_LENGTH, &version_value));
  NAPI_CALL(env, napi_set_named_property(env, exports, "libusbVersion", version_value));

  napi_add_env_cleanup_hook(env, env_cleanup, NULL);
  if (!atexit_registered) {
    atexit_registered = 1;
    atexit(teardown);
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
