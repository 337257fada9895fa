# SPDX-License-Identifier: GPL-2.0
# How every test program that uses the toolkit is built (selftests/,
# lib/tests, cli/tests): static (the VM has no shared C library), with
# threads, with the one warning set of warnings.mk, the toolkit and the
# uapi header on the include path. The kselftest harness is the kernel's
# code (KSFT_DIR, from Debian's linux-source-6.1 by scripts/ksrc.sh): it is a
# system header here, so that only our code is held to the warnings.
# Include this before the kernel's lib.mk.
TOP_DIR := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
include $(TOP_DIR)/warnings.mk

KSFT_DIR ?= $(shell $(TOP_DIR)/scripts/ksrc.sh)/tools/testing/selftests
TOOLKIT_HDRS := $(wildcard $(TOP_DIR)/selftests/toolkit/*.h)

CFLAGS += -O2 -g $(WARNINGS) -static -pthread -isystem $(KSFT_DIR) \
	  -I$(TOP_DIR)/selftests -I$(TOP_DIR)/uapi
LDLIBS += -pthread
LOCAL_HDRS += $(TOOLKIT_HDRS)
