# Builds the webuvc streaming addon against the libusb 1.0.30 sources that the `usb` package ships,
# as a static library with the netlink hot-plug backend (no libudev headers needed).
# Set use_system_libusb=true (node-gyp rebuild -- -Duse_system_libusb=true) to link the system's
# libusb-1.0 through pkg-config instead.
{
  'variables': {
    'use_system_libusb%': 'false',
    'libusb_dir%': '<!(node -p "const p = require(\'path\'); p.relative(process.cwd(), p.join(p.dirname(require.resolve(\'usb/package.json\')), \'libusb\'))")',
  },
  'target_defaults': {
    'cflags': ['-std=gnu11', '-fvisibility=hidden'],
    'defines': ['_GNU_SOURCE=1'],
  },
  'targets': [
    {
      'target_name': 'webuvc_libusb',
      'type': 'static_library',
      'conditions': [
        ['use_system_libusb=="false"', {
          'sources': [
            '<(libusb_dir)/libusb/core.c',
            '<(libusb_dir)/libusb/descriptor.c',
            '<(libusb_dir)/libusb/hotplug.c',
            '<(libusb_dir)/libusb/io.c',
            '<(libusb_dir)/libusb/strerror.c',
            '<(libusb_dir)/libusb/sync.c',
            '<(libusb_dir)/libusb/os/events_posix.c',
            '<(libusb_dir)/libusb/os/threads_posix.c',
            '<(libusb_dir)/libusb/os/linux_usbfs.c',
            '<(libusb_dir)/libusb/os/linux_netlink.c',
          ],
          'include_dirs': ['libusb_config', '<(libusb_dir)/libusb', '<(libusb_dir)/libusb/os'],
          'defines': [
            'PLATFORM_POSIX=1',
            'THREADS_POSIX=1',
            'OS_LINUX=1',
            'HAVE_CLOCK_GETTIME=1',
            'HAVE_EVENTFD=1',
            'HAVE_TIMERFD=1',
            'HAVE_PIPE2=1',
            'HAVE_PTHREAD_CONDATTR_SETCLOCK=1',
            'HAVE_SYS_TIME_H=1',
            'HAVE_NFDS_T=1',
            'ENABLE_LOGGING=1',
            'DEFAULT_VISIBILITY=',
            'PRINTF_FORMAT(a, b)=__attribute__ ((__format__ (__printf__, a, b)))',
          ],
          'cflags': ['-w', '-pthread'],
          'direct_dependent_settings': {
            'include_dirs': ['<(libusb_dir)/libusb'],
            'libraries': ['-pthread'],
          },
        }, {
          'type': 'none',
          'direct_dependent_settings': {
            'cflags': ['<!@(pkg-config --cflags libusb-1.0)'],
            'libraries': ['<!@(pkg-config --libs libusb-1.0)'],
          },
        }],
      ],
    },
    {
      'target_name': 'webuvc_native',
      'dependencies': ['webuvc_libusb'],
      'sources': ['src/addon.c', 'src/context.c', 'src/device.c', 'src/stream.c'],
      'defines': ['NAPI_VERSION=8'],
      'cflags': ['-Wall', '-Wextra', '-Wno-unused-parameter', '-pthread'],
    },
    {
      'target_name': 'plain_reap',
      'type': 'executable',
      'dependencies': ['webuvc_libusb'],
      'sources': ['bench/plain_reap.c'],
      'cflags': ['-Wall', '-Wextra', '-pthread'],
    },
  ],
}
