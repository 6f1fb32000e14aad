# mk/deps.mk: the third-party libraries (cJSON, OpenSSL 3, libcurl) that the
# static musl programs link, built from Debian 12 source packages with every
# Debian security patch. Debian ships no musl build of them, and its glibc
# .a files cannot be linked into a musl binary (shared/static-build.md).
#
# Include it from the top-level Makefile after setting any of the ?= below.
# It gives:
#   DEPS_CPPFLAGS, DEPS_LIBS  compile and link flags for the musl build
#   DEPS_STAMP                file target; depend on it from anything that
#                             includes <curl/curl.h> or <cjson/cJSON.h>
#   ASAN_DEPS_CPPFLAGS, ASAN_DEPS_LIBS, ASAN_DEPS_STAMP
#                             the same for the AddressSanitizer build (system
#                             cc, glibc, dynamic libcurl)
#   deps, deps-asan, deps-clean
#
# On a machine that is not Debian 12, bring your own static libraries:
#   make DEPS_CPPFLAGS='-I/opt/x/include -DCURL_STATICLIB' \
#        DEPS_LIBS='-L/opt/x/lib -lcurl -lssl -lcrypto -lcjson' DEPS_STAMP=
# An empty stamp means there is nothing to build.
#
# Run one build at a time per DEPS_DIR: each rule starts by deleting its work
# directory, so two makes building the same tree delete each other's files.

# Find scripts/ from this file, not from the current directory, so that the
# fragment also works when included from a Makefile elsewhere.
DEPS_TOPDIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
DEPS_SCRIPTS := $(DEPS_TOPDIR)/scripts

# This file defines rules before the including Makefile has named its first
# target; put the default goal back at the end.
DEPS_SAVED_GOAL := $(.DEFAULT_GOAL)

MUSL_CC ?= musl-gcc
DEPS_DIR ?= build/deps
DEPS_PREFIX ?= $(abspath $(DEPS_DIR))/prefix
DEPS_CFLAGS ?= -O2 -ffunction-sections -fdata-sections
DEPS_JOBS ?= $(shell nproc)
DEPS_CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt

# Source packages for apt-get source. Pin one with NAME=VERSION; the curl
# patch skip list below was checked against 7.88.1-10+deb12u15.
DEPS_SOURCES ?= cjson openssl curl
DEPS_FALLBACK_SUITE ?= bookworm

# libcurl needs libssl, which needs libcrypto. musl keeps pthread and dlopen
# in libc itself, so neither -lpthread nor -ldl is needed.
DEPS_CPPFLAGS ?= -I$(DEPS_PREFIX)/include -DCURL_STATICLIB
DEPS_LIBS ?= -L$(DEPS_PREFIX)/lib -lcurl -lssl -lcrypto -lcjson
DEPS_STAMP ?= $(DEPS_PREFIX)/.built

# The sanitizer build is dynamic against glibc, so Debian's own libcurl is
# fine there. cJSON is compiled from the same patched source as the static
# build, and instrumented, so overruns inside it are caught too.
ASAN_CC ?= cc
ASAN_DEPS_DIR ?= $(abspath $(DEPS_DIR))/asan
ASAN_DEPS_CFLAGS ?= -O1 -g -fno-omit-frame-pointer \
	-fsanitize=address,undefined
ASAN_DEPS_CPPFLAGS ?= -I$(ASAN_DEPS_DIR)/include
ASAN_DEPS_LIBS ?= -L$(ASAN_DEPS_DIR)/lib -lcjson -lcurl
ASAN_DEPS_STAMP ?= $(ASAN_DEPS_DIR)/.built

DEPS_ROOT := $(abspath $(DEPS_DIR))
DEPS_SRC := $(DEPS_ROOT)/src
DEPS_WORK := $(DEPS_ROOT)/work

