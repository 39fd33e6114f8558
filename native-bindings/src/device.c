/*
 * One opened camera and its VideoStreaming interface.
 *
 * usbfs claims belong to the file descriptor, so the handle that streams also sends the
 * VideoStreaming class requests (probe/commit). Every function here blocks and runs on a
 * worker thread; op_lock keeps one of them at a time per device.
 */
#include "webuvc.h"

#include <stdlib.h>

/* How long the exit-time teardown waits for cancelled transfers. */
#define EXIT_STOP_TIMEOUT_MS 300

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static wu_device *open_devices = NULL;

static void register_open(wu_device *d) {
  pthread_mutex_lock(&open_lock);
  d->next_open = open_devices;
  open_devices = d;
  pthread_mutex_unlock(&open_lock);
}

static void unregister_open(wu_device *d) {
  wu_device **link;

  pthread_mutex_lock(&open_lock);
  for (link = &open_devices; *link != NULL; link = &(*link)->next_open) {
    if (*link == d) {
      *link = d->next_open;
      break;
    }
  }
  pthread_mutex_unlock(&open_lock);
}

static int matches(libusb_device *dev, const wu_target *t, int *seen) {
  struct libusb_device_descriptor desc;

  if (t->by_address) {
    return libusb_get_bus_number(dev) == t->bus_number &&
           libusb_get_device_address(dev) == t->device_address;
  }
  if (libusb_get_device_descriptor(dev, &desc) != 0) return 0;
  if (desc.idVendor != t->vendor_id || desc.idProduct != t->product_id) return 0;
  return (*seen)++ == t->index;
}

static int find_and_open(libusb_context *ctx, const wu_target *t, libusb_device_handle **out,
                         wu_device *d) {
  libusb_device **list;
  libusb_device *found = NULL;
  ssize_t count;
  int seen = 0;
  int r;

  count = libusb_get_device_list(ctx, &list);
  if (count < 0) return (int)count;

  for (ssize_t i = 0; i < count && found == NULL; i++) {
    if (matches(list[i], t, &seen)) found = list[i];
  }
  if (found == NULL) {
    libusb_free_device_list(list, 1);
    return LIBUSB_ERROR_NOT_FOUND;
  }

  d->bus_number = libusb_get_bus_number(found);
  d->device_address = libusb_get_device_address(found);
  d->speed = libusb_get_device_speed(found);
  r = libusb_open(found, out);
  libusb_free_device_list(list, 1);
  return r;
}

/* Detach a kernel driver (uvcvideo) from the interface; remembered for re-attaching. */
static int detach_driver(wu_device *d) {
  int active = libusb_kernel_driver_active(d->handle, d->interface_number);

  if (active == LIBUSB_ERROR_NOT_SUPPORTED || active == 0) return 0;
  if (active < 0) return active;

  active = libusb_detach_kernel_driver(d->handle, d->interface_number);
  if (active == 0) d->driver_detached = 1;
  return active == LIBUSB_ERROR_NOT_FOUND ? 0 : active;
}

int wu_device_open(const wu_target *target, int interface_number, int detach_kernel_driver,
                   wu_device **out) {
  libusb_context *ctx;
  wu_device *d;
  int r;

  d = calloc(1, sizeof(*d));
  if (d == NULL) return LIBUSB_ERROR_NO_MEM;
  d->interface_number = interface_number;
  pthread_mutex_init(&d->op_lock, NULL);

  r = wu_context_acquire(&ctx);
  if (r != 0) {
    pthread_mutex_destroy(&d->op_lock);
    free(d);
    return r;
  }

  r = find_and_open(ctx, target, &d->handle, d);
  if (r == 0 && detach_kernel_driver) r = detach_driver(d);
  if (r == 0) r = libusb_claim_interface(d->handle, interface_number);
  if (r != 0) {
    if (d->handle != NULL) {
      if (d->driver_detached) libusb_attach_kernel_driver(d->handle, interface_number);
      libusb_close(d->handle);
    }
    wu_context_release();
    pthread_mutex_destroy(&d->op_lock);
    free(d);
    return r;
  }

  d->claimed = 1;
  register_open(d);
  *out = d;
  return 0;
}

