/* `bisect`: a seed makes the command fail; which of the faults it injected
 * are needed for that? The run under the seed counts each rule's matches,
 * the seed tells which of them it injected (the shim's own decision,
 * cs_rule_selects), and delta debugging (ddmin) over those injections,
 * each set run as `at` rules, with removals that move the rule's later
 * match numbers earlier, finds a minimal set that still fails. It is
 * printed as a ready profile, after a few more runs that tell how often
 * it reproduces. */
#include <stdlib.h>
#include <string.h>

#include "cs_profile.h"
#include "cs_schedule.h"
#include "cs_seed.h"
#include "ctl/ctl.h"

#define DEFAULT_REPEAT 5
#define MAX_INJECTIONS 4096
#define MAX_SHIFT 2 /* matches a survived injection adds, tried */

/* One fault the seed injected: rule (an index in the table) at its k-th
 * match. */
struct injection {
	uint32_t rule;
	uint64_t k;
};

/* A set of injections, by rule, then k. */
struct set {
	struct injection *items;
	size_t n;
};

struct bisect {
	struct cs_table base;
	const struct set *tried; /* the sets of the current batch */
	unsigned runs;
};

/* The base profile injecting exactly the set: each rule at its match
 * numbers in it, rules without any switched off. */
static void set_table(const struct bisect *b, const struct set *set,
		      struct cs_table *table)
{
	uint64_t ks[CS_AT_MAX];

	*table = b->base;
	table->log_path[0] = '\0';
	for (uint32_t r = 0; r < table->nrules; r++) {
		size_t m = 0;
		for (size_t i = 0; i < set->n; i++)
			if (set->items[i].rule == r && m < CS_AT_MAX)
				ks[m++] = set->items[i].k;
		if (m)
			cs_ctl_inject_at(&table->rules[r], ks, m);
		else
			table->rules[r].enabled = 0;
	}
}

/* Whether every rule's part of the set fits in one `at` list. */
static bool expressible(const struct set *set)
{
	unsigned per_rule[CS_MAX_RULES] = {0};

	for (size_t i = 0; i < set->n; i++)
		if (++per_rule[set->items[i].rule] > CS_AT_MAX)
			return false;
	return true;
}

static void make_tried(void *arg, size_t i, struct cs_table *table)
{
	const struct bisect *b = arg;

	set_table(b, &b->tried[i], table);
}

static void make_original(void *arg, size_t i, struct cs_table *table)
{
	(void)i;
	*table = ((const struct bisect *)arg)->base;
}

/* What the seed injected in the run that counted o: the first matches
 * each enabled rule selects, as many as it injected (no more than its
 * `count`). Returns 0, or -1 after saying why not. */
static int list_injections(const struct bisect *b,
			   const struct cs_ctl_outcome *o, struct set *all)
{
	const struct cs_table *t = &b->base;
	uint64_t total = 0;

	for (uint32_t r = 0; r < t->nrules; r++)
		total += o->injected[r];
	if (total > MAX_INJECTIONS) {
		cs_ctl_error("the seed made %llu injections, more than the %d bisect takes: "
			     "narrow the profile (peer, process, count)",
			     (unsigned long long)total, MAX_INJECTIONS);
		return -1;
	}
	all->items = calloc(MAX_INJECTIONS, sizeof(*all->items));
	if (!all->items) {
		cs_ctl_error("out of memory");
		return -1;
	}
	for (uint32_t r = 0; r < t->nrules; r++) {
		const struct cs_rule *rule = &t->rules[r];
		uint64_t key = cs_rule_key(rule->name), taken = 0;
		if (!rule->enabled)
			continue;
		for (uint64_t n = 0; n < o->matched[r] && taken < o->injected[r]; n++) {
			if (!cs_rule_selects(rule, t->seed, key, n))
				continue;
			all->items[all->n++] = (struct injection){r, n + 1};
			taken++;
		}
		/* Processes racing for the budget of `count` may have spent
		 * it on other matches than the first ones the seed selects. */
		if (taken != o->injected[r])
			cs_ctl_error("warning: rule '%s' injected %llu times, the seed selects %llu of its matches: "
				     "the sets tried may differ from what the run did",
				     rule->name, (unsigned long long)o->injected[r],
				     (unsigned long long)taken);
	}
	return 0;
}

static void free_sets(struct set *sets, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(sets[i].items);
	free(sets);
}

/* Runs the candidate sets that fit in `at` lists (the others count as
 * passing), and the first that fails becomes current. Frees the
 * candidates. Returns 1 when current changed, 0 when none failed, -1
 * after an error or a stop signal. */
static int adopt_failing(struct bisect *b, struct cs_ctl_runner *runner,
			 struct set *current, struct set *sets, size_t n)
{
	struct cs_ctl_outcome *outcomes = calloc(n, sizeof(*outcomes));
	struct set *runnable = calloc(n, sizeof(*runnable));
	size_t *index = calloc(n, sizeof(*index)), nrun = 0;
	int rc = 0;

