/* The profile compiler: reads a libconfig profile and fills a cs_table,
 * naming the file, line and rule in every error. */
#include "cs_profile.h"

#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/rule_keys.h"
#include "cs_int_literals.h"
#include "cs_names.h"

/* What every step needs: the profile as the user named it, and room for
 * the path of an included file. */
struct ctx {
	const char *origin;
	char *err;
	size_t errlen;
	char included[CS_PATH_MAX];
};

/* libconfig names an included file as the @include line wrote it, relative
 * to the profile's folder; messages give a path the user can open. */
static const char *file_of(const char *file, struct ctx *c)
{
	const char *slash = strrchr(c->origin, '/');
	if (!file || strcmp(file, c->origin) == 0)
		return c->origin;
	if (file[0] == '/' || !slash)
		return file;
	snprintf(c->included, sizeof(c->included), "%.*s/%s",
		 (int)(slash - c->origin), c->origin, file);
	return c->included;
}

static struct cs_where where_of(const config_setting_t *s, struct ctx *c)
{
	struct cs_where w = { .origin = file_of(config_setting_source_file(s), c),
			      .line = config_setting_source_line(s) };
	return w;
}

/* A setting's value; -1 when a list is longer than CS_LIST_MAX. */
static int value_from_setting(const config_setting_t *s, struct cs_value *v)
{
	memset(v, 0, sizeof(*v));
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v->type = CS_VAL_INT;
		v->i = config_setting_get_int64(s);
		return 0;
	case CONFIG_TYPE_FLOAT:
		v->type = CS_VAL_FLOAT;
		v->f = config_setting_get_float(s);
		return 0;
	case CONFIG_TYPE_BOOL:
		v->type = CS_VAL_BOOL;
		v->b = config_setting_get_bool(s);
		return 0;
	case CONFIG_TYPE_STRING:
		v->type = CS_VAL_STRING;
		v->s = config_setting_get_string(s);
		return 0;
	case CONFIG_TYPE_ARRAY:
	case CONFIG_TYPE_LIST:
		v->type = CS_VAL_LIST;
		if (config_setting_length(s) > CS_LIST_MAX)
			return -1;
		for (int i = 0; i < config_setting_length(s); i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			int type = config_setting_type(e);
			enum cs_value_type item =
				type == CONFIG_TYPE_STRING ? CS_VAL_STRING
				: type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64
					? CS_VAL_INT
					: CS_VAL_OTHER;
			if (item == CS_VAL_OTHER || (i && item != v->item_type)) {
				v->type = CS_VAL_OTHER;
				return 0;
			}
			v->item_type = item;
			if (item == CS_VAL_STRING)
				v->items[v->nitems++] = config_setting_get_string(e);
			else
				v->numbers[v->nitems++] = config_setting_get_int64(e);
		}
		return 0;
	default:
		v->type = CS_VAL_OTHER;
		return 0;
	}
}

int cs_key_apply_setting(const struct cs_key *k, struct cs_rule *r,
			 const config_setting_t *s, const struct cs_where *w,
			 char *err, size_t errlen)
{
	struct cs_value v;
	if (value_from_setting(s, &v) < 0)
		return cs_where_fail(w, err, errlen, "key '%s' has more than %d entries",
				     k->name, CS_LIST_MAX);
	return cs_key_apply(k, r, &v, w, err, errlen);
}

static int apply_member(const struct cs_key *k, const config_setting_t *m,
			struct cs_rule *r, const struct cs_where *rule_where,
			struct ctx *c)
{
	struct cs_where w = where_of(m, c);
	w.rule = rule_where->rule;
	w.index = rule_where->index;
	return cs_key_apply_setting(k, r, m, &w, c->err, c->errlen);
}

static int compile_rule(const config_setting_t *g, unsigned index,
			struct cs_table *t, struct ctx *c)
{
	char *err = c->err;
	size_t errlen = c->errlen;
	struct cs_rule *r = &t->rules[t->nrules];
	struct cs_where w = where_of(g, c);
	const config_setting_t *name = config_setting_get_member(g, "name");