# Everything the recipes below run; ensure-packages installs what is missing
# (as root) or names it. musl-gcc is only a wrapper around gcc. OpenSSL's
# Configure is perl, and it needs the kernel headers (see the shim below).
DEPS_TOOLS := musl-gcc:musl-tools gcc:gcc make:make ar:binutils \
	dpkg-source:dpkg-dev xz:xz-utils patch:patch perl:perl \
	file=/usr/include/linux/mman.h:linux-libc-dev

# Sub-builds see a clean environment. Variables given on the make command line
# (make CFLAGS=-g) are exported to recipes and in MAKEFLAGS, and would
# override the flags of OpenSSL's and curl's own Makefiles and leak into
# configure. The host's pkg-config would hand configure glibc libraries
# (zlib, nghttp2, idn2 ...), so it sees only our prefix.
DEPS_ENV = env -u MAKEFLAGS -u MFLAGS -u GNUMAKEFLAGS \
	-u CC -u CFLAGS -u CPPFLAGS -u LDFLAGS -u LDLIBS -u LIBS \
	PKG_CONFIG_LIBDIR=$(DEPS_PREFIX)/lib/pkgconfig PKG_CONFIG_PATH=

# Named through a simple variable so that make does not treat these lines as
# recursive: "make -n deps" then prints the sub-builds instead of running them
# (MAKEFLAGS, where -n would travel, is cleared above).
DEPS_SUBMAKE := $(MAKE)

# Debian's curl patches that touch configure.ac, Makefile.am or ltmain.sh
# (zsh completion, krb5 link flags, OpenLDAP: nothing this build uses, and
# curl's configure runs in non-maintainer mode, so they would be inert
# anyway), and the switches that make the GnuTLS and NSS flavours.
DEPS_CURL_SKIP := 04_workaround_as_needed_bug.patch 08_enable-zsh.patch \
	build-Divide-mit-krb5-gssapi-link-flags-between-LDFLAGS-a.patch \
	Use-OpenLDAP-specific-functionality.patch 90_gnutls.patch 99_nss.patch

# HTTP and HTTPS only, and nothing from the host: every optional library is
# off explicitly because configure would otherwise pick up glibc builds.
DEPS_CURL_CONFIGURE := --disable-shared --enable-static --disable-silent-rules \
	--with-openssl=$(DEPS_PREFIX) --without-ca-fallback \
	--with-ca-bundle=$(DEPS_CA_BUNDLE) --without-ca-path \
	--without-libpsl --without-brotli --without-zstd --without-libidn2 \
	--without-nghttp2 --without-librtmp --without-libssh2 --without-libssh \
	--without-zlib --disable-ldap --disable-ldaps --disable-manual \
	--disable-ftp --disable-file --disable-dict --disable-gopher \
	--disable-imap --disable-pop3 --disable-smtp --disable-telnet \
	--disable-tftp --disable-rtsp --disable-mqtt --disable-smb \
	--disable-ntlm-wb

.PHONY: deps deps-asan deps-clean
deps: $(DEPS_STAMP)
deps-asan: $(ASAN_DEPS_STAMP)

ifneq ($(strip $(DEPS_STAMP)),)
$(DEPS_STAMP): $(DEPS_PREFIX)/.cjson $(DEPS_PREFIX)/.openssl \
		$(DEPS_PREFIX)/.curl
	touch $@
endif

