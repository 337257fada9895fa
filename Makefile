# SPDX-License-Identifier: GPL-2.0
#
# make deps       on a new machine first: what building needs (Debian packages)
# make            the module (for the VM's Debian 6.1 kernel; KDIR= or KVER=
#                 for another), libsockcancel, the sockcancel command and
#                 every test program
# make check      the test command: install deps, build, boot VMs, run all
#                 tests against the module on every kernel of
#                 scripts/kernels.list (KERNEL=6.1 for one; scripts/check.sh)
# make lint       checkpatch --strict, sparse and a W=1 -Werror build
# make abi-check  libsockcancel.so.0 against the ABI of the last release
#                 (lib/abi, abidiff); make abi-update records it anew
# make check-upstream
#                 the in-kernel patch series (upstream/) on Debian's 7.3
#                 source: built, booted, its kselftests run (not in make check;
#                 scripts/check-upstream.sh)
# make check-debug
#                 the suite with long counts on the KASAN and KCSAN debug
#                 kernels (VARIANT=kasan|kcsan for one; scripts/check-debug.sh)
# make soak       the stress test for SOAK_MINUTES (120) on the KASAN debug
#                 kernel, a line per SOAK_EVERY (10) minutes (scripts/soak.sh)
# make install    DESTDIR/PREFIX aware; make uninstall removes it again
# make clean