	w.index = index;
	cs_rule_defaults(r);
	r->line = w.line;
	if (!name) {
		snprintf(err, errlen, "rule %u has no name (%s:%u)", index, w.origin,
			 w.line);
		return -1;
	}
	if (apply_member(cs_key_find("name"), name, r, &w, c) < 0)
		return -1;
	w.rule = r->name;
	for (uint32_t j = 0; j < t->nrules; j++)
		if (strcmp(t->rules[j].name, r->name) == 0) {
			snprintf(err, errlen,
				 "duplicate rule name '%s' (%s:%u), first defined at line %u",
				 r->name, w.origin, w.line, t->rules[j].line);
			return -1;
		}

	for (int i = 0; i < config_setting_length(g); i++) {
		const config_setting_t *m = config_setting_get_elem(g, (unsigned)i);
		if (!cs_key_find(config_setting_name(m))) {
			struct cs_where mw = where_of(m, c);
			mw.rule = r->name;
			return cs_where_fail(&mw, err, errlen, "unknown key '%s'",
					     config_setting_name(m));
		}
	}
	for (size_t i = 0; i < cs_nkeys; i++)
		if ((cs_keys[i].flags & CS_KEY_REQUIRED) &&
		    !config_setting_get_member(g, cs_keys[i].name))
			return cs_where_fail(&w, err, errlen, "missing key '%s'",
					     cs_keys[i].name);
	for (size_t i = 0; i < cs_nkeys; i++) {
		const struct cs_key *k = &cs_keys[i];
		const config_setting_t *m = config_setting_get_member(g, k->name);
		if (m && !(k->flags & CS_KEY_IDENTITY) &&
		    apply_member(k, m, r, &w, c) < 0)
			return -1;
	}
	for (size_t i = 0; i < cs_nkeys; i++)
		if ((cs_keys[i].flags & CS_KEY_NEEDED) &&
		    cs_key_applies(&cs_keys[i], r) &&
		    !config_setting_get_member(g, cs_keys[i].name))
			return cs_where_fail(&w, err, errlen,
					     "missing key '%s' for fault '%s'",
					     cs_keys[i].name, cs_fault_name(r->fault));
	if (cs_rule_check_use(r, &w, err, errlen) < 0)
		return -1;
	t->nrules++;
	return 0;
}

static int compile_rules(const config_setting_t *s, struct cs_table *t,
			 struct ctx *c)
{
	char *err = c->err;
	size_t errlen = c->errlen;
	struct cs_where w = where_of(s, c);
	int n = config_setting_length(s);

	/* `rules = [];` is an empty array, which reads as no rules too. */
	if (config_setting_type(s) != CONFIG_TYPE_LIST &&
	    !(config_setting_type(s) == CONFIG_TYPE_ARRAY && n == 0))
		return cs_where_fail(&w, err, errlen,
				     "key 'rules' must be a list of groups");
	if (n > CS_MAX_RULES)
		return cs_where_fail(&w, err, errlen, "too many rules: %d, at most %d",
				     n, CS_MAX_RULES);
	for (int i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(g) != CONFIG_TYPE_GROUP) {
			struct cs_where gw = where_of(g, c);
			return cs_where_fail(&gw, err, errlen,
					     "rule %d is not a group in braces", i + 1);
		}
		if (compile_rule(g, (unsigned)i + 1, t, c) < 0)
			return -1;
	}
	return 0;
}

static int compile_log(const config_setting_t *s, struct cs_table *t,
		       struct ctx *c)
{
	char *err = c->err;
	size_t errlen = c->errlen;
	struct cs_where w = where_of(s, c);
	const char *path = config_setting_get_string(s);
	char cwd[CS_PATH_MAX];
	int n;