# Every build starts from here, so the tools are checked once, before any
# sub-build needs them. A fresh directory keeps the *.dsc globs below down to
# one match each.
# A mirror can list a source in bookworm-security yet answer 404 for its .dsc
# (seen for openssl); then the point release's version is taken, with a
# warning, rather than failing the whole build. A pinned NAME=VERSION never
# falls back. As root, apt-get source warns that it downloads unsandboxed
# (user _apt cannot write here); that is harmless.
$(DEPS_SRC)/.fetched:
	$(DEPS_SCRIPTS)/ensure-packages $(DEPS_TOOLS)
	$(DEPS_SCRIPTS)/ensure-deb-src
	rm -rf $(DEPS_SRC)
	mkdir -p $(DEPS_SRC)
	cd $(DEPS_SRC) && for p in $(DEPS_SOURCES); do \
	    apt-get source --download-only $$p && continue; \
	    case $$p in *[=/]*) exit 1 ;; esac; \
	    echo "deps: warning: cannot fetch the newest $$p source," \
	        "falling back to $$p/$(DEPS_FALLBACK_SUITE)" >&2; \
	    rm -f $${p}_*; \
	    apt-get source --download-only $$p/$(DEPS_FALLBACK_SUITE) || exit 1; \
	done
	touch $@

# dpkg-source applies all of Debian's cJSON patches (source-only fixes,
# CVE-2025-57052 among them). The static and the sanitizer builds both
# compile this tree.
$(DEPS_WORK)/cjson/.unpacked: $(DEPS_SRC)/.fetched
	rm -rf $(DEPS_WORK)/cjson
	mkdir -p $(DEPS_WORK)
	dpkg-source -x $(DEPS_SRC)/cjson_*.dsc $(DEPS_WORK)/cjson
	touch $@

# One file, so no CMake; -std=c89 as upstream builds it.
$(DEPS_PREFIX)/.cjson: $(DEPS_WORK)/cjson/.unpacked
	rm -rf $(DEPS_WORK)/cjson-musl
	mkdir -p $(DEPS_WORK)/cjson-musl
	$(MUSL_CC) $(DEPS_CFLAGS) -std=c89 -c $(DEPS_WORK)/cjson/cJSON.c \
	    -o $(DEPS_WORK)/cjson-musl/cJSON.o
	ar rcs $(DEPS_WORK)/cjson-musl/libcjson.a $(DEPS_WORK)/cjson-musl/cJSON.o
	install -D -m 644 $(DEPS_WORK)/cjson/cJSON.h \
	    $(DEPS_PREFIX)/include/cjson/cJSON.h
	install -D -m 644 $(DEPS_WORK)/cjson-musl/libcjson.a \
	    $(DEPS_PREFIX)/lib/libcjson.a
	touch $@

# Debian's musl-dev has no linux/ or asm/ headers, and OpenSSL needs a few
# (linux/mman.h for the secure heap). Adding -I/usr/include would let glibc's
# headers win over musl's, so a shim directory holds only the three kernel
# header trees. no-afalgeng drops the one engine that wants more of them;
# Configure rejects no-docs, so build_libs and install_dev skip the docs and
# the openssl program instead. OPENSSLDIR is Debian's, so /etc/ssl/openssl.cnf
# applies as it does to Debian's own libssl.
$(DEPS_PREFIX)/.openssl: $(DEPS_SRC)/.fetched
	rm -rf $(DEPS_WORK)/openssl $(DEPS_WORK)/kheaders
	mkdir -p $(DEPS_WORK)/kheaders
	ln -s /usr/include/linux $(DEPS_WORK)/kheaders/linux
	ln -s /usr/include/asm-generic $(DEPS_WORK)/kheaders/asm-generic
	ln -s /usr/include/$$(gcc -print-multiarch)/asm $(DEPS_WORK)/kheaders/asm
	dpkg-source -x $(DEPS_SRC)/openssl_*.dsc $(DEPS_WORK)/openssl
	cd $(DEPS_WORK)/openssl && $(DEPS_ENV) ./Configure linux-$$(uname -m) \
	    no-shared no-tests no-afalgeng --prefix=$(DEPS_PREFIX) --libdir=lib \
	    --openssldir=/etc/ssl CC=$(MUSL_CC) \
	    CFLAGS="$(DEPS_CFLAGS) -isystem $(DEPS_WORK)/kheaders"
	$(DEPS_ENV) $(DEPS_SUBMAKE) -C $(DEPS_WORK)/openssl -j$(DEPS_JOBS) \
	    build_libs
	$(DEPS_ENV) $(DEPS_SUBMAKE) -C $(DEPS_WORK)/openssl install_dev
	touch $@

