/* main.c - the table of subcommands; dispatch only. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "imscan/cmd.h"

struct cmd_struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct cmd_struct commands[] = {
	{ "rules", cmd_rules, "list, show, lint and recommend rules" },
	{ "baseline", cmd_baseline, "write a baseline of what the rules select" },
	{ "check", cmd_check, "compare the current state with the baseline" },
	{ "show", cmd_show, "print a baseline file as JSON lines" },
	{ "watch", cmd_watch, "report changes as they happen, and who made them" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The command called name; NULL after saying which one was probably meant. */
static const struct cmd_struct *find(const char *name, const char *what)
{
	const char *hint;
	long i = cmd_find_name(commands, NCOMMANDS, sizeof(commands[0]), name, &hint);

	if (i >= 0)
		return &commands[i];
	if (hint)
		cmd_error("%sunknown command '%s': did you mean '%s'?", what, name, hint);
	else
		cmd_error("%sunknown command '%s'", what, name);
	return NULL;
}

/*
 * A descriptor 0-2 that is closed would be taken by the next open(): the
 * lock file on 1, the temporary baseline on 2, and a warning would be
 * written into the baseline. Fill the gaps with /dev/null first.
 */
static int open_std_fds(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		if (open("/dev/null", fd ? O_WRONLY : O_RDONLY) != fd)
			return -1;
	}
	return 0;
}

static int usage(FILE *f)
{
	fputs("usage: imscan COMMAND [OPTIONS]\n\ncommands:\n", f);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].help);
	fputs("\n'imscan help COMMAND' or 'imscan COMMAND --help' for its options;\n"
	      "man imscan for the whole story. Exit status: 0 no differences,\n"
	      "1 differences reported, 2 trouble.\n", f);
	return f == stdout ? EXIT_SAME : EXIT_TROUBLE;
}

/*
 * A full disk or closed pipe must not look like success. A command that
 * already failed has said why; only a failure it did not see is reported.
 */
static int finish_stdout(int status)
{
	int flushed = fflush(stdout);

	if (flushed == 0 && !ferror(stdout))
		return status;
	if (status != EXIT_TROUBLE && (flushed != 0 ? errno != EPIPE : 1))
		cmd_error("cannot write to standard output%s%s", flushed ? ": " : "",
			  flushed ? strerror(errno) : "");
	return EXIT_TROUBLE;
}

int main(int argc, char **argv)
{
	const struct cmd_struct *c;
	char *help_argv[3];

	if (open_std_fds() < 0)
		return EXIT_TROUBLE;	/* nowhere to say it */
	/* A reader that went away is EPIPE, handled as trouble without a
	 * word (finish_stdout, cmd_fail), not a death by signal. */
	signal(SIGPIPE, SIG_IGN);
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("imscan %s\n", IMSCAN_VERSION);
		return finish_stdout(EXIT_SAME);
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return finish_stdout(usage(stdout));
	if (!strcmp(argv[1], "help")) {
		if (argc < 3)
			return finish_stdout(usage(stdout));
		if (!(c = find(argv[2], "help: ")))
			return EXIT_TROUBLE;
		help_argv[0] = argv[2];
		help_argv[1] = (char *)"--help";
		help_argv[2] = NULL;
		return finish_stdout(c->fn(2, help_argv));
	}
	if (!(c = find(argv[1], "")))
		return usage(stderr);
	return finish_stdout(c->fn(argc - 1, argv + 1));
}