KVER ?= $(shell scripts/kver.sh 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
KSRC = $(shell scripts/ksrc.sh 2>/dev/null)
KSFT_DIR = $(KSRC)/tools/testing/selftests
TESTS = $(CURDIR)/build/tests

PREFIX ?= /usr/local
MANDIR ?= $(PREFIX)/share/man
INCLUDEDIR ?= $(PREFIX)/include
LIBDIR ?= $(PREFIX)/lib
BINDIR ?= $(PREFIX)/bin
MODDIR ?= /lib/modules/$(KVER)/updates
UDEVDIR ?= /lib/udev/rules.d
MODLOADDIR ?= /usr/lib/modules-load.d
INSTALL ?= install

all: module lib cli tests examples

# On a new machine: the headers, the compilers and the kselftest harness.
deps:
	scripts/deps.sh

prepared:
	@test -d $(KDIR) || { echo "make: no kernel headers at $(KDIR): run 'make deps' first (or give KDIR=)" >&2; exit 1; }
	@test -n "$(KSRC)" || { echo "make: the kselftest harness comes from Debian's linux-source-6.1: run 'make deps' first" >&2; exit 1; }

module:
	@test -d $(KDIR) || { echo "make: no kernel headers at $(KDIR): run 'make deps' first (or give KDIR=)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

lib:
	$(MAKE) -C lib

cli: lib
	$(MAKE) -C cli

examples: lib
	$(MAKE) -C examples

# Every program the VM runs, in build/tests: the kselftests, the library
# and command tests, a static sockcancel for cli_test, what
# preload_close_test runs dynamically linked (libsockcancel-close.so under
# python3.11 and preload_check) and what python_sockcancel_test runs (the
# Python module over libsockcancel.so.0 under the same python3.11); and
# the benchmark (bench/sockbench), which uses the same test toolkit.
tests: prepared lib cli
	mkdir -p $(TESTS)
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR) OUTPUT=$(TESTS)
	$(MAKE) -C lib/tests KSFT_DIR=$(KSFT_DIR) OUTPUT=$(TESTS)
	KSFT_DIR=$(KSFT_DIR) lib/tests/preload-payload $(TESTS)
	$(MAKE) -C cli sockcancel-static
	$(MAKE) -C cli/tests KSFT_DIR=$(KSFT_DIR) OUTPUT=$(TESTS)
	cp cli/sockcancel-static $(TESTS)/sockcancel
	$(MAKE) -C bench

check:
	scripts/check.sh

# libsockcancel's ABI against lib/abi/libsockcancel.so.0.abi (abidiff);
# abi-update rewrites that record, deliberately, at a release
abi-check: lib
	$(MAKE) -C lib abi-check

abi-update: lib
	$(MAKE) -C lib abi-update

check-upstream:
	scripts/check-upstream.sh

dkms-test:
	scripts/dkms-test.sh

# the Debian packages, built in a clean copy of the tree (build/deb)
deb:
	scripts/deb-build.sh

# install the packages into a debootstrap root, boot the DKMS-built module
deb-test:
	scripts/deb-test.sh

.PHONY: deb deb-test

demo:
	scripts/demo.sh

# make bench ARCH=arm64: the latency table on Debian's arm64 6.1 kernel;
# make bench KERNEL=upstream: the in-kernel series' kernel against the same
# 7.3 tree without it (scripts/check-upstream.sh -b, bench/results/upstream)
bench:
ifeq ($(KERNEL)$(ARCH),upstream)
	scripts/check-upstream.sh -b
else
	BENCH_ARCH=$(if $(filter arm64,$(ARCH)),arm64,x86_64) scripts/bench-vm.sh
endif

# 1,000,000 random ioctls in one VM (make check runs 100,000)
fuzz: module tests
	rm -rf build/fuzz && mkdir -p build/fuzz/tests
	cp build/tests/fuzz_test build/fuzz/tests/
	echo 1000000 > build/fuzz/tests/fuzz.calls
	scripts/vm.sh -k /boot/vmlinuz-$(KVER) -m sockcancel.ko -t build/fuzz/tests \
		-T 3600 build/fuzz

# the whole suite with long counts on the debug kernels, KASAN (lockdep,
# kmemleak) and KCSAN; VARIANT=kasan or VARIANT=kcsan runs one
check-debug:
	scripts/check-debug.sh $(VARIANT)

# the stress test for SOAK_MINUTES (default 120) on the KASAN debug kernel,
# the module's memory sampled every SOAK_EVERY (10) minutes
soak:
	scripts/soak.sh

lint:
	scripts/lint.sh $(KDIR)

man-check:
	$(MAKE) -C Documentation/man check

install: module lib cli
	$(INSTALL) -d $(DESTDIR)$(MODDIR)
	$(INSTALL) -m 0644 sockcancel.ko $(DESTDIR)$(MODDIR)/sockcancel.ko
	$(INSTALL) -D -m 0644 uapi/linux/sockcancel.h \
		$(DESTDIR)$(INCLUDEDIR)/linux/sockcancel.h
	$(INSTALL) -D -m 0644 install/udev/60-sockcancel.rules \
		$(DESTDIR)$(UDEVDIR)/60-sockcancel.rules
	$(INSTALL) -D -m 0644 install/modules-load.d/sockcancel.conf \
		$(DESTDIR)$(MODLOADDIR)/sockcancel.conf
	$(MAKE) -C lib install PREFIX=$(PREFIX) LIBDIR=$(LIBDIR) \
		INCLUDEDIR=$(INCLUDEDIR)
	$(MAKE) -C cli install PREFIX=$(PREFIX) BINDIR=$(BINDIR)
	$(MAKE) -C Documentation/man install PREFIX=$(PREFIX) MANDIR=$(MANDIR)
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/sockcancel.ko \
		$(DESTDIR)$(INCLUDEDIR)/linux/sockcancel.h \
		$(DESTDIR)$(UDEVDIR)/60-sockcancel.rules \
		$(DESTDIR)$(MODLOADDIR)/sockcancel.conf \
		$(DESTDIR)$(INCLUDEDIR)/libsockcancel.h \
		$(DESTDIR)$(LIBDIR)/libsockcancel.a \
		$(DESTDIR)$(LIBDIR)/libsockcancel.so \
		$(DESTDIR)$(LIBDIR)/libsockcancel.so.0 \
		$(DESTDIR)$(LIBDIR)/libsockcancel-close.so \
		$(DESTDIR)$(LIBDIR)/pkgconfig/sockcancel.pc \
		$(DESTDIR)$(BINDIR)/sockcancel \
		$(DESTDIR)$(MANDIR)/man1/sockcancel.1 \
		$(DESTDIR)$(MANDIR)/man3/libsockcancel.3 \
		$(DESTDIR)$(MANDIR)/man4/sockcancel.4
	if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C lib clean
	$(MAKE) -C cli clean
	$(MAKE) -C examples clean
	$(MAKE) -C bench clean
	rm -rf build

.PHONY: all deps prepared module lib cli examples tests check check-upstream abi-check abi-update dkms-test demo bench fuzz check-debug soak lint man-check install uninstall clean
