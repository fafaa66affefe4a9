/* `sweep`: what SQLite does for malloc failures, one failure point after
 * the other, for network calls. A baseline run counts each rule's matches
 * without injecting; then one run per match number k injects the k-th
 * match alone, and the k that make the command fail are named, each with
 * a profile and a command line that reproduce it. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl/ctl.h"

#define DEFAULT_MAX_RUNS 1000
#define MAX_RUNS_LIMIT 1000000
#define DEFAULT_OUT "chaos-shim-sweep"
#define EXIT_SOME_FAILED 3

/* One run of the sweep: rule (an index in the table) at its k-th match. */
struct trial {
	uint32_t rule;
	uint64_t k;
};

struct sweep {
	struct cs_table base; /* the profile, compiled */
	bool swept[CS_MAX_RULES];
	struct trial *trials;
	size_t ntrials;
};

/* The profile with only the swept rules, counting and never injecting. */
static void baseline_table(void *arg, size_t i, struct cs_table *table)
{
	const struct sweep *s = arg;

	(void)i;
	*table = s->base;
	for (uint32_t r = 0; r < table->nrules; r++) {
		table->rules[r].enabled = s->swept[r];
		if (s->swept[r])
			cs_ctl_inject_at(&table->rules[r], NULL, 0);
	}
}

/* The profile with one rule, injecting at its k-th match only. */
static void trial_table(const struct cs_table *base, const struct trial *t,
			struct cs_table *table)
{
	*table = *base;
	table->nrules = 1;
	table->log_path[0] = '\0';
	table->rules[0] = base->rules[t->rule];
	cs_ctl_inject_at(&table->rules[0], &t->k, 1);
}

static void make_trial(void *arg, size_t i, struct cs_table *table)
{
	const struct sweep *s = arg;

	trial_table(&s->base, &s->trials[i], table);
}

/* Which rules the sweep covers: NAME alone, else every enabled rule. */
static int choose_rules(struct sweep *s, const struct cs_ctl_command *cmd,
			const char *only)
{
	bool any = false;

	if (only) {
		int r = cs_table_find(&s->base, only);
		if (r < 0)
			return cs_ctl_usage_error(cmd, "no rule '%s' in the profile", only);
		s->swept[r] = true;
		return CS_CTL_CONTINUE;
	}
	for (uint32_t r = 0; r < s->base.nrules; r++)
		any |= s->swept[r] = s->base.rules[r].enabled;
	if (!any) {
		cs_ctl_error("the profile has no enabled rule to sweep");
		return CS_EXIT_FAILED;
	}
	return CS_CTL_CONTINUE;
}

/* One trial per match the baseline counted, rule after rule, at most
 * max_runs of them; *total gets how many there were. */
static int plan_trials(struct sweep *s, const struct cs_ctl_outcome *baseline,
		       unsigned max_runs, uint64_t *total)
{
	*total = 0;
	for (uint32_t r = 0; r < s->base.nrules; r++)
		if (s->swept[r])
			*total += baseline->matched[r];
	s->ntrials = (size_t)(*total < max_runs ? *total : max_runs);
	s->trials = calloc(s->ntrials ? s->ntrials : 1, sizeof(*s->trials));
	if (!s->trials) {
		cs_ctl_error("out of memory");
		return -1;
	}
	size_t n = 0;
	for (uint32_t r = 0; r < s->base.nrules && n < s->ntrials; r++)
		for (uint64_t k = 1; s->swept[r] && k <= baseline->matched[r] &&
				     n < s->ntrials; k++)
			s->trials[n++] = (struct trial){r, k};
	return 0;
}

/* Writes the trial's profile into dir; path gets its name. */
static int save_trial(const struct sweep *s, const struct trial *t,
		      const char *dir, char *path, size_t size)
{
	static struct cs_table table;

	trial_table(&s->base, t, &table);
	snprintf(path, size, "%s/%s-k%llu.cfg", dir, table.rules[0].name,
		 (unsigned long long)t->k);
	return cs_ctl_write_profile(path, &table);
}

static void print_status(FILE *out, const struct cs_ctl_outcome *o,
			 unsigned timeout_s)
{
	if (o->timed_out)
		fprintf(out, "timed out after %u s", timeout_s);
	else
		fprintf(out, "exit %d", o->status);
}

struct report {
	bool json;
	struct cs_json j;
	const char *dir;
	uint64_t total;
	size_t failed;
};

