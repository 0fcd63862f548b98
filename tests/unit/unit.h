/* unit.h - shared helpers for the Check suites. */
#ifndef IMSCAN_UNIT_H
#define IMSCAN_UNIT_H

#include <check.h>

/* A fresh scratch directory under $TMPDIR (caller frees the string). */
char *unit_tmpdir(void);
/* rm -rf of a scratch directory made by unit_tmpdir(). */
void unit_rmtree(const char *dir);
/* Writes a file, creating it with mode 0644. */
void unit_write(const char *dir, const char *rel, const char *content);

#endif
