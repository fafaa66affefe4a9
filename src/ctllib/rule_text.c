/* A rule's calls and parameters as text, spelt as the profile language
 * spells them, so that `status` shows what `set` takes back. */
#include <stdio.h>

#include "cs_names.h"
#include "cs_profile.h"
#include "ctllib/ctllib.h"

void cs_ctl_calls_text(uint32_t calls, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (int f = 0; f < CS_FAM_COUNT; f++)
		if (calls & CS_BIT(f))
			len += (size_t)snprintf(buf + len, len < size ? size - len : 0,
						"%s%s", len ? "," : "",
						cs_family_name(f));
}

void cs_ctl_params_text(const struct cs_rule *r, char *buf, size_t size)
{
	struct cs_param p;
	char value[CS_PARAM_TEXT_MAX];
	size_t len = 0;
	int rc;

	buf[0] = '\0';
	for (size_t i = 0; (rc = cs_rule_param(r, i, &p)) >= 0 && len < size; i++) {
		if (rc == 0 || p.value.type == CS_VAL_NONE)
			continue;
		cs_param_text(&p, value, sizeof(value));
		len += (size_t)snprintf(buf + len, size - len, "%s%s=%s",
					len ? " " : "", p.key, value);
	}
}
