/* `run`: one command under a fresh segment, the way CI uses chaos-shim. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cs_seed.h"
#include "ctl/ctl.h"
#include "ctl/trap.h"

static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1,
				SIGUSR2};
#define NFORWARDED (sizeof(forwarded) / sizeof(forwarded[0]))

static volatile sig_atomic_t child;

static void forward(int sig, siginfo_t *info, void *context)
{
	int saved = errno;

	(void)context;
	/* The terminal signals its whole foreground group, the command too:
	 * passing the signal on would deliver it twice. */
	if (info->si_code != SI_KERNEL && child > 0)
		kill(child, sig);
	errno = saved;
}

/* Whether a rule of the table acts on TLS: its calls, or the certificate
 * check through a tls-scoped skew. Disabled ones count: they may be
 * enabled later. */
static bool has_tls_rules(const struct cs_table *table)
{
	for (uint32_t i = 0; i < table->nrules; i++) {
		const struct cs_rule *r = &table->rules[i];
		if ((r->calls & CS_SSL_FAMILIES) ||
		    (r->fault == CS_FAULT_CLOCK_SKEW && r->scope == CS_SCOPE_TLS))
			return true;
	}
	return false;
}

static void warn_tls_unseen(const char *cmd, const char *path)
{
	unsigned stacks = cs_ctl_unseen_tls(path);
	const char *what = stacks & CS_TLS_GNUTLS ? "uses GnuTLS"
			   : stacks & CS_TLS_NSS  ? "uses NSS"
						  : "carries its own OpenSSL";

	if (stacks)
		cs_ctl_error("warning: '%s' %s: the profile's TLS rules (ssl_* calls, "
			     "scope \"tls\") do not reach it",
			     cmd, what);
}

/* What the segment holds and did; NULL after saying why not. */
static struct cs_ctl_view *collect_view(const char *segment)
{
	struct cs_ctl_view *view = malloc(sizeof(*view));
	struct chaos_shim_segment seg = cs_ctl_named(segment);
	struct chaos_shim_error err;

	if (!view) {
		cs_ctl_error("out of memory");
		return NULL;
	}
	if (cs_ctl_collect(&seg, false, view, &err) < 0) {
		cs_ctl_error("%s", err.message);
		free(view);
		return NULL;
	}
	return view;
}

/* A dynamic program whose TLS the preload cannot reach, under a profile
 * with TLS rules: say so. */
static void warn_if_unseen(const char *cmd, const char *segment)
{
	struct cs_ctl_view *view;
	char path[PATH_MAX];

	if (cs_ctl_resolve_command(cmd, path, sizeof(path)) < 0 ||
	    cs_ctl_inspect_binary(path) != CS_BINARY_DYNAMIC)
		return;
	if ((view = collect_view(segment)) && has_tls_rules(&view->table))
		warn_tls_unseen(cmd, path);
	free(view);
}

/* Whether cmd runs under the seccomp supervisor: on request, or when the
 * preload cannot see it (static and Go programs) unless refused. */
static bool trapped(const char *cmd, bool trap, bool no_trap)
{
	char path[PATH_MAX];
	const char *what;

	if (trap)
		return true;
	if (cs_ctl_resolve_command(cmd, path, sizeof(path)) < 0)
		return false;
	switch (cs_ctl_inspect_binary(path)) {
	case CS_BINARY_STATIC:
		what = "is statically linked";
		break;
	case CS_BINARY_GO:
		what = "is a Go program, which makes system calls without libc";
		break;
	default:
		return false;
	}
	if (no_trap)
		cs_ctl_error("warning: '%s' %s: the shim cannot see its calls",
			     cmd, what);
	else
		cs_ctl_error("note: '%s' %s: its network calls are supervised "
			     "with seccomp (--no-trap to refuse)",
			     cmd, what);
	return !no_trap;
}

/* Starts args; with trap, under the seccomp filter, supervised. */
static pid_t start_child(char **args, char **envp, const sigset_t *mask,
			 bool trap, const char *segment, const char *log,
			 struct cs_trap **supervisor)
{
	struct cs_trap_handover handover;
	pid_t pid;

