/* chaos-shim-ctl: global options, help, and dispatch to the subcommands. */
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define PROGRAM "chaos-shim-ctl"

static const struct cs_ctl_command *const commands[] = {
	&cs_cmd_run,   &cs_cmd_load,   &cs_cmd_add,    &cs_cmd_remove,
	&cs_cmd_enable, &cs_cmd_disable,
	&cs_cmd_set,   &cs_cmd_pause,  &cs_cmd_resume, &cs_cmd_status,
	&cs_cmd_stats, &cs_cmd_check,  &cs_cmd_list,   &cs_cmd_destroy,
	&cs_cmd_profiles, &cs_cmd_sweep, &cs_cmd_bisect,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* The program itself, as a command without a name: its help lists the
 * others. */
static const struct cs_ctl_command global = {
	.synopsis = "[-s NAME] [-u USER] COMMAND [ARG...]",
	.help = "Controls chaos-shim, the fault-injection preload library, through a\n"
		"named control segment.\n"
		"\n"
		"options:\n"
		"  -s, --segment NAME  the segment (default: $CHAOS_SHIM_SEGMENT)\n"
		"  -u, --user USER     the segments of USER, a name or a uid (root may\n"
		"                      name any user; default: the caller)\n"
		"  -h, --help          this help; COMMAND --help tells about COMMAND\n"
		"  -V, --version       the version\n"
		"\n"
		"exit status: 0 success, 1 failed operation, 2 bad usage; `run` exits\n"
		"with the status of its command.\n",
};

static void vreport(const char *fmt, va_list ap)
{
	fputs(PROGRAM ": ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void cs_ctl_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(fmt, ap);
	va_end(ap);
}

int cs_ctl_usage_error(const struct cs_ctl_command *cmd, const char *fmt, ...)
{
	char problem[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	cs_ctl_error("%s (see '" PROGRAM "%s%s --help')", problem,
		     cmd->name ? " " : "", cmd->name ? cmd->name : "");
	return CS_EXIT_USAGE;
}

static void print_synopsis(const struct cs_ctl_command *cmd, FILE *out,
			   const char *lead)
{
	/* Each line of a synopsis is one way to call the command. */
	for (const char *line = cmd->synopsis; *line;) {
		size_t len = strcspn(line, "\n");
		fprintf(out, "%s" PROGRAM " %.*s\n", lead, (int)len, line);
		line += len + (line[len] == '\n');
	}
}

void cs_ctl_print_help(const struct cs_ctl_command *cmd, FILE *out)
{
	print_synopsis(cmd, out, "usage: ");
	fprintf(out, "\n%s", cmd->help);
	if (cmd->name)
		return;
	fputs("\ncommands:\n", out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		print_synopsis(commands[i], out, "  ");
}

#define MAX_OPTS 8

static const struct cs_ctl_opt *opt_by_letter(const struct cs_ctl_opt *opts,
					      int letter)
{
	for (const struct cs_ctl_opt *o = opts; o && o->name; o++)
		if (o->letter == letter)
			return o;
	return NULL;
}

int cs_ctl_parse(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		 int argc, char **argv, const struct cs_ctl_opt *opts,
		 bool stop_at_operand, int *first)
{
	struct cs_ctl_opt all[MAX_OPTS + 1];
	struct option longopts[MAX_OPTS + 2];
	char shortopts[3 * MAX_OPTS + 8];
	size_t n = 0, nshort = 0;
	int c;

	for (; opts && opts[n].name; n++)
		all[n] = opts[n];
	/* `status -s NAME` works as well as `-s NAME status`. */
	if (cmd->needs_segment)
		all[n++] = (struct cs_ctl_opt){"segment", 's', NULL, &ctl->segment};
	all[n] = (struct cs_ctl_opt){0};

	if (stop_at_operand)
		shortopts[nshort++] = '+';
	shortopts[nshort++] = ':'; /* tell a missing value from a bad option */
	shortopts[nshort++] = 'h';
	for (size_t i = 0; i < n; i++) {
		longopts[i] = (struct option){
			all[i].name,
			all[i].value ? required_argument : no_argument, NULL,
			256 + (int)i};
		if (all[i].letter) {
			shortopts[nshort++] = all[i].letter;
			if (all[i].value)
				shortopts[nshort++] = ':';
		}
	}
	longopts[n] = (struct option){"help", no_argument, NULL, 'h'};
	longopts[n + 1] = (struct option){0};
	shortopts[nshort] = '\0';

	optind = 0; /* a fresh scan for every call, as glibc documents */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		const struct cs_ctl_opt *o;
		if (c == 'h') {
			cs_ctl_print_help(cmd, stdout);
			return CS_EXIT_OK;
		}
		if (c == ':')
			return cs_ctl_usage_error(cmd, "option '%s' needs a value",
						  argv[optind - 1]);
		if (c == '?') {
			if (optopt && optopt < 256)
				return cs_ctl_usage_error(cmd, "unknown option '-%c'",
							  optopt);
			return cs_ctl_usage_error(cmd, "unknown option '%s'",
						  argv[optind - 1]);
		}
		o = c >= 256 ? &all[c - 256] : opt_by_letter(all, c);
		if (o->value)
			*o->value = optarg;
		else
			*o->flag = true;
	}
	if (cmd->needs_segment &&
	    cs_ctl_check_segment(cmd, ctl->segment) != CS_CTL_CONTINUE)
		return CS_EXIT_USAGE;
	*first = optind;
	return CS_CTL_CONTINUE;
}

int cs_ctl_check_segment(const struct cs_ctl_command *cmd,
			 const char *segment)
{
	char err[256];

	if (!segment || !segment[0])
		return cs_ctl_usage_error(
			cmd, "no segment named: give -s NAME or set CHAOS_SHIM_SEGMENT");
	if (cs_segment_name_check(segment, err, sizeof(err)) < 0)
		return cs_ctl_usage_error(cmd, "%s", err);
	return CS_CTL_CONTINUE;
}

int cs_ctl_parse_options(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
			 int argc, char **argv, const struct cs_ctl_opt *opts)
{
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, opts, false, &first);

	if (rc == CS_CTL_CONTINUE && first != argc)
		return cs_ctl_usage_error(cmd, "unexpected argument '%s'",
					  argv[first]);
	return rc;
}

/* -u USER, else (uid_t)-1: the caller's own segments. */
static uid_t chosen_owner = (uid_t)-1;

void cs_ctl_set_owner(uid_t owner)
{
	chosen_owner = owner;
}

uid_t cs_ctl_owner(void)
{
	return chosen_owner == (uid_t)-1 ? getuid() : chosen_owner;
}

struct chaos_shim_segment cs_ctl_named(const char *name)
{
	struct chaos_shim_segment seg = {.owner = cs_ctl_owner()};

	snprintf(seg.name, sizeof(seg.name), "%s", name);
	return seg;
}

int cs_ctl_report(int rc, const struct chaos_shim_error *err)
{
	if (rc == 0)
		return CS_EXIT_OK;
	cs_ctl_error("%s", err->message);
	return CS_EXIT_FAILED;
}

/* A user name or a uid; -1 when there is no such user. */
static int parse_user(const char *text, uid_t *uid)
{
	struct passwd *pw = getpwnam(text);
	char *end;
	unsigned long value;

	if (pw) {
		*uid = pw->pw_uid;
		return 0;
	}
	if (!(*text >= '0' && *text <= '9'))
		return -1;
	errno = 0;
	value = strtoul(text, &end, 10);
	if (errno || *end || value >= (uid_t)-1)
		return -1;
	*uid = (uid_t)value;
	return 0;
}

static const struct cs_ctl_command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *segment = NULL, *user = NULL;
	bool version = false;
	const struct cs_ctl_opt opts[] = {
		{"segment", 's', NULL, &segment},
		{"user", 'u', NULL, &user},
		{"version", 'V', &version, NULL},
		{0},
	};
	const struct cs_ctl_command *cmd;
	struct cs_ctl ctl = {0};
	int first, rc;

	rc = cs_ctl_parse(&global, &ctl, argc, argv, opts, true, &first);
	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (version) {
		puts(PROGRAM " " CS_VERSION);
		return CS_EXIT_OK;
	}
	if (first >= argc)
		return cs_ctl_usage_error(&global, "no command given");
	cmd = find_command(argv[first]);
	if (!cmd)
		return cs_ctl_usage_error(&global, "unknown command '%s'",
					  argv[first]);

	if (user) {
		uid_t owner;
		if (parse_user(user, &owner) < 0)
			return cs_ctl_usage_error(&global, "no such user '%s'", user);
		cs_ctl_set_owner(owner);
		ctl.user_given = true;
	}
	ctl.segment_given = segment != NULL;
	ctl.segment = segment ? segment : getenv("CHAOS_SHIM_SEGMENT");
	rc = cmd->run(cmd, &ctl, argc - first, argv + first);
	if ((fflush(stdout) != 0 || ferror(stdout)) && rc == CS_EXIT_OK) {
		cs_ctl_error("cannot write the output");
		rc = CS_EXIT_FAILED;
	}
	return rc;
}
