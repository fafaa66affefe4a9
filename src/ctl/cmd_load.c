/* `load PROFILE`: compile a profile and publish it, with its seed. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "cs_profile.h"
#include "ctl/ctl.h"

int cs_ctl_parse_seed(const char *text, uint64_t *seed)
{
	char *end;
	unsigned long long value;

	if (!(*text >= '0' && *text <= '9'))
		return -1;
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno || *end)
		return -1;
	*seed = value;
	return 0;
}

/* The seed rules of CONTRACT.md: an explicit seed wins and counts as
 * fixed; a profile without one gets a random seed that `status` marks. */
static int choose_seed(struct cs_table *table, const char *seed_text)
{
	const char *origin = "--seed";

	if (!seed_text) {
		seed_text = getenv("CHAOS_SHIM_SEED");
		origin = "CHAOS_SHIM_SEED";
	}
	if (seed_text && *seed_text) {
		if (cs_ctl_parse_seed(seed_text, &table->seed) < 0) {
			cs_ctl_error("bad seed '%s' in %s: expected a decimal integer",
				     seed_text, origin);
			return -1;
		}
		table->has_seed = 1;
		return 0;
	}
	if (table->has_seed)
		return 0;
	if (getrandom(&table->seed, sizeof(table->seed), 0) !=
	    (ssize_t)sizeof(table->seed)) {
		cs_ctl_error("cannot choose a random seed: %s", strerror(errno));
		return -1;
	}
	/* 53 bits: JSON readers that hold numbers as doubles (jq, JavaScript)
	 * still read the seed back exactly, for --seed. */
	table->seed &= (1ull << 53) - 1;
	return 0;
}

static int publish_locked(struct cs_seg_handle *handle, void *arg, char *err,
			  size_t errlen)
{
	(void)err;
	(void)errlen;
	cs_segment_publish(handle->seg, arg, true);
	return 0;
}

int cs_ctl_load(const char *segment, enum cs_seg_mode mode,
		const char *profile, const char *seed_text)
{
	struct cs_table table;
	char err[512], found[PATH_MAX];

	memset(&table, 0, sizeof(table));
	if (profile &&
	    cs_profile_compile_file(cs_ctl_profile_path(profile, found, sizeof(found)),
				    &table, err, sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return CS_EXIT_FAILED;
	}
	if (choose_seed(&table, seed_text) < 0)
		return CS_EXIT_FAILED;
	if (cs_ctl_with_segment(segment, mode, publish_locked, &table, err,
				sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return CS_EXIT_FAILED;
	}
	return CS_EXIT_OK;
}

static int load_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
		     int argc, char **argv)
{
	int first, rc = cs_ctl_parse(cmd, ctl, argc, argv, NULL, false, &first);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (argc - first != 1)
		return cs_ctl_usage_error(cmd, "expected one PROFILE");
	return cs_ctl_load(ctl->segment, CS_SEG_OPEN_OR_CREATE, argv[first],
			   NULL);
}

const struct cs_ctl_command cs_cmd_load = {
	.name = "load",
	.synopsis = "[-s NAME] load PROFILE",
	.help = "Compiles PROFILE and makes it the rule table of the segment, which is\n"
		"created (mode 0600) if it does not exist yet. Counters start from zero.\n"
		"Attached programs follow at their next intercepted call.\n"
		"\n"
		"The seed is $CHAOS_SHIM_SEED if set, else the profile's `seed`, else a\n"
		"random one (shown by `status`).\n",
	.needs_segment = true,
	.run = load_main,
};
