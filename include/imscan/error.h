/*
 * error.h - how library code reports trouble.
 *
 * A function that fails records one message and returns -1 (or NULL); the
 * command layer prints it with error_last() and picks the exit status.
 * Messages follow STYLE.md: lower-case first word, no full stop, the subject
 * quoted, the reason last. Context is added on the way up with
 * error_prefix(): "rules/x.json: " + "rule 7: field \"x\": unknown field".
 * The message is per thread, so hashing workers may fail independently.
 */
#ifndef IMSCAN_ERROR_H
#define IMSCAN_ERROR_H

#define IMSCAN_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Records the message (replacing any earlier one) and returns -1. */
int error(const char *fmt, ...) IMSCAN_PRINTF(1, 2);

/* Puts "<formatted>: " in front of the current message; returns -1. */
int error_prefix(const char *fmt, ...) IMSCAN_PRINTF(1, 2);

/* The current thread's last message, "" if none. Borrowed. */
const char *error_last(void);

void error_clear(void);

/* Frees this thread's message buffer; worker threads call it on exit. */
void error_thread_release(void);

/*
 * Non-fatal trouble (a rule skipped, an entry that vanished) goes through
 * one hook that the command layer owns. The default prints
 * "imscan: warning: <msg>" to stderr.
 */
typedef void (*warning_fn)(void *ctx, const char *msg);
void warning(const char *fmt, ...) IMSCAN_PRINTF(1, 2);
void warning_set_handler(warning_fn fn, void *ctx);

#endif
