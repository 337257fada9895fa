# SPDX-License-Identifier: GPL-2.0
# The one warning set of every C program of this project built outside the
# kernel's build system: libsockcancel, the command, the example, the
# selftests, the library and command tests and the benchmark. Their
# Makefiles include this file. The kselftest harness is the kernel's, not
# ours: the test Makefiles take it with -isystem, so that only our code is
# held to these warnings. The module follows the kernel's build (make lint
# adds W=1 -Werror).
WARNINGS = -Wall -Wextra -Werror