	if (!outcomes || !runnable || !index) {
		cs_ctl_error("out of memory");
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (expressible(&sets[i])) {
			index[nrun] = i;
			runnable[nrun++] = sets[i];
		}
	b->tried = runnable;
	if (cs_ctl_run_batch(runner, nrun, make_tried, b, outcomes) < 0) {
		rc = -1;
		goto out;
	}
	b->runs += (unsigned)nrun;
	for (size_t i = 0; i < nrun && rc == 0; i++)
		if (outcomes[i].status != 0) {
			free(current->items);
			*current = sets[index[i]];
			sets[index[i]].items = NULL;
			rc = 1;
		}
out:
	b->tried = NULL;
	free_sets(sets, n);
	free(index);
	free(runnable);
	free(outcomes);
	return rc;
}

static struct set *new_sets(size_t n, size_t size)
{
	struct set *sets = calloc(n, sizeof(*sets));

	for (size_t i = 0; sets && i < n; i++) {
		sets[i].items = calloc(size ? size : 1, sizeof(*sets[i].items));
		if (!sets[i].items) {
			free_sets(sets, n);
			sets = NULL;
		}
	}
	if (!sets)
		cs_ctl_error("out of memory");
	return sets;
}

/* Tries the n parts of current, then (for n > 2) their complements; on a
 * failing one, current becomes it and *n the granularity to go on with.
 * Returns 1 when it shrank, 0 when not, -1 after an error or a stop
 * signal. */
static int shrink(struct bisect *b, struct cs_ctl_runner *runner,
		  struct set *current, size_t *n)
{
	for (int complement = 0; complement <= (*n > 2); complement++) {
		size_t parts = *n;
		struct set *sets = new_sets(parts, current->n);
		int rc;
		if (!sets)
			return -1;
		for (size_t i = 0; i < parts; i++) {
			size_t lo = i * current->n / parts,
			       hi = (i + 1) * current->n / parts;
			for (size_t j = 0; j < current->n; j++)
				if ((j >= lo && j < hi) != complement)
					sets[i].items[sets[i].n++] = current->items[j];
		}
		rc = adopt_failing(b, runner, current, sets, parts);
		if (rc > 0)
			*n = complement ? (parts > 3 ? parts - 1 : 2) : 2;
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ddmin: a set that fails, from which no single part can be taken away
 * at the finest granularity. Returns 0, or -1 after an error or a stop
 * signal. */
static int ddmin(struct bisect *b, struct cs_ctl_runner *runner,
		 struct set *current)
{
	size_t n = 2;

	while (current->n >= 2) {
		fprintf(stderr, "bisect: %zu injections, trying %zu parts\n",
			current->n, n);
		int rc = shrink(b, runner, current, &n);
		if (rc < 0)
			return -1;
		if (rc > 0)
			continue;
		if (n >= current->n)
			break;
		n = 2 * n < current->n ? 2 * n : current->n;
	}
	return 0;
}

/* current without its i-th injection, the later matches of the same rule
 * moved d earlier; false when they would collide or fall below 1. */
static bool without_shifted(const struct set *current, size_t i, uint64_t d,
			    struct set *out)
{
	const struct injection *gone = &current->items[i];
	bool moved = false;

	out->n = 0;
	for (size_t j = 0; j < current->n; j++) {
		struct injection in = current->items[j];
		if (j == i)
			continue;
		if (in.rule == gone->rule && in.k > gone->k) {
			in.k -= d;
			moved = true;
		}
		if (in.k < 1 || (out->n && out->items[out->n - 1].rule == in.rule &&
				 out->items[out->n - 1].k >= in.k))
			return false;
		out->items[out->n++] = in;
	}
	return moved;
}

/* A program that survives an injection usually tries again: the call it
 * retries is a further match, so without that injection the later
 * matches come earlier and keep their numbers no longer. Tries each
 * injection taken away with the later ones of its rule moved 1 to
 * MAX_SHIFT earlier. Returns 1 when current shrank, 0, or -1. */
static int shrink_shifted(struct bisect *b, struct cs_ctl_runner *runner,
			  struct set *current)
{
	size_t n = current->n * MAX_SHIFT, made = 0;
	struct set *sets = new_sets(n, current->n);

	if (!sets)
		return -1;
	fprintf(stderr, "bisect: %zu injections, trying later matches earlier\n",
		current->n);
	for (size_t i = 0; i < current->n; i++)
		for (uint64_t d = 1; d <= MAX_SHIFT; d++)
			if (without_shifted(current, i, d, &sets[made]))
				made++;
	for (size_t i = made; i < n; i++)
		free(sets[i].items);
	if (!made) {
		free(sets);
		return 0;
	}
	return adopt_failing(b, runner, current, sets, made);
}

/* ddmin, then shifted removals, for as long as either shrinks the set. */
static int minimize(struct bisect *b, struct cs_ctl_runner *runner,
		    struct set *current)
{
	int rc;

	do {
		if (ddmin(b, runner, current) < 0)
			return -1;
		rc = current->n >= 2 ? shrink_shifted(b, runner, current) : 0;
	} while (rc > 0);
	return rc;
}

static void repeat_table(void *arg, size_t i, struct cs_table *table)
{
	const struct bisect *b = arg;

	(void)i;
	set_table(b, b->tried, table);
}

/* The minimal set as a profile: its rules only, each with its `at`. */
static void minimal_table(const struct bisect *b, const struct set *set,
			  struct cs_table *table)
{
	uint32_t kept = 0;

	set_table(b, set, table);
	for (uint32_t r = 0; r < table->nrules; r++)
		if (table->rules[r].enabled)
			table->rules[kept++] = table->rules[r];
	table->nrules = kept;
}

static void print_text(const struct bisect *b, const struct set *everything,
		       const struct set *set, const struct cs_table *minimal,
		       unsigned repeat, unsigned reproduced, char **argv)
{
	char *line = cs_ctl_reproducer("FILE", argv);

	printf("# chaos-shim-ctl bisect, seed %llu: of the %zu faults the seed\n"
	       "# injected, these %zu still make the command fail (%u runs):\n",
	       (unsigned long long)b->base.seed, everything->n, set->n, b->runs);
	for (size_t i = 0; i < set->n; i++)
		printf("#   rule '%s' at its match %llu\n",
		       b->base.rules[set->items[i].rule].name,
		       (unsigned long long)set->items[i].k);
	printf("# Run again %u times with this profile, it failed %u times.\n",
	       repeat, reproduced);
	if (reproduced < repeat)
		printf("# Threads or processes racing for a rule's matches can change which\n"
		       "# call is the k-th from one run to the next.\n");
	if (line)
		printf("# %s\n", line);
	free(line);
	cs_profile_write(stdout, minimal);
}

static void json_injections(struct cs_json *j, const char *key,
			    const struct bisect *b, const struct set *set)
{
	cs_json_array_begin(j, key);
	for (size_t i = 0; i < set->n; i++) {
		const struct injection *in = &set->items[i];
		cs_json_object_begin(j, NULL);
		cs_json_string(j, "rule", b->base.rules[in->rule].name);
		cs_json_uint(j, "k", in->k);
		cs_json_object_end(j);
	}
	cs_json_array_end(j);
}

static int print_json(const struct bisect *b, const struct set *everything,
		      const struct set *set, const struct cs_table *minimal,
		      int status, unsigned repeat, unsigned reproduced)
{
	struct cs_json j;
	char *text = NULL;
	size_t len;
	FILE *mem = open_memstream(&text, &len);

	if (!mem || cs_profile_write(mem, minimal) < 0 || fclose(mem) != 0) {
		cs_ctl_error("out of memory");
		free(text);
		return -1;
	}
	cs_json_init(&j, stdout);
	cs_json_object_begin(&j, NULL);
	cs_json_uint(&j, "seed", b->base.seed);
	cs_json_int(&j, "status", status);
	json_injections(&j, "injections", b, everything);
	json_injections(&j, "minimal", b, set);
	cs_json_uint(&j, "runs", b->runs);
	cs_json_uint(&j, "repeats", repeat);
	cs_json_uint(&j, "reproduced", reproduced);
	cs_json_string(&j, "profile", text);
	cs_json_object_end(&j);
	cs_json_finish(&j);
	free(text);
	return 0;
}

static int bisect_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		       int argc, char **argv)
{
	const char *profile = NULL, *seed_text = NULL, *jobs = NULL,
		   *timeout = NULL, *repeat_text = NULL;
	bool json = false;
	const struct cs_ctl_opt opts[] = {
		{"profile", 'p', NULL, &profile},
		{"seed", 0, NULL, &seed_text},
		{"jobs", 'j', NULL, &jobs},
		{"timeout", 0, NULL, &timeout},
		{"repeat", 0, NULL, &repeat_text},
		{"json", 0, &json, NULL},
		{0},
	};
	struct cs_ctl_runner runner;
	struct cs_ctl_outcome original, *again = NULL;
	struct set everything = {0}, current = {0};
	static struct cs_table minimal;
	uint64_t seed;
	unsigned repeat = DEFAULT_REPEAT;
	unsigned reproduced = 0;
	struct bisect *b;
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, opts, true, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (!profile || !seed_text)
		return cs_ctl_usage_error(cmd, "expected -p PROFILE and --seed N");
	if (cs_seed_parse(seed_text, &seed) < 0)
		return cs_ctl_usage_error(cmd, "bad seed '%s': expected a decimal integer",
					  seed_text);
	if (repeat_text && cs_ctl_parse_count(repeat_text, 1, 1000, &repeat) < 0)
		return cs_ctl_usage_error(cmd, "bad --repeat '%s': expected 1 to 1000",
					  repeat_text);
	rc = cs_ctl_runner_setup(&runner, cmd, ctl, jobs, timeout, argv + first);
	if (rc != CS_CTL_CONTINUE)
		return rc;
	b = calloc(1, sizeof(*b));
	if (!b) {
		cs_ctl_error("out of memory");
		return CS_EXIT_FAILED;
	}
	rc = CS_EXIT_FAILED;
	if (cs_ctl_compile(profile, seed_text, &b->base) < 0 ||
	    cs_ctl_run_batch(&runner, 1, make_original, b, &original) < 0)
		goto out;
	b->runs = 1;
	if (original.status == 0) {
		cs_ctl_error("the command passes under seed %s: nothing to bisect",
			     seed_text);
		goto out;
	}
	if (list_injections(b, &original, &everything) < 0)
		goto out;
	if (everything.n == 0) {
		cs_ctl_error("the command fails under seed %s without any injection: nothing to bisect",
			     seed_text);
		goto out;
	}
	current.items = calloc(everything.n, sizeof(*current.items));
	again = calloc(repeat, sizeof(*again));
	if (!current.items || !again) {
		cs_ctl_error("out of memory");
		goto out;
	}
	memcpy(current.items, everything.items, everything.n * sizeof(*current.items));
	current.n = everything.n;
	if (minimize(b, &runner, &current) < 0)
		goto out;
	if (!expressible(&current)) {
		cs_ctl_error("no smaller set fails the command, and a rule of this one has more "
			     "than %d injections, which one `at` list cannot hold", CS_AT_MAX);
		goto out;
	}
	b->tried = &current;
	rc = cs_ctl_run_batch(&runner, repeat, repeat_table, b, again);
	b->tried = NULL;
	if (rc < 0) {
		rc = CS_EXIT_FAILED;
		goto out;
	}
	b->runs += repeat;
	for (size_t i = 0; i < repeat; i++)
		reproduced += again[i].status != 0;
	minimal_table(b, &current, &minimal);
	rc = CS_EXIT_OK;
	if (!json)
		print_text(b, &everything, &current, &minimal, repeat, reproduced,
			   runner.argv);
	else if (print_json(b, &everything, &current, &minimal, original.status,
			    repeat, reproduced) < 0)
		rc = CS_EXIT_FAILED;
out:
	if (runner.interrupted)
		rc = 128 + runner.interrupted;
	free(again);
	free(everything.items);
	free(current.items);
	free(b);
	return rc;
}

const struct cs_ctl_command cs_cmd_bisect = {
	.name = "bisect",
	.synopsis = "bisect -p PROFILE --seed N [-j N] [--repeat N] [--timeout S] [--json] -- CMD [ARG...]",
	.help = "Finds a minimal set of faults that makes CMD fail, from a seed under\n"
		"which it fails. A run under the seed counts each rule's matches; the\n"
		"seed tells which of them were injected. Delta debugging (ddmin) then\n"
		"runs CMD with subsets of those injections, each rule at exact match\n"
		"numbers (`at`), down to a set from which no injection can be taken\n"
		"away; it also tries each injection taken away with the later match\n"
		"numbers of its rule moved 1 or 2 earlier (a fault CMD survives\n"
		"usually makes it retry: one more match). That set is run --repeat\n"
		"more times, and printed as a profile (comments say how often it\n"
		"failed again), ready for `run -p`.\n"
		"Each run has a segment of its own, removed when it ends; CMD's output\n"
		"is discarded.\n"
		"\n"
		"options:\n"
		"  -p, --profile PROFILE  the profile CMD fails under\n"
		"      --seed N           the seed it fails with\n"
		"  -j, --jobs N           N runs at a time (default 1)\n"
		"      --repeat N         runs of the minimal set at the end (default 5)\n"
		"      --timeout S        a run still going after S seconds is killed and\n"
		"                         counts as failed\n"
		"      --json             one JSON document on stdout, the profile in it\n"
		"\n"
		"With threads or several processes racing for a rule's matches, the k-th\n"
		"match can be another call from one run to the next: the minimal set\n"
		"may then fail only some of the time, which the repeated runs show.\n"
		"\n"
		"Exits 0 with the profile printed, 1 when CMD passes under the seed or\n"
		"the bisection could not run, 130, 143 or 129 after SIGINT, SIGTERM or\n"
		"SIGHUP (every run is stopped, every segment removed).\n",
	.run = bisect_main,
};
