/* A controller built against the installed libchaos-shim-ctl: creates a
 * segment, runs a command under the shim with no rule, then with a rule
 * added, then after removing it, and prints what the library reports.
 *
 *   ctl_drive SEGMENT PRELOADLIB RULE CMD [ARG...]
 */
#define _POSIX_C_SOURCE 200809L
#include <chaos-shim/ctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char **command;
static const char *preload;

static int run_command(const char *segment)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		setenv("LD_PRELOAD", preload, 1);
		setenv("CHAOS_SHIM_SEGMENT", segment, 1);
		execvp(command[0], command);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void print_stats(chaos_shim_segment *seg)
{
	struct chaos_shim_stats stats;
	struct chaos_shim_error err;

	if (chaos_shim_stats(seg, false, &stats, &err) < 0) {
		printf("stats failed: %s\n", err.message);
		return;
	}
	printf("rules %u\n", stats.nrules);
	for (uint32_t i = 0; i < stats.nrules; i++)
		printf("rule %s matched %llu injected %llu\n", stats.rules[i].name,
		       (unsigned long long)stats.rules[i].matched,
		       (unsigned long long)stats.rules[i].injected);
}

int main(int argc, char **argv)
{
	struct chaos_shim_error err;
	chaos_shim_segment *seg;
	const char *name;

	if (argc < 5) {
		fprintf(stderr, "usage: ctl_drive SEGMENT PRELOADLIB RULE CMD [ARG...]\n");
		return 2;
	}
	preload = argv[2];
	command = argv + 4;
	seg = chaos_shim_open(argv[1], CHAOS_SHIM_CREATE_NEW, &err);
	if (!seg) {
		printf("open failed: %d %s\n", err.code, err.message);
		return 1;
	}
	printf("version %s\n", chaos_shim_version());
	printf("without rule: exit %d\n", run_command(argv[1]));
	if (chaos_shim_add(seg, argv[3], &err) < 0)
		printf("add failed: %d %s\n", err.code, err.message);
	printf("with rule: exit %d\n", run_command(argv[1]));
	print_stats(seg);
	if (chaos_shim_add(seg, argv[3], &err) < 0)
		printf("second add: code %d exists %d: %s\n", err.code,
		       err.code == CHAOS_SHIM_E_EXISTS, err.message);
	name = "no-such-rule";
	if (chaos_shim_remove(seg, &name, 1, &err) < 0)
		printf("remove unknown: code %d no_rule %d: %s\n", err.code,
		       err.code == CHAOS_SHIM_E_NO_RULE, err.message);
	struct chaos_shim_status *status = malloc(sizeof(*status));
	if (status && chaos_shim_status(seg, status, &err) == 0 && status->nrules)
		printf("status %s %s %s\n", status->rules[0].name,
		       status->rules[0].fault, status->rules[0].parameters);
	free(status);
	name = "down";
	if (chaos_shim_remove(seg, &name, 1, &err) < 0)
		printf("remove failed: %s\n", err.message);
	printf("after remove: exit %d\n", run_command(argv[1]));
	print_stats(seg);
	if (chaos_shim_destroy(seg, &err) < 0)
		printf("destroy failed: %s\n", err.message);
	chaos_shim_close(seg);
	seg = chaos_shim_open(argv[1], CHAOS_SHIM_OPEN_EXISTING, &err);
	printf("reopen after destroy: %s code %d no_segment %d: %s\n",
	       seg ? "opened" : "failed", err.code,
	       err.code == CHAOS_SHIM_E_NO_SEGMENT, err.message);
	chaos_shim_close(seg);
	return 0;
}
