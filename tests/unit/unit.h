/* unit.h - shared helpers for the Check suites. */
#ifndef IMSCAN_UNIT_H
#define IMSCAN_UNIT_H

#include <check.h>

#include "imscan/attr.h"

/* A fresh scratch directory under $TMPDIR (caller frees the string). */
char *unit_tmpdir(void);
/* rm -rf of a scratch directory made by unit_tmpdir(). */
void unit_rmtree(const char *dir);
/* Writes a file, creating it with mode 0644. */
void unit_write(const char *dir, const char *rel, const char *content);

/* The set of the n attributes ids[]; UNIT_ATTRS(ATTR_TYPE, ATTR_MODE) is
 * the set of those listed. */
struct attrset unit_attrs(const enum attr_id *ids, size_t n);
#define UNIT_ATTRS(...) unit_attrs((const enum attr_id[]){ __VA_ARGS__ }, \
	sizeof((const enum attr_id[]){ __VA_ARGS__ }) / sizeof(enum attr_id))

/*
 * UNIT_SKIP("needs root") says that the running test could not check what
 * it means to here (no root, a missing tool, a kernel or file system
 * without the feature); the caller then returns or jumps past that part.
 * The runner prints "skip SUITE/TEST: REASON" and counts the test as
 * skipped, not passed: an environment skip is no pass. SUITE comes from
 * the file name (check_SUITE.c), TEST from the function that skips, so a
 * helper that skips for its caller names itself; put the test in REASON.
 */
#define UNIT_SKIP(...) unit_skip(__FILE__, __func__, __VA_ARGS__)
void unit_skip(const char *file, const char *func, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