static int claim_locked(wu_device *d) {
  int r;

  if (d->claimed) return 0;
  r = libusb_claim_interface(d->handle, d->interface_number);
  if (r == 0) d->claimed = 1;
  return r;
}

int wu_device_claim(wu_device *d) {
  int r;

  pthread_mutex_lock(&d->op_lock);
  r = d->closed ? LIBUSB_ERROR_NO_DEVICE : claim_locked(d);
  pthread_mutex_unlock(&d->op_lock);
  return r;
}

int wu_device_set_alt(wu_device *d, int alt) {
  int r;

  pthread_mutex_lock(&d->op_lock);
  r = d->closed ? LIBUSB_ERROR_NO_DEVICE : claim_locked(d);
  if (r == 0) r = libusb_set_interface_alt_setting(d->handle, d->interface_number, alt);
  if (r == 0) d->alt_setting = alt;
  pthread_mutex_unlock(&d->op_lock);
  return r;
}

int wu_device_control(wu_device *d, uint8_t bmRequestType, uint8_t bRequest, uint16_t wValue,
                      uint16_t wIndex, unsigned char *data, uint16_t wLength, unsigned timeout_ms) {
  int r;

  pthread_mutex_lock(&d->op_lock);
  if (d->closed) {
    r = LIBUSB_ERROR_NO_DEVICE;
  } else {
    r = libusb_control_transfer(d->handle, bmRequestType, bRequest, wValue, wIndex, data, wLength,
                                timeout_ms);
  }
  pthread_mutex_unlock(&d->op_lock);
  return r;
}

static int end_streaming_locked(wu_device *d) {
  int r = 0;

  if (d->closed || !d->claimed) return 0;
  if (d->alt_setting != 0) {
    r = libusb_set_interface_alt_setting(d->handle, d->interface_number, 0);
    d->alt_setting = 0;
  }

  /* Release even when the alt setting failed (a lost device): the claim must not outlive us. */
  int released = libusb_release_interface(d->handle, d->interface_number);
  d->claimed = 0;
  return r != 0 ? r : released;
}

int wu_device_end_streaming(wu_device *d) {
  int r;

  pthread_mutex_lock(&d->op_lock);
  r = end_streaming_locked(d);
  pthread_mutex_unlock(&d->op_lock);
  return r;
}

static void close_locked(wu_device *d) {
  if (d->closed) return;

  if (d->claimed) {
    if (d->alt_setting != 0) libusb_set_interface_alt_setting(d->handle, d->interface_number, 0);
    libusb_release_interface(d->handle, d->interface_number);
    d->claimed = 0;
  }
  if (d->driver_detached) {
    libusb_attach_kernel_driver(d->handle, d->interface_number);
    d->driver_detached = 0;
  }

  /* libusb_close orphans transfers that never came back; they can be freed afterwards. */
  libusb_close(d->handle);
  d->handle = NULL;
  d->closed = 1;
}

void wu_device_close(wu_device *d) {
  int was_open;

  pthread_mutex_lock(&d->op_lock);
  was_open = !d->closed;
  close_locked(d);
  pthread_mutex_unlock(&d->op_lock);

  if (was_open) {
    unregister_open(d);
    wu_context_release();
  }
}

void wu_device_close_all_at_exit(void) {
  wu_device *d;

  pthread_mutex_lock(&open_lock);
  d = open_devices;
  open_devices = NULL;
  pthread_mutex_unlock(&open_lock);

  for (; d != NULL; d = d->next_open) {
    if (d->stream != NULL) wu_stream_stop(d->stream, EXIT_STOP_TIMEOUT_MS);
    if (pthread_mutex_trylock(&d->op_lock) != 0) {
      /* A blocking operation is running; closing under it would be worse than leaking. */
      continue;
    }
    int was_open = !d->closed;
    close_locked(d);
    pthread_mutex_unlock(&d->op_lock);
    if (was_open) wu_context_release();
  }
}