# dpkg-source would apply the whole series; the skip list needs patch(1).
# Only lib/ and include/ are built: the curl program and docs are not used.
$(DEPS_PREFIX)/.curl: $(DEPS_SRC)/.fetched $(DEPS_PREFIX)/.openssl
	rm -rf $(DEPS_WORK)/curl
	mkdir -p $(DEPS_WORK)
	dpkg-source --skip-patches -x $(DEPS_SRC)/curl_*.dsc $(DEPS_WORK)/curl
	cd $(DEPS_WORK)/curl && \
	for p in $$(sed 's/#.*//' debian/patches/series); do \
	    case " $(DEPS_CURL_SKIP) " in *" $$p "*) continue ;; esac; \
	    echo "patch $$p"; \
	    patch -p1 -s -N --no-backup-if-mismatch <debian/patches/$$p || exit 1; \
	done
	cd $(DEPS_WORK)/curl && $(DEPS_ENV) ./configure CC=$(MUSL_CC) \
	    CFLAGS="$(DEPS_CFLAGS)" --prefix=$(DEPS_PREFIX) $(DEPS_CURL_CONFIGURE)
	$(DEPS_ENV) $(DEPS_SUBMAKE) -C $(DEPS_WORK)/curl/lib -j$(DEPS_JOBS)
	$(DEPS_ENV) $(DEPS_SUBMAKE) -C $(DEPS_WORK)/curl/lib install
	$(DEPS_ENV) $(DEPS_SUBMAKE) -C $(DEPS_WORK)/curl/include install
	$(DEPS_ENV) $(DEPS_SUBMAKE) -C $(DEPS_WORK)/curl install-pkgconfigDATA
	touch $@

# libcurl4-openssl-dev is only needed here, so the static build never pulls
# it in. Should this install run while another rule's apt does, under make
# -j, ensure-packages waits for apt's lock.
ifneq ($(strip $(ASAN_DEPS_STAMP)),)
$(ASAN_DEPS_STAMP): $(DEPS_WORK)/cjson/.unpacked
	$(DEPS_SCRIPTS)/ensure-packages $(ASAN_CC):gcc \
	    file=/usr/include/$$(gcc -print-multiarch)/curl/curl.h:libcurl4-openssl-dev
	rm -rf $(DEPS_WORK)/cjson-asan
	mkdir -p $(DEPS_WORK)/cjson-asan
	$(ASAN_CC) $(ASAN_DEPS_CFLAGS) -std=c89 -c $(DEPS_WORK)/cjson/cJSON.c \
	    -o $(DEPS_WORK)/cjson-asan/cJSON.o
	ar rcs $(DEPS_WORK)/cjson-asan/libcjson.a $(DEPS_WORK)/cjson-asan/cJSON.o
	install -D -m 644 $(DEPS_WORK)/cjson/cJSON.h \
	    $(ASAN_DEPS_DIR)/include/cjson/cJSON.h
	install -D -m 644 $(DEPS_WORK)/cjson-asan/libcjson.a \
	    $(ASAN_DEPS_DIR)/lib/libcjson.a
	touch $@
endif

# A prefix or asan directory set outside DEPS_DIR may be shared with other
# things (/opt, /usr/local): only our stamps are removed there, which is
# enough to make the next build reinstall.
deps-clean:
	rm -rf $(DEPS_ROOT)
	rm -f $(DEPS_PREFIX)/.cjson $(DEPS_PREFIX)/.openssl $(DEPS_PREFIX)/.curl \
	    $(DEPS_STAMP) $(ASAN_DEPS_STAMP)

.DEFAULT_GOAL := $(DEPS_SAVED_GOAL)
