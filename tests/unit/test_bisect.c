/* White-box tests of `bisect`'s reduction: the injections a seed made,
 * ddmin, and removals with the later match numbers moved earlier, against
 * a simulated client in place of child runs. The client makes R requests,
 * one connect each, and tries a refused one once more, except the third:
 * it fails when the third request's connect is refused, or both connects
 * of one request. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <unistd.h>

#include "../../src/ctl/cmd_bisect.c"
#include "../../src/ctl/repro.c"

#define REQUESTS 10

/* ---- what bisect uses from the rest of chaos-shim-ctl */

void cs_ctl_error(const char *fmt, ...)
{
	(void)fmt;
}

int cs_ctl_usage_error(const struct cs_ctl_command *cmd, const char *fmt, ...)
{
	(void)cmd;
	(void)fmt;
	return CS_EXIT_USAGE;
}

int cs_ctl_parse(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		 int argc, char **argv, const struct cs_ctl_opt *opts,
		 bool stop_at_operand, int *first)
{
	return CS_EXIT_USAGE;
}

int cs_ctl_runner_setup(struct cs_ctl_runner *runner,
			const struct cs_ctl_command *cmd, const struct cs_ctl *ctl,
			const char *jobs, const char *timeout, char **argv)
{
	return CS_EXIT_USAGE;
}

int cs_ctl_compile(const char *profile, const char *seed_text,
		   struct cs_table *table)
{
	return -1;
}

void cs_json_init(struct cs_json *j, FILE *out) {}
void cs_json_object_begin(struct cs_json *j, const char *key) {}
void cs_json_object_end(struct cs_json *j) {}
void cs_json_array_begin(struct cs_json *j, const char *key) {}
void cs_json_array_end(struct cs_json *j) {}
void cs_json_string(struct cs_json *j, const char *key, const char *value) {}
void cs_json_uint(struct cs_json *j, const char *key, uint64_t value) {}
void cs_json_int(struct cs_json *j, const char *key, int64_t value) {}
void cs_json_finish(struct cs_json *j) {}

/* The client under the table's one rule, as the shim would decide: the
 * exit status, and the matches counted. */
static int simulate(const struct cs_table *t, struct cs_ctl_outcome *o)
{
	const struct cs_rule *rule = &t->rules[0];
	uint64_t key = cs_rule_key(rule->name), n = 0;

	memset(o, 0, sizeof(*o));
	for (int request = 1; request <= REQUESTS; request++) {
		for (int attempt = 1; attempt <= 2; attempt++) {
			bool refused = rule->enabled &&
				       cs_rule_selects(rule, t->seed, key, n);
			n++;
			o->matched[0] = n;
			o->injected[0] += refused;
			if (!refused)
				break;
			if (request == 3 || attempt == 2)
				return o->status = 1;
		}
	}
	return o->status = 0;
}

static unsigned batches;

int cs_ctl_run_batch(struct cs_ctl_runner *runner, size_t n,
		     cs_ctl_table_fn make, void *arg,
		     struct cs_ctl_outcome *outcomes)
{
	static struct cs_table table;

	batches++;
	for (size_t i = 0; i < n; i++) {
		make(arg, i, &table);
		simulate(&table, &outcomes[i]);
	}
	return 0;
}

/* ---- tests */

static struct bisect b;
static struct cs_ctl_runner runner = {.jobs = 1};

static void flaky_profile(uint64_t seed)
{
	char err[256];

	memset(&b, 0, sizeof(b));
	if (cs_profile_compile_string(
		    "rules = ({ name = \"flaky\"; calls = [\"connect\"];"
		    " probability = 0.3; fault = \"reset\"; });",
		    "flaky.cfg", &b.base, err, sizeof(err)) < 0)
		fail_msg("%s", err);
	b.base.seed = seed;
}

/* The seed's injections are the refused connects of the simulation. */
static void test_injections_of_a_seed(void **state)
{
	struct cs_ctl_outcome o;
	struct set all = {0};
	unsigned seeds = 0;

	for (uint64_t seed = 1; seed <= 100; seed++) {
		flaky_profile(seed);
		simulate(&b.base, &o);
		assert_int_equal(list_injections(&b, &o, &all), 0);
		assert_int_equal(all.n, o.injected[0]);
		for (size_t i = 0; i < all.n; i++) {
			assert_int_equal(all.items[i].rule, 0);
			assert_true(cs_rule_selects(&b.base.rules[0], seed,
						    cs_rule_key("flaky"),
						    all.items[i].k - 1));
			assert_true(i == 0 || all.items[i].k > all.items[i - 1].k);
		}
		seeds += all.n > 0;
		free(all.items);
		all = (struct set){0};
	}
	assert_true(seeds > 50);
}

/* minimize, without its progress lines on stderr. */
static int quiet_minimize(struct set *current)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY), rc;

	fflush(stderr);
	dup2(null, 2);
	rc = minimize(&b, &runner, current);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(null);
	return rc;
}

/* Every failing seed comes down to the third request refused, or one
 * request refused twice, at the match numbers of a run without the other
 * faults; and the set found fails the client. */
static void test_minimal_sets(void **state)
{
	struct cs_ctl_outcome o;
	unsigned failing = 0, shifted = 0;

	for (uint64_t seed = 1; seed <= 300; seed++) {
		struct set all = {0}, current;
		static struct cs_table table;
		flaky_profile(seed);
		if (simulate(&b.base, &o) == 0)
			continue;
		failing++;
		assert_int_equal(list_injections(&b, &o, &all), 0);
		current.items = calloc(all.n, sizeof(*current.items));
		assert_non_null(current.items);
		memcpy(current.items, all.items, all.n * sizeof(*all.items));
		current.n = all.n;
		assert_int_equal(quiet_minimize(&current), 0);

		if (current.n == 1) {
			assert_int_equal(current.items[0].k, 3);
		} else {
			assert_int_equal(current.n, 2);
			assert_int_equal(current.items[1].k, current.items[0].k + 1);
			/* request k refused, then its second try */
			assert_true(current.items[0].k != 3);
		}
		set_table(&b, &current, &table);
		assert_int_equal(simulate(&table, &o), 1);
		shifted += current.items[current.n - 1].k < all.items[all.n - 1].k;
		free(current.items);
		free(all.items);
	}
	assert_true(failing > 50);
	assert_true(shifted > 0); /* some seeds needed the moved numbers */
}

/* Removal with moved numbers: the later matches of the same rule only,
 * never below 1 nor onto an earlier one. */
static void test_without_shifted(void **state)
{
	struct injection items[] = {{0, 2}, {0, 5}, {0, 6}, {1, 4}};
	struct set current = {items, 4}, out;
	struct injection room[4];

	out.items = room;
	assert_true(without_shifted(&current, 0, 1, &out));
	assert_int_equal(out.n, 3);
	assert_int_equal(out.items[0].k, 4);
	assert_int_equal(out.items[1].k, 5);
	assert_int_equal(out.items[2].rule, 1);
	assert_int_equal(out.items[2].k, 4);
	assert_false(without_shifted(&current, 2, 1, &out)); /* nothing later */
	items[0].k = 4; /* 5 and 6 moved by 2 past 4 collide */
	assert_false(without_shifted(&current, 1, 2, &out));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_injections_of_a_seed),
		cmocka_unit_test(test_minimal_sets),
		cmocka_unit_test(test_without_shifted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
