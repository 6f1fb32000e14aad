# cpo build settings. Override any of these on the make command line.

VERSION = 0.1.0

# Where "make install" puts things.
PREFIX = /usr/local
MANPREFIX = $(PREFIX)/share/man

# The shipped programs are static musl executables.
CC = musl-gcc
OPT = -O2
WARN = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla
CFLAGS = -std=c11 $(OPT) $(WARN) -ffunction-sections -fdata-sections
CPPFLAGS = -D_DEFAULT_SOURCE -DCPO_VERSION=\"$(VERSION)\" -Ilib
LDFLAGS = -static -Wl,--gc-sections -s
LDLIBS = -lm

# The AddressSanitizer + UndefinedBehaviorSanitizer build uses the system
# compiler and C library, since musl has no sanitizer runtimes.
ASAN_CC = cc
ASAN_CFLAGS = -std=c11 -O1 -g $(WARN) -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all
ASAN_LDFLAGS = -fsanitize=address,undefined