static void report_baseline(struct report *rep, const struct sweep *s,
			    const struct cs_ctl_outcome *baseline)
{
	if (rep->json) {
		cs_json_object_begin(&rep->j, "baseline");
		cs_json_int(&rep->j, "status", baseline->status);
		cs_json_array_begin(&rep->j, "rules");
	}
	for (uint32_t r = 0; r < s->base.nrules; r++) {
		if (!s->swept[r])
			continue;
		if (rep->json) {
			cs_json_object_begin(&rep->j, NULL);
			cs_json_string(&rep->j, "name", s->base.rules[r].name);
			cs_json_uint(&rep->j, "matched", baseline->matched[r]);
			cs_json_object_end(&rep->j);
		} else {
			printf("baseline: rule '%s' matched %llu times\n",
			       s->base.rules[r].name,
			       (unsigned long long)baseline->matched[r]);
		}
	}
	if (rep->json) {
		cs_json_array_end(&rep->j);
		cs_json_object_end(&rep->j);
		cs_json_array_begin(&rep->j, "failed");
	}
}

/* A trial that made the command fail: its profile saved, and how to run
 * it again. Returns 0, or -1 when the profile could not be written. */
static int report_failure(struct report *rep, const struct sweep *s,
			  const struct cs_ctl_runner *runner,
			  const struct trial *t, const struct cs_ctl_outcome *o)
{
	char path[PATH_MAX], *line;

	if (save_trial(s, t, rep->dir, path, sizeof(path)) < 0)
		return -1;
	line = cs_ctl_reproducer(path, runner->argv);
	if (!line) {
		cs_ctl_error("out of memory");
		return -1;
	}
	rep->failed++;
	if (rep->json) {
		cs_json_object_begin(&rep->j, NULL);
		cs_json_string(&rep->j, "rule", s->base.rules[t->rule].name);
		cs_json_uint(&rep->j, "k", t->k);
		cs_json_int(&rep->j, "status", o->status);
		cs_json_bool(&rep->j, "timed_out", o->timed_out);
		cs_json_string(&rep->j, "profile", path);
		cs_json_string(&rep->j, "reproducer", line);
		cs_json_object_end(&rep->j);
	} else {
		printf("FAIL rule '%s' k=%llu: ", s->base.rules[t->rule].name,
		       (unsigned long long)t->k);
		print_status(stdout, o, runner->timeout_s);
		printf("\n  %s\n", line);
	}
	free(line);
	return 0;
}

static void report_summary(struct report *rep, const struct sweep *s)
{
	if (rep->json) {
		cs_json_array_end(&rep->j);
		cs_json_uint(&rep->j, "runs", s->ntrials);
		cs_json_uint(&rep->j, "matches", rep->total);
		cs_json_uint(&rep->j, "not_run", rep->total - s->ntrials);
		cs_json_object_end(&rep->j);
		cs_json_finish(&rep->j);
		return;
	}
	printf("sweep: %zu runs, %zu failed", s->ntrials, rep->failed);
	if (rep->total > s->ntrials)
		printf(", %llu matches not tried (--max-runs)",
		       (unsigned long long)(rep->total - s->ntrials));
	if (rep->failed)
		printf("; profiles in %s/", rep->dir);
	putchar('\n');
}

static int make_dir(const char *dir)
{
	if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
		cs_ctl_error("cannot make '%s': %s", dir, strerror(errno));
		return -1;
	}
	return 0;
}

