/*
 * sink.h - where events go: one interface, a table of sink types, and the
 * list of sinks a run writes to.
 *
 * A sink type is a struct sink_ops: open makes the sink's private state,
 * emit writes one event, close flushes and frees it. The types, and the
 * names --format accepts, are the rows of sink_types[] in src/sink/sink.c:
 *   json   src/sink/json.c   one JSON object per line (event.h)
 *   text   src/sink/text.c   one readable line per event (event.h)
 * Both are stream sinks: the shared sink_stream_* functions below write
 * what their `line` formatter makes to conf->out, one fwrite and one flush
 * per event, so a reader of a pipe never sees half an event and a full
 * disk is an error at that event. Another line format is a new file with
 * its ops and one row in sink_types[]; a sink with other needs (its own
 * connection, say) brings its own open/emit/close.
 *
 * A run holds a sink_list and emits each event once to the list, which
 * hands it to every sink in the order they were added.
 */
#ifndef IMSCAN_SINK_H
#define IMSCAN_SINK_H

#include <stdio.h>

#include "imscan/event.h"
#include "imscan/strbuf.h"

/* What a sink is opened on. */
struct sink_conf {
	FILE *out;	/* stream sinks write here (borrowed, never closed) */
};

struct sink_ops {
	const char *name;	/* "json": what --format takes */
	/*
	 * Makes the private state in *state; 0, or -1 with a message. ops is
	 * this table, so that shared code can reach `line`.
	 */
	int (*open)(const struct sink_ops *ops, const struct sink_conf *conf, void **state);
	/* Writes one event; 0, or -1 with a message (the state stays usable for close). */
	int (*emit)(void *state, const struct event *ev);
	/* Flushes and frees the state, whatever happens; 0, or -1 with a message. */
	int (*close)(void *state);
	/* Stream sinks: appends one event, without the newline. NULL otherwise. */
	void (*line)(struct strbuf *out, const struct event *ev);
};

extern const struct sink_ops sink_json_ops;	/* src/sink/json.c */
extern const struct sink_ops sink_text_ops;	/* src/sink/text.c */

/* The row of sink_types[] called name, or NULL. */
const struct sink_ops *sink_type_find(const char *name);
/* Appends the names of sink_types[] as "json or text" (for messages). */
void sink_type_names(struct strbuf *out);
/*
 * sink_type_find, or -1 with "<what> '<name>': expected json or text"
 * (what says where the name came from: "--format").
 */
int sink_type_parse(const char *what, const char *name, const struct sink_ops **out);

/*
 * The stream sink: open needs conf->out and ops->line; emit errors are
 * "cannot write events: <reason>"; close flushes conf->out and does not
 * close it.
 */
int sink_stream_open(const struct sink_ops *ops, const struct sink_conf *conf, void **state);
int sink_stream_emit(void *state, const struct event *ev);
int sink_stream_close(void *state);

struct sink_list;

/* An empty list. NULL with a message if memory is short. */
struct sink_list *sink_list_new(void);

/*
 * Opens a sink of type ops on conf and appends it. name says where it
 * writes ("stdout") and prefixes its messages: "sink 'stdout': <message>".
 * 0, or -1 with that message (the list is unchanged).
 */
int sink_list_add(struct sink_list *l, const struct sink_ops *ops, const struct sink_conf *conf,
		  const char *name);

/*
 * Gives the event to every sink, in the order added. A sink whose emit
 * fails is reported once: this call returns -1 with its message (the last
 * one, if several failed on this event), and it gets no further events.
 * The other sinks still get this event and the next ones. 0 if every sink
 * that was still writing wrote it (and if the list is empty).
 */
int sink_list_emit(struct sink_list *l, const struct event *ev);

/*
 * Closes every sink in the order added, then frees the list (NULL is
 * fine). Returns -1 with the message of the last close that failed, for a
 * sink whose emits had not failed (a failure is reported once); else 0.
 */
int sink_list_close(struct sink_list *l);

#endif
