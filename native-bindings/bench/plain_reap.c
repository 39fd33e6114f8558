/*
 * plain_reap: the baseline for the streaming benchmark.
 *
 * Plain libusb, no JavaScript: open a camera by bus and address, claim its VideoStreaming
 * interface, send a probe/commit block given in hex, select an alternate setting, keep N
 * isochronous (or bulk) transfers in flight and resubmit each one from its callback. Frames are
 * counted by the EOF bit of the UVC payload headers. Prints one JSON line with frames, bytes,
 * elapsed time and the process's CPU time.
 *
 * usage: plain_reap BUS ADDR IFACE ALT ENDPOINT iso|bulk TRANSFERS PACKETS PACKET_SIZE FRAMES
 *                   PROBE_HEX
 *        (bulk: PACKETS is 1 and PACKET_SIZE is the transfer size)
 */
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#define UVC_SET_CUR 0x01
#define UVC_VS_PROBE_CONTROL 0x01
#define UVC_VS_COMMIT_CONTROL 0x02
#define UVC_HEADER_EOF 0x02
#define CLASS_INTERFACE_OUT 0x21
#define CONTROL_TIMEOUT_MS 1000

static int iso;
static long frames, target_frames, bytes, packet_errors;
static int stopping, inflight;

static double seconds(const struct timespec *a, const struct timespec *b) {
  return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static double cpu_seconds(const struct timeval *a, const struct timeval *b) {
  return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_usec - a->tv_usec) / 1e6;
}

static void count_payload(const unsigned char *p, int length) {
  if (length < 2 || p[0] < 2 || p[0] > length) return;
  bytes += length - p[0];
  if (p[1] & UVC_HEADER_EOF) frames++;
}

static void LIBUSB_CALL done(struct libusb_transfer *t) {
  inflight--;
  if (t->status == LIBUSB_TRANSFER_COMPLETED) {
    if (iso) {
      for (int i = 0; i < t->num_iso_packets; i++) {
        if (t->iso_packet_desc[i].status != LIBUSB_TRANSFER_COMPLETED) {
          packet_errors++;
          continue;
        }
        count_payload(libusb_get_iso_packet_buffer_simple(t, (unsigned)i),
                      (int)t->iso_packet_desc[i].actual_length);
      }
    } else {
      count_payload(t->buffer, t->actual_length);
    }
  } else if (t->status != LIBUSB_TRANSFER_CANCELLED) {
    stopping = 1;
  }
  if (frames >= target_frames) stopping = 1;
  if (!stopping && libusb_submit_transfer(t) == 0) inflight++;
}

static int parse_hex(const char *hex, unsigned char *out, int max) {
  int n = 0;

  while (hex[0] != '\0' && hex[1] != '\0' && n < max) {
    unsigned value;
    if (sscanf(hex, "%2x", &value) != 1) return -1;
    out[n++] = (unsigned char)value;
    hex += 2;
  }
  return n;
}

int main(int argc, char **argv) {
  libusb_context *ctx;
  libusb_device_handle *h = NULL;
  libusb_device **list;
  unsigned char probe[64];
  struct timespec start, end;
  struct rusage usage_start, usage;
  struct libusb_transfer **transfers;
  int bus, addr, iface, alt, endpoint, count, packets, packet_size, probe_length, r;

  if (argc != 12) {
    fprintf(stderr, "usage: plain_reap BUS ADDR IFACE ALT ENDPOINT iso|bulk TRANSFERS PACKETS "
                    "PACKET_SIZE FRAMES PROBE_HEX\n");
    return 2;
  }
  bus = atoi(argv[1]);
  addr = atoi(argv[2]);
  iface = atoi(argv[3]);
  alt = atoi(argv[4]);
  endpoint = (int)strtol(argv[5], NULL, 0);
  iso = strcmp(argv[6], "iso") == 0;
  count = atoi(argv[7]);
  packets = atoi(argv[8]);
  packet_size = atoi(argv[9]);
  target_frames = atol(argv[10]);
  probe_length = parse_hex(argv[11], probe, (int)sizeof(probe));
  if (probe_length < 26 || count < 1 || packets < 1 || packet_size < 1) {
    fprintf(stderr, "plain_reap: bad arguments\n");
    return 2;
  }

#if defined(LIBUSB_API_VERSION) && LIBUSB_API_VERSION >= 0x0100010A
  if (libusb_init_context(&ctx, NULL, 0) != 0) return 1;
#else
  if (libusb_init(&ctx) != 0) return 1;
#endif
  ssize_t n = libusb_get_device_list(ctx, &list);
  for (ssize_t i = 0; i < n; i++) {
    if (libusb_get_bus_number(list[i]) == bus && libusb_get_device_address(list[i]) == addr) {
      if (libusb_open(list[i], &h) != 0) h = NULL;
    }
  }
  libusb_free_device_list(list, 1);
  if (h == NULL) {
    fprintf(stderr, "plain_reap: device %d/%d not found\n", bus, addr);
    return 1;
  }

  r = libusb_claim_interface(h, iface);
  if (r == 0) {
    r = libusb_control_transfer(h, CLASS_INTERFACE_OUT, UVC_SET_CUR, UVC_VS_PROBE_CONTROL << 8,
                                (uint16_t)iface, probe, (uint16_t)probe_length, CONTROL_TIMEOUT_MS);
  }
  if (r >= 0) {
    r = libusb_control_transfer(h, CLASS_INTERFACE_OUT, UVC_SET_CUR, UVC_VS_COMMIT_CONTROL << 8,
                                (uint16_t)iface, probe, (uint16_t)probe_length, CONTROL_TIMEOUT_MS);
  }
  if (r >= 0) r = libusb_set_interface_alt_setting(h, iface, alt);
  if (r < 0) {
    fprintf(stderr, "plain_reap: set-up failed: %s\n", libusb_error_name(r));
    return 1;
  }

  transfers = calloc((size_t)count, sizeof(*transfers));
  getrusage(RUSAGE_SELF, &usage_start);
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (int i = 0; i < count; i++) {
    int size = packets * packet_size;
    transfers[i] = libusb_alloc_transfer(iso ? packets : 0);
    unsigned char *buffer = malloc((size_t)size);
    if (iso) {
      libusb_fill_iso_transfer(transfers[i], h, (unsigned char)endpoint, buffer, size, packets,
                               done, NULL, 0);
      libusb_set_iso_packet_lengths(transfers[i], (unsigned)packet_size);
    } else {
      libusb_fill_bulk_transfer(transfers[i], h, (unsigned char)endpoint, buffer, size, done, NULL,
                                0);
    }
    if (libusb_submit_transfer(transfers[i]) == 0) inflight++;
  }

  while (inflight > 0) {
    if (stopping) {
      for (int i = 0; i < count; i++) libusb_cancel_transfer(transfers[i]);
    }
    libusb_handle_events(ctx);
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  getrusage(RUSAGE_SELF, &usage);

  printf("{\"frames\":%ld,\"bytes\":%ld,\"packetErrors\":%ld,\"seconds\":%.6f,"
         "\"cpuUserSeconds\":%.6f,\"cpuSystemSeconds\":%.6f}\n",
         frames, bytes, packet_errors, seconds(&start, &end),
         cpu_seconds(&usage_start.ru_utime, &usage.ru_utime),
         cpu_seconds(&usage_start.ru_stime, &usage.ru_stime));

  libusb_set_interface_alt_setting(h, iface, 0);
  libusb_release_interface(h, iface);
  libusb_close(h);
  libusb_exit(ctx);
  return 0;
}
