/* libusb reads its build configuration from this header; binding.gyp passes every setting as a define. */
