/* chaos-shim-ctl internals: the subcommand table, option parsing, segment
 * access shared by the subcommands, reports and the JSON writer. */
#ifndef CS_CTL_H
#define CS_CTL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "cs_segment.h"
#include "cs_table.h"
#include "ctllib/ctllib.h"

/* Exit statuses. */
#define CS_EXIT_OK 0
#define CS_EXIT_FAILED 1
#define CS_EXIT_USAGE 2

/* What the global options decided. */
struct cs_ctl {
	const char *segment; /* -s NAME, else $CHAOS_SHIM_SEGMENT, else NULL */
	bool segment_given;  /* -s was on the command line */
	bool user_given;     /* -u was on the command line */
};

struct cs_ctl_command {
	const char *name;
	const char *synopsis; /* usage line(s), without the program name */
	const char *help;     /* what it does, and its options */
	bool needs_segment;   /* fails with a usage error without a name */
	int (*run)(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		   int argc, char **argv);
};

extern const struct cs_ctl_command cs_cmd_run, cs_cmd_load, cs_cmd_enable,
	cs_cmd_disable, cs_cmd_set, cs_cmd_pause, cs_cmd_resume, cs_cmd_status,
	cs_cmd_stats, cs_cmd_check, cs_cmd_list, cs_cmd_destroy, cs_cmd_profiles,
	cs_cmd_add, cs_cmd_remove;

/* installed.c: the program's companions, found from its own path. */
/* The directory of the running program. Returns 0, or -1 with errno. */
int cs_ctl_program_dir(char *out, size_t len);
/* The directory of the installed profiles (or the source tree's). */
int cs_ctl_profile_dir(char *out, size_t len);
/* arg itself when it is a path or an existing file; else the installed
 * profile NAME or NAME.cfg in buf when there is one; else arg. */
const char *cs_ctl_profile_path(const char *arg, char *buf, size_t len);

/* main.c: messages and options. */
void cs_ctl_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints the problem with a pointer to --help; returns CS_EXIT_USAGE. */
int cs_ctl_usage_error(const struct cs_ctl_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void cs_ctl_print_help(const struct cs_ctl_command *cmd, FILE *out);

/* One option of a subcommand: a flag sets *flag, a valued one *value. */
struct cs_ctl_opt {
	const char *name; /* long name, without "--" */
	char letter;      /* short name, or 0 */
	bool *flag;
	const char **value;
};

#define CS_CTL_CONTINUE (-1)
/* Parses the options of argv (argv[0] is the subcommand), --help and,
 * when cmd needs a segment, -s NAME into ctl; then checks that name. With stop_at_operand, the
 * first operand ends the options (for `run`). Returns CS_CTL_CONTINUE with
 * *first at the first operand, or an exit status (0 after --help, 2 after
 * bad usage). */
int cs_ctl_parse(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		 int argc, char **argv, const struct cs_ctl_opt *opts,
		 bool stop_at_operand, int *first);

/* Checks that a segment is named, and how: returns CS_CTL_CONTINUE or
 * CS_EXIT_USAGE after saying what is wrong. */
int cs_ctl_check_segment(const struct cs_ctl_command *cmd,
			 const char *segment);

/* The same for a subcommand that takes options only: an operand is a
 * usage error. */
int cs_ctl_parse_options(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
			 int argc, char **argv, const struct cs_ctl_opt *opts);

/* main.c: whose segments names designate: -u USER sets it (root may
 * name another user); the caller's own by default. */
void cs_ctl_set_owner(uid_t owner);
uid_t cs_ctl_owner(void);

/* The segment NAME (checked already) of that owner, for the library. */
struct chaos_shim_segment cs_ctl_named(const char *name);

/* Prints err's message when rc is -1; returns the exit status for rc. */
int cs_ctl_report(int rc, const struct chaos_shim_error *err);

/* cmd_status.c: the per-rule summary of `stats` and `run --stats`. */
void cs_ctl_print_stats(FILE *out, const struct cs_ctl_view *view);

/* elf.c: what a program is made of, for the warnings of `run`. */
enum cs_ctl_binary {
	CS_BINARY_DYNAMIC, /* or not ELF at all (a script) */
	CS_BINARY_STATIC,
	CS_BINARY_GO
};
enum cs_ctl_binary cs_ctl_inspect_binary(const char *path);

/* TLS stacks a dynamic program uses that the shim's TLS rules (ssl_*
 * calls, a tls-scoped clock_skew) do not reach: libraries it needs
 * directly, or OpenSSL linked into the program itself. */
#define CS_TLS_GNUTLS 1u
#define CS_TLS_NSS 2u
#define CS_TLS_OPENSSL_INSIDE 4u
unsigned cs_ctl_unseen_tls(const char *path);

/* json.c: a streaming writer for one compact JSON document. Keys are
 * NULL inside arrays. */
#define CS_JSON_DEPTH 16
struct cs_json {
	FILE *out;
	int depth;
	bool first[CS_JSON_DEPTH];
};

void cs_json_init(struct cs_json *j, FILE *out);
void cs_json_object_begin(struct cs_json *j, const char *key);
void cs_json_object_end(struct cs_json *j);
void cs_json_array_begin(struct cs_json *j, const char *key);
void cs_json_array_end(struct cs_json *j);
void cs_json_string(struct cs_json *j, const char *key, const char *value);
void cs_json_uint(struct cs_json *j, const char *key, uint64_t value);
void cs_json_int(struct cs_json *j, const char *key, int64_t value);
void cs_json_double(struct cs_json *j, const char *key, double value);
void cs_json_bool(struct cs_json *j, const char *key, bool value);
void cs_json_null(struct cs_json *j, const char *key);
/* Ends the document with a newline (main checks stdout for errors). */
void cs_json_finish(struct cs_json *j);

#endif
