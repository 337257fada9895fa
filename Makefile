# SPDX-License-Identifier: GPL-2.0
#
# make            build the module (for the VM's Debian 6.1 kernel; KDIR= or
#                 KVER= to build for another) and the selftests
# make check      the test command: install deps, build, boot a VM, run the
#                 selftests against the module (scripts/check)
# make lint       checkpatch --strict, sparse and a W=1 -Werror build
# make clean

KVER ?= $(shell scripts/kver 2>/dev/null)
KDIR ?= /lib/modules/$(KVER)/build
KSFT_DIR = $(shell scripts/ksrc)/tools/testing/selftests

all: module selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

selftests:
	mkdir -p build/selftests
	$(MAKE) -C selftests KSFT_DIR=$(KSFT_DIR) OUTPUT=$(CURDIR)/build/selftests

check:
	scripts/check

lint:
	scripts/lint $(KDIR)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	rm -rf build

.PHONY: all module selftests check lint clean
