/*
 * sink.c - the table of sink types, the stream sink they share, and the
 * list of sinks of one run (contract in sink.h).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "imscan/error.h"
#include "imscan/sink.h"

/* Every sink type; --format takes their names, in this order in messages. */
static const struct sink_ops *const sink_types[] = {
	&sink_json_ops,
	&sink_text_ops,
};

#define NTYPES (sizeof(sink_types) / sizeof(sink_types[0]))

const struct sink_ops *sink_type_find(const char *name)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (!strcasecmp(name, sink_types[i]->name))
			return sink_types[i];
	return NULL;
}

void sink_type_names(struct strbuf *out)
{
	for (size_t i = 0; i < NTYPES; i++) {
		if (i)
			strbuf_adds(out, i + 1 == NTYPES ? " or " : ", ");
		strbuf_adds(out, sink_types[i]->name);
	}
}

int sink_type_parse(const char *what, const char *name, const struct sink_ops **out)
{
	struct strbuf names;

	*out = sink_type_find(name);
	if (*out)
		return 0;
	strbuf_init(&names);
	sink_type_names(&names);
	error("%s '%s': expected %s", what, name, names.buf);
	strbuf_release(&names);
	return -1;
}

/* ---- the stream sink -------------------------------------------------- */

struct stream {
	const struct sink_ops *ops;
	FILE *out;
	struct strbuf line;	/* reused for every event */
};

int sink_stream_open(const struct sink_ops *ops, const struct sink_conf *conf, void **state)
{
	struct stream *s;

	if (!conf->out || !ops->line)
		return error("a %s sink needs an output stream", ops->name);
	s = calloc(1, sizeof(*s));
	if (!s)
		return error("%s", strerror(ENOMEM));
	s->ops = ops;
	s->out = conf->out;
	strbuf_init(&s->line);
	*state = s;
	return 0;
}

static int stream_error(void)
{
	return error("cannot write events: %s", strerror(errno ? errno : EIO));
}

/*
 * One fwrite per line, then a flush: a reader of a pipe or a file being
 * tailed sees whole events only, and a full disk is an error now, not at
 * exit.
 */
int sink_stream_emit(void *state, const struct event *ev)
{
	struct stream *s = state;

	strbuf_reset(&s->line);
	s->ops->line(&s->line, ev);
	strbuf_addc(&s->line, '\n');
	errno = 0;
	if (fwrite(s->line.buf, 1, s->line.len, s->out) != s->line.len ||
	    fflush(s->out) == EOF || ferror(s->out))
		return stream_error();
	return 0;
}

int sink_stream_close(void *state)
{
	struct stream *s = state;
	int ret = 0;

	errno = 0;
	if (fflush(s->out) == EOF || ferror(s->out))
		ret = stream_error();
	strbuf_release(&s->line);
	free(s);
	return ret;
}

/* ---- the list --------------------------------------------------------- */

struct sink {
	const struct sink_ops *ops;
	void *state;
	char *name;
	bool failed;		/* reported; gets no more events */
};

struct sink_list {
	struct sink *v;
	size_t n;
};

struct sink_list *sink_list_new(void)
{
	struct sink_list *l = calloc(1, sizeof(*l));

	if (!l)
		error("cannot make a list of sinks: %s", strerror(ENOMEM));
	return l;
}

int sink_list_add(struct sink_list *l, const struct sink_ops *ops, const struct sink_conf *conf,
		  const char *name)
{
	struct sink *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	struct sink *s;

	if (!v)
		return error("sink '%s': %s", name, strerror(ENOMEM));
	l->v = v;
	s = &v[l->n];
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->name = strdup(name);
	if (!s->name)
		return error("sink '%s': %s", name, strerror(ENOMEM));
	if (ops->open(ops, conf, &s->state) < 0) {
		free(s->name);
		return error_prefix("sink '%s'", name);
	}
	l->n++;
	return 0;
}

int sink_list_emit(struct sink_list *l, const struct event *ev)
{
	int ret = 0;

	for (size_t i = 0; i < l->n; i++) {
		struct sink *s = &l->v[i];

		if (s->failed || s->ops->emit(s->state, ev) == 0)
			continue;
		s->failed = true;
		ret = error_prefix("sink '%s'", s->name);
	}
	return ret;
}

int sink_list_close(struct sink_list *l)
{
	struct strbuf msg;	/* a later, unreported failure must not replace it */
	int ret = 0;

	if (!l)
		return 0;
	strbuf_init(&msg);
	for (size_t i = 0; i < l->n; i++) {
		struct sink *s = &l->v[i];

		if (s->ops->close(s->state) < 0 && !s->failed) {
			error_prefix("sink '%s'", s->name);
			strbuf_reset(&msg);
			strbuf_adds(&msg, error_last());
			ret = -1;
		}
		free(s->name);
	}
	if (ret < 0)
		error("%s", msg.buf);
	strbuf_release(&msg);
	free(l->v);
	free(l);
	return ret;
}