static int sweep_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		      int argc, char **argv)
{
	const char *profile = NULL, *only = NULL, *max_text = NULL, *jobs = NULL,
		   *timeout = NULL, *dir = DEFAULT_OUT;
	bool json = false;
	const struct cs_ctl_opt opts[] = {
		{"profile", 'p', NULL, &profile},
		{"rule", 0, NULL, &only},
		{"max-runs", 0, NULL, &max_text},
		{"jobs", 'j', NULL, &jobs},
		{"timeout", 0, NULL, &timeout},
		{"out", 'o', NULL, &dir},
		{"json", 0, &json, NULL},
		{0},
	};
	struct cs_ctl_runner runner;
	struct cs_ctl_outcome baseline, *outcomes = NULL;
	struct report rep = {0};
	unsigned max_runs = DEFAULT_MAX_RUNS;
	struct sweep *s;
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, opts, true, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (!profile)
		return cs_ctl_usage_error(cmd, "expected -p PROFILE");
	if (max_text && cs_ctl_parse_count(max_text, 1, MAX_RUNS_LIMIT, &max_runs) < 0)
		return cs_ctl_usage_error(cmd, "bad --max-runs '%s': expected 1 to %d",
					  max_text, MAX_RUNS_LIMIT);
	rc = cs_ctl_runner_setup(&runner, cmd, ctl, jobs, timeout, argv + first);
	if (rc != CS_CTL_CONTINUE)
		return rc;
	s = calloc(1, sizeof(*s));
	if (!s) {
		cs_ctl_error("out of memory");
		return CS_EXIT_FAILED;
	}
	rc = CS_EXIT_FAILED;
	if (cs_ctl_compile(profile, NULL, &s->base) < 0)
		goto out;
	rc = choose_rules(s, cmd, only);
	if (rc != CS_CTL_CONTINUE)
		goto out;
	rc = CS_EXIT_FAILED;
	if (cs_ctl_run_batch(&runner, 1, baseline_table, s, &baseline) < 0)
		goto out;
	if (baseline.status != 0) {
		cs_ctl_error("the command fails without any injection (%s %d): "
			     "a sweep needs a command that passes",
			     baseline.timed_out ? "timed out, status" : "exit",
			     baseline.status);
		goto out;
	}
	if (plan_trials(s, &baseline, max_runs, &rep.total) < 0)
		goto out;
	outcomes = calloc(s->ntrials ? s->ntrials : 1, sizeof(*outcomes));
	if (!outcomes) {
		cs_ctl_error("out of memory");
		goto out;
	}
	if (cs_ctl_run_batch(&runner, s->ntrials, make_trial, s, outcomes) < 0)
		goto out;

	rep.dir = dir;
	rep.json = json;
	if (json) {
		cs_json_init(&rep.j, stdout);
		cs_json_object_begin(&rep.j, NULL);
		cs_json_uint(&rep.j, "seed", s->base.seed);
	}
	report_baseline(&rep, s, &baseline);
	for (size_t i = 0; i < s->ntrials; i++) {
		if (outcomes[i].status == 0)
			continue;
		if ((rep.failed == 0 && make_dir(dir) < 0) ||
		    report_failure(&rep, s, &runner, &s->trials[i], &outcomes[i]) < 0)
			goto out;
	}
	report_summary(&rep, s);
	rc = rep.failed ? EXIT_SOME_FAILED : CS_EXIT_OK;
out:
	if (runner.interrupted)
		rc = 128 + runner.interrupted;
	free(outcomes);
	free(s->trials);
	free(s);
	return rc;
}

const struct cs_ctl_command cs_cmd_sweep = {
	.name = "sweep",
	.synopsis = "sweep -p PROFILE [--rule NAME] [--max-runs N] [-j N] [--timeout S] [-o DIR] [--json] -- CMD [ARG...]",
	.help = "Finds which single fault makes CMD fail. A baseline run counts how\n"
		"often each rule matches without injecting anything; then one run per\n"
		"match number k injects the rule's fault at its k-th match alone (at =\n"
		"[k], probability 1). Each k that makes CMD exit non-zero is printed\n"
		"with a profile saved in DIR and the `run` command that reproduces it.\n"
		"Each run has a segment of its own, removed when it ends; CMD's output\n"
		"is discarded.\n"
		"\n"
		"options:\n"
		"  -p, --profile PROFILE  the rules to sweep (disabled ones are left out)\n"
		"      --rule NAME        sweep this rule only; the others are off\n"
		"      --max-runs N       at most N runs after the baseline (default 1000)\n"
		"  -j, --jobs N           N runs at a time (default 1)\n"
		"      --timeout S        a run still going after S seconds is killed and\n"
		"                         counts as failed\n"
		"  -o, --out DIR          where the failing runs' profiles go (default\n"
		"                         ./" DEFAULT_OUT ")\n"
		"      --json             one JSON document on stdout\n"
		"\n"
		"Exits 0 when CMD passed every run, 3 when some k made it fail, 1 when\n"
		"CMD fails even without injections or the sweep could not run, 130,\n"
		"143 or 129 after SIGINT, SIGTERM or SIGHUP (every run is stopped,\n"
		"every segment removed).\n",
	.run = sweep_main,
};
