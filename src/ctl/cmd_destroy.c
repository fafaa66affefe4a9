/* `destroy`: stop the attached programs' faults and remove the segment. */
#include "ctl/ctl.h"

static int destroy_main(const struct cs_ctl_command *cmd,
			struct cs_ctl *ctl, int argc, char **argv)
{
	char err[512];
	int rc = cs_ctl_parse_options(cmd, ctl, argc, argv, NULL);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	/* Attached programs keep their mapping after the unlink: pause first so
	 * that they stop injecting. A segment too broken to open (an older
	 * layout, say) is removed all the same. */
	cs_ctl_set_paused(ctl->segment, true, err, sizeof(err));
	if (cs_segment_destroy(ctl->segment, err, sizeof(err)) < 0) {
		cs_ctl_error("%s", err);
		return CS_EXIT_FAILED;
	}
	return CS_EXIT_OK;
}

const struct cs_ctl_command cs_cmd_destroy = {
	.name = "destroy",
	.synopsis = "[-s NAME] destroy",
	.help = "Removes the segment. Programs still attached are paused first, so\n"
		"they stop injecting faults; a later `load` under the same name creates\n"
		"a new segment that they do not see. Fails when there is no such\n"
		"segment.\n",
	.needs_segment = true,
	.run = destroy_main,
};
