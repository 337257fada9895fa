/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Test toolkit: a test's parameters, read from files beside its program
 * (fuzz.calls, unload.cycles, stress.seconds...), so that a run can be
 * made longer without rebuilding.
 */
#ifndef TOOLKIT_PARAMS_H
#define TOOLKIT_PARAMS_H

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Open file @name in the directory of this test program (read), or NULL. */
static inline FILE *fopen_beside_self(const char *name)
{
	char exe[PATH_MAX], path[PATH_MAX + 64], *slash;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return NULL;
	*slash = 0;
	snprintf(path, sizeof(path), "%s/%s", exe, name);
	return fopen(path, "r");
}

/* The number file @f (closed here, may be NULL) starts with, or @dflt. */
static inline long number_in(FILE *f, long dflt)
{
	long v = dflt;

	if (f) {
		if (fscanf(f, "%ld", &v) != 1)
			v = dflt;
		fclose(f);
	}
	return v;
}

/* A number from file @name beside this program (a count, a duration). */
static inline long number_beside_self(const char *name, long dflt)
{
	return number_in(fopen_beside_self(name), dflt);
}

#endif /* TOOLKIT_PARAMS_H */