	*supervisor = NULL;
	if (!trap)
		return cs_ctl_spawn(args, envp, false, mask, NULL);
	if (cs_trap_handover_open(&handover) < 0) {
		cs_ctl_error("cannot start '%s': %s", args[0], strerror(errno));
		return -1;
	}
	pid = cs_ctl_spawn(args, envp, false, mask, &handover);
	if (pid < 0) {
		for (int i = 0; i < 2; i++) {
			close(handover.ready[i]);
			close(handover.go[i]);
		}
		return -1;
	}
	/* Without a listener the child says why and ends. */
	int listener = cs_trap_receive(&handover, pid);
	if (listener >= 0)
		*supervisor = cs_trap_start(listener, segment, log, pid);
	if (listener >= 0 && !*supervisor)
		kill(pid, SIGKILL); /* its trapped calls would wait for good */
	return pid;
}

static int run_child(char **args, char **envp, bool trap,
		     const char *segment, const char *log)
{
	struct cs_trap *supervisor;
	struct sigaction handler = {.sa_sigaction = forward, .sa_flags = SA_SIGINFO};
	struct sigaction saved[NFORWARDED];
	sigset_t block, old;
	int status;
	pid_t pid;

	/* Blocked until child is set, so no signal falls between the two. */
	sigemptyset(&block);
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaddset(&block, forwarded[i]);
	sigprocmask(SIG_BLOCK, &block, &old);
	pid = start_child(args, envp, &old, trap, segment, log, &supervisor);
	if (pid < 0) {
		sigprocmask(SIG_SETMASK, &old, NULL);
		return CS_EXIT_CANNOT_RUN;
	}
	/* A supervisor that dies leaves every trapped call failing with
	 * ENOSYS: a closed stderr must not end it. */
	if (supervisor)
		signal(SIGPIPE, SIG_IGN);
	child = pid;
	for (size_t i = 0; i < NFORWARDED; i++) {
		sigaction(forwarded[i], NULL, &saved[i]);
		/* What the caller ignores stays ignored, as it is in the child. */
		if (saved[i].sa_handler != SIG_IGN)
			sigaction(forwarded[i], &handler, NULL);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			cs_ctl_error("cannot wait for '%s': %s", args[0],
				     strerror(errno));
			status = CS_EXIT_CANNOT_RUN << 8;
			break;
		}
	}
	for (size_t i = 0; i < NFORWARDED; i++)
		sigaction(forwarded[i], &saved[i], NULL);
	child = 0;
	cs_trap_stop(supervisor);
	return cs_ctl_exit_status(status);
}

static void print_summary(const char *segment)
{
	struct cs_ctl_view *view = collect_view(segment);

	if (view) {
		cs_ctl_print_stats(stderr, view);
		fprintf(stderr, "seed %llu: rerun with --seed %llu to reproduce\n",
			(unsigned long long)view->table.seed,
			(unsigned long long)view->table.seed);
	}
	free(view);
}

/* Warns about the loaded rules a trapped program cannot get. */
static void warn_unreachable(const char *segment)
{
	struct cs_ctl_view *view = collect_view(segment);
	char what[64];

	if (!view)
		return;
	for (uint32_t i = 0; i < view->table.nrules; i++) {
		const struct cs_rule *rule = &view->table.rules[i];
		const char *why = cs_trap_unreachable(rule, what, sizeof(what));
		if (why)
			cs_ctl_error("warning: %s in rule '%s' does nothing to a trapped program: %s",
				     what, rule->name, why);
	}
	free(view);
}

