/* `profiles`: the installed scenario profiles, one line each: the name
 * that `run -p NAME` takes and the first sentence of its description. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl/ctl.h"

#define WIDTH 60 /* of a description, so that a line fits 80 columns */

/* A profile opens with "# NAME: what it does. More...": the text between
 * "NAME: " and the end of the first sentence, over as many comment lines
 * as it takes. */
static void describe(const char *path, const char *name, char *out,
		     size_t len)
{
	char line[512];
	size_t used = 0;
	struct stat st;
	/* Only a regular file: a FIFO among the profiles must not block. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	FILE *f = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode)
			  ? fdopen(fd, "r")
			  : NULL;

	out[0] = '\0';
	if (!f) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f) && line[0] == '#') {
		char *text = line + 1 + (line[1] == ' ');
		text[strcspn(text, "\n")] = '\0';
		size_t nlen = strlen(name);
		if (!used && !strncmp(text, name, nlen) && text[nlen] == ':')
			text += nlen + 1 + (text[nlen + 1] == ' ');
		if (!*text)
			break;
		char *stop = strstr(text, ". ");
		if (!stop && text[strlen(text) - 1] == '.')
			stop = text + strlen(text) - 1;
		if (stop)
			stop[1] = '\0';
		used += (size_t)snprintf(out + used, len - used, "%s%s",
					 used ? " " : "", text);
		if (stop || used >= len - 1)
			break;
	}
	fclose(f);
	if (used > WIDTH) { /* one line: cut at a word, and say so */
		char *space = out + WIDTH - 3;
		while (space > out && *space != ' ')
			space--;
		strcpy(space > out ? space : out + WIDTH - 3, "...");
	}
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_profile(const struct dirent *e)
{
	size_t n = strlen(e->d_name);
	return n > 4 && !strcmp(e->d_name + n - 4, ".cfg");
}

static int profiles_main(const struct cs_ctl_command *cmd, struct cs_ctl *ctl,
			 int argc, char **argv)
{
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + sizeof("/.cfg")], text[1024];
	struct dirent **entries;
	int rc = cs_ctl_parse_options(cmd, ctl, argc, argv, NULL), n;

	if (rc != CS_CTL_CONTINUE)
		return rc;
	if (cs_ctl_profile_dir(dir, sizeof(dir)) < 0 ||
	    (n = scandir(dir, &entries, is_profile, by_name)) < 0) {
		cs_ctl_error("no installed profiles found beside this program "
			     "(looked in ../share/chaos-shim/profiles, ../profiles and ../../profiles)");
		return CS_EXIT_FAILED;
	}
	printf("# %s\n", dir);
	for (int i = 0; i < n; i++) {
		char *name = entries[i]->d_name;
		name[strlen(name) - 4] = '\0';
		snprintf(path, sizeof(path), "%s/%s.cfg", dir, name);
		describe(path, name, text, sizeof(text));
		printf("%-18s %s\n", name, text);
		free(entries[i]);
	}
	free(entries);
	return CS_EXIT_OK;
}

const struct cs_ctl_command cs_cmd_profiles = {
	.name = "profiles",
	.synopsis = "profiles",
	.help = "Lists the installed scenario profiles, each with what it does. Any of\n"
		"these names can be given to `run -p`, `load` and `check` in place of a\n"
		"path: a PROFILE without a '/' that is not a file in the current\n"
		"directory is looked up here.\n",
	.run = profiles_main,
};