	if (!path)
		return cs_where_fail(&w, err, errlen, "key 'log' must be a string");
	if (!path[0] || path[0] == '/') {
		n = snprintf(t->log_path, sizeof(t->log_path), "%s", path);
	} else {
		/* The shim runs in other directories than the one the user
		 * typed the path in: pin it now. */
		if (!getcwd(cwd, sizeof(cwd)))
			return cs_where_fail(&w, err, errlen,
					     "cannot make log path '%s' absolute: %s",
					     path, strerror(errno));
		n = snprintf(t->log_path, sizeof(t->log_path), "%s/%s",
			     strcmp(cwd, "/") ? cwd : "", path);
	}
	if (n < 0 || (size_t)n >= sizeof(t->log_path)) {
		t->log_path[0] = '\0';
		return cs_where_fail(&w, err, errlen, "log path is longer than %zu bytes",
				     sizeof(t->log_path) - 1);
	}
	return 0;
}

static int compile_config(const config_t *cfg, struct cs_table *t,
			  struct ctx *c)
{
	char *err = c->err;
	size_t errlen = c->errlen;
	const config_setting_t *root = config_root_setting(cfg);

	for (int i = 0; i < config_setting_length(root); i++) {
		const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const char *key = config_setting_name(s);
		struct cs_where w = where_of(s, c);
		int rc;

		if (strcmp(key, "seed") == 0) {
			int type = config_setting_type(s);
			if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
				return cs_where_fail(&w, err, errlen,
						     "key 'seed' must be an integer");
			if (config_setting_get_int64(s) < 0)
				return cs_where_fail(&w, err, errlen,
						     "seed %lld must be at least 0",
						     config_setting_get_int64(s));
			t->seed = (uint64_t)config_setting_get_int64(s);
			t->has_seed = 1;
			rc = 0;
		} else if (strcmp(key, "log") == 0) {
			rc = compile_log(s, t, c);
		} else if (strcmp(key, "rules") == 0) {
			rc = compile_rules(s, t, c);
		} else {
			rc = cs_where_fail(&w, err, errlen, "unknown top-level key '%s'", key);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Reads the parsed profile, or reports why libconfig could not parse it. */
static int compile_parsed(const config_t *cfg, int parsed, const char *origin,
			  struct cs_table *t, char *err, size_t errlen)
{
	struct ctx c = { .origin = origin, .err = err, .errlen = errlen };
	const char *text = config_error_text(cfg);

	if (parsed)
		return compile_config(cfg, t, &c);
	/* libconfig's most common text is the bare "syntax error". */
	snprintf(err, errlen, "syntax error%s%s (%s:%d)",
		 strcmp(text, "syntax error") ? ": " : "",
		 strcmp(text, "syntax error") ? text : "",
		 file_of(config_error_file(cfg), &c), config_error_line(cfg));
	return -1;
}

/* Profiles are small: anything larger is a mistake, not a profile. */
#define PROFILE_MAX (1 << 20)
#define INCLUDE_DEPTH 10 /* as deep as libconfig follows them */

/* Reads a regular file into a new NUL-terminated buffer. Opens without
 * blocking, so that a FIFO or a device named as a profile is refused
 * instead of hanging the program at start. */
static char *read_regular(const char *path, const char *what, char *err,
			  size_t errlen)
{
	struct stat st = {0};
	char *text = NULL;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

	if (fd < 0) {
		snprintf(err, errlen, "cannot read %s '%s': %s", what, path,
			 strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot read %s '%s': %s", what, path,
			 S_ISDIR(st.st_mode) ? strerror(EISDIR) : "not a regular file");
		goto fail;
	}
	if (st.st_size > PROFILE_MAX) {
		snprintf(err, errlen, "cannot read %s '%s': larger than %d bytes",
			 what, path, PROFILE_MAX);
		goto fail;
	}
	text = malloc((size_t)st.st_size + 1);
	while (text && len < (size_t)st.st_size) {
		ssize_t n = read(fd, text + len, (size_t)st.st_size - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shrank meanwhile: parse what was there */
		len += (size_t)n;
	}
	if (!text) {
		snprintf(err, errlen, "cannot read %s '%s': %s", what, path,
			 strerror(ENOMEM));
		goto fail;
	}
	text[len] = '\0';
	close(fd);
	return text;
fail:
	close(fd);
	return NULL;
}

/* libconfig reads an included file itself, where no suffix can be added:
 * there, an integer too wide for 32 bits must carry its L. */
static int check_wide_ints(const char *text, const char *file, char *err,
			   size_t errlen)
{
	unsigned line = 1;
	const char *end, *lit = cs_wide_int_next(text, &end, &line);

	if (!lit)
		return 0;
	snprintf(err, errlen,
		 "integer %.*s is wider than 32 bits: in an included file, write it %.*sL (%s:%u)",
		 (int)(end - lit), lit, (int)(end - lit), lit, file, line);
	return -1;
}

/* libconfig (1.5 has no hook for it) opens @include files itself, with a
 * blocking fopen: every file the text includes, and every file those
 * include, must be a regular file before libconfig may see the text. A
 * file that does not exist is left for libconfig to report. */
static int check_includes(const char *text, const char *dir, const char *file,
			  int depth, char *err, size_t errlen)
{
	unsigned line = 1;

	for (const char *p = text; *p; line++) {
		const char *end = strchr(p, '\n');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		char name[CS_PATH_MAX], path[2 * CS_PATH_MAX];
		struct stat st;
		int len = 0;
		const char *q = p + strspn(p, " \t");

		p += n + (end != NULL);
		if (strncmp(q, "@include", 8) != 0 ||
		    sscanf(q + 8, " \"%1023[^\"]\"%n", name, &len) != 1 || !len)
			continue;
		snprintf(path, sizeof(path), "%s%s%s", name[0] == '/' ? "" : dir,
			 name[0] == '/' ? "" : "/", name);
		if (stat(path, &st) < 0)
			continue;
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen,
				 "cannot read included file '%s': not a regular file (%s:%u)",
				 path, file, line);
			return -1;
		}
		if (depth >= INCLUDE_DEPTH)
			continue; /* libconfig refuses deeper ones itself */
		char *inner = read_regular(path, "included file", err, errlen);
		if (!inner)
			return -1;
		int rc = check_wide_ints(inner, path, err, errlen);
		if (rc == 0)
			rc = check_includes(inner, dir, path, depth + 1, err, errlen);
		free(inner);
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* Parses text, its wide integers made 64-bit, and compiles it. */
static int compile_text(const char *text, const char *include_dir,
			const char *origin, struct cs_table *table, char *err,
			size_t errlen)
{
	config_t cfg;
	char *wide = cs_wide_ints_suffixed(text);
	int rc;

	if (!wide) {
		snprintf(err, errlen, "cannot read profile '%s': %s", origin,
			 strerror(ENOMEM));
		return -1;
	}
	config_init(&cfg);
	if (include_dir)
		config_set_include_dir(&cfg, include_dir);
	rc = compile_parsed(&cfg, config_read_string(&cfg, wide), origin, table,
			    err, errlen);
	config_destroy(&cfg);
	free(wide);
	return rc;
}

int cs_profile_compile_file(const char *path, struct cs_table *table,
			    char *err, size_t errlen)
{
	char buf[CS_PATH_MAX];
	const char *dir;
	char *text;
	int rc;

	memset(table, 0, sizeof(*table));
	text = read_regular(path, "profile", err, errlen);
	if (!text)
		return -1;
	/* @include paths are relative to the profile, not to the cwd. */
	snprintf(buf, sizeof(buf), "%s", path);
	dir = dirname(buf);
	if (check_includes(text, dir, path, 1, err, errlen) < 0) {
		free(text);
		return -1;
	}
	rc = compile_text(text, dir, path, table, err, errlen);
	free(text);
	return rc;
}

int cs_profile_compile_string(const char *text, const char *origin,
			      struct cs_table *table, char *err, size_t errlen)
{
	memset(table, 0, sizeof(*table));
	return compile_text(text, NULL, origin, table, err, errlen);
}