static int run_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		    int argc, char **argv)
{
	const char *profile = NULL, *segment = NULL, *seed_text = NULL,
		   *log = NULL;
	bool stats = false, trap = false, no_trap = false;
	const struct cs_ctl_opt opts[] = {
		{"profile", 'p', NULL, &profile},
		{"segment", 's', NULL, &segment},
		{"seed", 0, NULL, &seed_text},
		{"log", 0, NULL, &log},
		{"stats", 0, &stats, NULL},
		{"trap", 0, &trap, NULL},
		{"no-trap", 0, &no_trap, NULL},
		{0},
	};
	char name[CS_SEG_NAME_MAX], library[PATH_MAX], err[512];
	struct chaos_shim_segment seg;
	struct chaos_shim_error lib_err;
	struct cs_ctl_environ env;
	uint64_t seed;
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, opts, true, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (first == argc)
		return cs_ctl_usage_error(cmd, "expected -- CMD [ARG...]");
	if (ctl->user_given)
		return cs_ctl_usage_error(cmd, "-u does not apply: run makes a segment of its own");
	if (seed_text && cs_seed_parse(seed_text, &seed) < 0)
		return cs_ctl_usage_error(cmd, "bad seed '%s': expected a decimal integer",
					  seed_text);
	if (!segment && ctl->segment_given)
		segment = ctl->segment;
	if (!segment) {
		cs_ctl_fresh_name("run", name, sizeof(name));
		segment = name;
	}
	if (cs_segment_name_check(segment, err, sizeof(err)) < 0)
		return cs_ctl_usage_error(cmd, "%s", err);
	if (trap && no_trap)
		return cs_ctl_usage_error(cmd, "--trap and --no-trap exclude each other");
	trap = trapped(argv[first], trap, no_trap);
	if (!trap && cs_ctl_find_library(library) < 0)
		return CS_EXIT_FAILED;

	rc = cs_ctl_load(segment, CS_SEG_CREATE_NEW, profile, seed_text);
	if (rc != CS_EXIT_OK)
		return rc;
	if (trap)
		warn_unreachable(segment);
	if (cs_ctl_environ_make(&env, trap ? NULL : library, segment, log) < 0) {
		rc = CS_EXIT_FAILED;
	} else {
		if (!trap)
			warn_if_unseen(argv[first], segment);
		rc = run_child(argv + first, env.envp, trap, segment, log);
		cs_ctl_environ_free(&env);
		if (stats)
			print_summary(segment);
	}
	/* Children of CMD that still run pass through from here on. */
	seg = cs_ctl_named(segment);
	if (cs_ctl_destroy(&seg, &lib_err) < 0)
		cs_ctl_error("%s", lib_err.message);
	return rc;
}

const struct cs_ctl_command cs_cmd_run = {
	.name = "run",
	.synopsis = "run [-p PROFILE] [-s NAME] [--seed N] [--log FILE] [--stats] [--trap | --no-trap] -- CMD [ARG...]",
	.help = "Creates a fresh segment (named run-PID-RANDOM unless -s is given), loads\n"
		"PROFILE into it (without one the segment starts empty, for live\n"
		"control), runs CMD with the shim preloaded, and removes the segment\n"
		"when CMD ends. Children of CMD inherit the shim and share the segment.\n"
		"Children still running when CMD ends pass through from then on, and\n"
		"programs they start later too: the segment does not come back.\n"
		"\n"
		"options:\n"
		"  -p, --profile PROFILE  the rules to load\n"
		"  -s, --segment NAME     name the segment, to drive it from elsewhere\n"
		"      --seed N           the seed, which makes a run reproducible\n"
		"      --log FILE         write the JSON-lines event log to FILE\n"
		"      --stats            print matched and injected counts per rule to\n"
		"                         stderr at the end, with the seed\n"
		"      --trap             supervise CMD's connect, accept, send and recv\n"
		"                         system calls with seccomp instead of preloading\n"
		"                         the shim (the default for static and Go programs,\n"
		"                         which the shim cannot see; check --trap tells\n"
		"                         what applies)\n"
		"      --no-trap          never: static and Go programs run unseen\n"
		"\n"
		"Exits with CMD's status, 128+N when CMD died of signal N, 127 when CMD\n"
		"could not be run, 1 or 2 when the run could not be set up. SIGINT,\n"
		"SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 and SIGUSR2 are passed on to CMD.\n",
	.run = run_main,
};
