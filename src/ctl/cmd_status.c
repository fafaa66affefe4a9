/* `status` and `stats`: what a segment holds and what it did, as text
 * tables or JSON. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cs_names.h"
#include "cs_profile.h"
#include "cs_schedule.h"
#include "ctl/ctl.h"

static void value_json(struct cs_json *j, const char *key,
		       const struct cs_value *v)
{
	switch (v->type) {
	case CS_VAL_BOOL:
		cs_json_bool(j, key, v->b);
		break;
	case CS_VAL_INT:
		cs_json_int(j, key, v->i);
		break;
	case CS_VAL_FLOAT:
		cs_json_double(j, key, v->f);
		break;
	case CS_VAL_STRING:
		cs_json_string(j, key, v->s);
		break;
	case CS_VAL_LIST:
		cs_json_array_begin(j, key);
		for (unsigned i = 0; i < v->nitems; i++) {
			if (v->item_type == CS_VAL_INT)
				cs_json_int(j, NULL, v->numbers[i]);
			else
				cs_json_string(j, NULL, v->items[i]);
		}
		cs_json_array_end(j);
		break;
	case CS_VAL_NONE:
	case CS_VAL_OTHER:
		cs_json_null(j, key);
		break;
	}
}

static void params_json(struct cs_json *j, const struct cs_rule *r)
{
	struct cs_param p;
	int rc;

	for (size_t i = 0; (rc = cs_rule_param(r, i, &p)) >= 0; i++)
		if (rc > 0)
			value_json(j, p.key, &p.value);
}

/* Whether the rule's time window is open now, and when that changes:
 * "-" for a rule without a window or disabled. */
static void window_text(const struct cs_rule *r, char *buf, size_t size)
{
	uint64_t change;
	bool open;

	if (!r->enabled || !cs_has_window(r)) {
		snprintf(buf, size, "-");
		return;
	}
	open = cs_window_open(r, cs_window_now_ns(), &change);
	if (!change)
		snprintf(buf, size, "%s", open ? "open" : "closed");
	else
		snprintf(buf, size, "%s for %.1f s", open ? "open" : "closed",
			 (double)change / 1e9);
}

static void window_json(struct cs_json *j, const struct cs_rule *r)
{
	uint64_t change = 0;
	bool open = !r->enabled || !cs_has_window(r) ||
		    cs_window_open(r, cs_window_now_ns(), &change);

	cs_json_bool(j, "in_window", r->enabled && open);
	if (change)
		cs_json_uint(j, "window_changes_in_ms", change / 1000000);
	else
		cs_json_null(j, "window_changes_in_ms");
}

/* ---- aligned text tables: one cell function, two passes (widths, then
 * rows). The last column is not padded. */

#define MAX_COLUMNS 8
#define CELL_MAX 2048

struct grid {
	size_t ncolumns;
	const char *titles[MAX_COLUMNS];
	bool right[MAX_COLUMNS]; /* numbers align right */
	void (*cell)(const struct cs_ctl_view *view, uint32_t rule,
		     size_t column, char *buf, size_t size);
};

static void print_row(FILE *out, const struct grid *g, const int *width,
		      char cells[][CELL_MAX])
{
	for (size_t c = 0; c < g->ncolumns; c++) {
		bool last = c + 1 == g->ncolumns;
		if (g->right[c])
			fprintf(out, "%*s", width[c], cells[c]);
		else
			fprintf(out, "%-*s", last ? 0 : width[c], cells[c]);
		fputs(last ? "\n" : "  ", out);
	}
}

static void print_grid(FILE *out, const struct cs_ctl_view *view,
		       const struct grid *g)
{
	static char cells[MAX_COLUMNS][CELL_MAX];
	int width[MAX_COLUMNS];

	for (size_t c = 0; c < g->ncolumns; c++)
		width[c] = (int)strlen(g->titles[c]);
	for (uint32_t r = 0; r < view->table.nrules; r++) {
		for (size_t c = 0; c < g->ncolumns; c++) {
			g->cell(view, r, c, cells[c], CELL_MAX);
			if ((int)strlen(cells[c]) > width[c])
				width[c] = (int)strlen(cells[c]);
		}
	}
	for (size_t c = 0; c < g->ncolumns; c++)
		snprintf(cells[c], CELL_MAX, "%s", g->titles[c]);
	print_row(out, g, width, cells);
	for (uint32_t r = 0; r < view->table.nrules; r++) {
		for (size_t c = 0; c < g->ncolumns; c++)
			g->cell(view, r, c, cells[c], CELL_MAX);
		print_row(out, g, width, cells);
	}
}

/* Columns of the stats table, which status extends. */
enum { COL_RULE, COL_ENABLED, COL_MATCHED, COL_INJECTED, COL_CALLS,
       COL_FAULT, COL_WINDOW, COL_PARAMETERS };

static void rule_cell(const struct cs_ctl_view *view, uint32_t rule,
		      int column, char *buf, size_t size)
{
	const struct cs_rule *r = &view->table.rules[rule];

	switch (column) {
	case COL_RULE:
		snprintf(buf, size, "%s", r->name);
		break;
	case COL_ENABLED:
		snprintf(buf, size, "%s", r->enabled ? "yes" : "no");
		break;
	case COL_MATCHED:
		snprintf(buf, size, "%" PRIu64, view->matched[rule]);
		break;
	case COL_INJECTED:
		snprintf(buf, size, "%" PRIu64, view->injected[rule]);
		break;
	case COL_CALLS:
		cs_ctl_calls_text(r->calls, buf, size);
		break;
	case COL_FAULT:
		snprintf(buf, size, "%s", cs_fault_name(r->fault));
		break;
	case COL_WINDOW:
		window_text(r, buf, size);
		break;
	case COL_PARAMETERS:
		cs_ctl_params_text(r, buf, size);
		break;
	}
}

static const int stats_columns[] = {COL_RULE, COL_ENABLED, COL_MATCHED,
				    COL_INJECTED};
static const int status_columns[] = {COL_RULE,    COL_ENABLED, COL_CALLS,
				     COL_FAULT,   COL_MATCHED, COL_INJECTED,
				     COL_WINDOW,  COL_PARAMETERS};

static void stats_cell(const struct cs_ctl_view *view, uint32_t rule,
		       size_t column, char *buf, size_t size)
{
	rule_cell(view, rule, stats_columns[column], buf, size);
}

static void status_cell(const struct cs_ctl_view *view, uint32_t rule,
			size_t column, char *buf, size_t size)
{
	rule_cell(view, rule, status_columns[column], buf, size);
}

static const struct grid stats_grid = {
	.ncolumns = 4,
	.titles = {"RULE", "ENABLED", "MATCHED", "INJECTED"},
	.right = {false, false, true, true},
	.cell = stats_cell,
};

static const struct grid status_grid = {
	.ncolumns = 8,
	.titles = {"RULE", "ENABLED", "CALLS", "FAULT", "MATCHED", "INJECTED",
		   "WINDOW", "PARAMETERS"},
	.right = {false, false, false, false, true, true, false, false},
	.cell = status_cell,
};

/* HTTP faults act on HTTP/1.x: the HTTP/2 connections they let through. */
static void print_http2_passed(FILE *out, const struct cs_ctl_view *view)
{
	for (uint32_t i = 0; i < view->table.nrules; i++)
		if (view->http2_passed[i])
			fprintf(out,
				"rule '%s': %" PRIu64 " HTTP/2 connection%s let through untouched\n",
				view->table.rules[i].name, view->http2_passed[i],
				view->http2_passed[i] == 1 ? "" : "s");
}

/* The same in a rule's JSON object. */
static void http2_json(struct cs_json *j, const struct cs_ctl_view *view,
		       uint32_t i)
{
	if (cs_fault_is_http(view->table.rules[i].fault))
		cs_json_uint(j, "http2_passed", view->http2_passed[i]);
}

void cs_ctl_print_stats(FILE *out, const struct cs_ctl_view *view)
{
	if (view->table.nrules == 0)
		fputs("no rules\n", out);
	else
		print_grid(out, view, &stats_grid);
	print_http2_passed(out, view);
	if (view->log_lost)
		fprintf(out, "event log: %" PRIu64 " lines lost\n", view->log_lost);
}

/* ---- the two commands */

static void print_status_text(const char *segment,
			      const struct cs_ctl_view *view)
{
	const struct cs_table *t = &view->table;

	printf("segment     %s\n", segment);
	printf("state       %s\n", view->paused ? "paused" : "active");
	printf("generation  %" PRIu64 "\n", view->generation);
	printf("seed        %" PRIu64 " (%s)\n", t->seed,
	       t->has_seed ? "fixed" : "random");
	printf("log         %s\n", t->log_path[0] ? t->log_path : "none");
	printf("processes  ");
	for (size_t i = 0; i < view->npids; i++)
		printf(" %d", (int)view->pids[i]);
	printf("%s\n\n", view->npids ? "" : " none");
	if (t->nrules == 0)
		printf("no rules: load a profile with `chaos-shim-ctl -s %s load PROFILE`\n",
		       segment);
	else
		print_grid(stdout, view, &status_grid);
	print_http2_passed(stdout, view);
}

static void print_status_json(const char *segment,
			      const struct cs_ctl_view *view)
{
	const struct cs_table *t = &view->table;
	struct cs_json j;

	cs_json_init(&j, stdout);
	cs_json_object_begin(&j, NULL);
	cs_json_string(&j, "segment", segment);
	cs_json_bool(&j, "paused", view->paused);
	cs_json_uint(&j, "generation", view->generation);
	cs_json_uint(&j, "seed", t->seed);
	cs_json_bool(&j, "seed_random", !t->has_seed);
	cs_json_string(&j, "log", t->log_path[0] ? t->log_path : NULL);
	cs_json_array_begin(&j, "armed");
	for (int f = 0; f < CS_FAM_COUNT; f++)
		if (view->armed & CS_BIT(f))
			cs_json_string(&j, NULL, cs_family_name(f));
	/* A tls-scoped skew arms the certificate check, not the clock. */
	if (view->armed & CS_ARM_CERT_CHECK)
		cs_json_string(&j, NULL, "cert_check");
	cs_json_array_end(&j);
	cs_json_array_begin(&j, "pids");
	for (size_t i = 0; i < view->npids; i++)
		cs_json_int(&j, NULL, view->pids[i]);
	cs_json_array_end(&j);
	cs_json_array_begin(&j, "rules");
	for (uint32_t i = 0; i < t->nrules; i++) {
		const struct cs_rule *r = &t->rules[i];
		cs_json_object_begin(&j, NULL);
		cs_json_string(&j, "name", r->name);
		cs_json_bool(&j, "enabled", r->enabled);
		cs_json_array_begin(&j, "calls");
		for (int f = 0; f < CS_FAM_COUNT; f++)
			if (r->calls & CS_BIT(f))
				cs_json_string(&j, NULL, cs_family_name(f));
		cs_json_array_end(&j);
		cs_json_string(&j, "fault", cs_fault_name(r->fault));
		params_json(&j, r);
		window_json(&j, r);
		cs_json_uint(&j, "matched", view->matched[i]);
		cs_json_uint(&j, "injected", view->injected[i]);
		http2_json(&j, view, i);
		cs_json_object_end(&j);
	}
	cs_json_array_end(&j);
	cs_json_object_end(&j);
	cs_json_finish(&j);
}

static void print_stats_json(const char *segment,
			     const struct cs_ctl_view *view)
{
	struct cs_json j;

	cs_json_init(&j, stdout);
	cs_json_object_begin(&j, NULL);
	cs_json_string(&j, "segment", segment);
	cs_json_bool(&j, "paused", view->paused);
	cs_json_uint(&j, "log_lost", view->log_lost);
	cs_json_array_begin(&j, "rules");
	for (uint32_t i = 0; i < view->table.nrules; i++) {
		cs_json_object_begin(&j, NULL);
		cs_json_string(&j, "name", view->table.rules[i].name);
		cs_json_bool(&j, "enabled", view->table.rules[i].enabled);
		cs_json_uint(&j, "matched", view->matched[i]);
		cs_json_uint(&j, "injected", view->injected[i]);
		http2_json(&j, view, i);
		cs_json_object_end(&j);
	}
	cs_json_array_end(&j);
	cs_json_object_end(&j);
	cs_json_finish(&j);
}

static int report_main(const struct cs_ctl_command *cmd,
		       struct cs_ctl *ctl, int argc, char **argv)
{
	bool json = false, reset = false, stats = cmd == &cs_cmd_stats;
	const struct cs_ctl_opt status_opts[] = {{"json", 'j', &json, NULL}, {0}};
	const struct cs_ctl_opt stats_opts[] = {{"json", 'j', &json, NULL},
						{"reset", 'r', &reset, NULL},
						{0}};
	struct cs_ctl_view *view;
	struct chaos_shim_segment seg;
	struct chaos_shim_error err;
	int rc = cs_ctl_parse_options(cmd, ctl, argc, argv,
				      stats ? stats_opts : status_opts);

	if (rc != CS_CTL_CONTINUE)
		return rc;
	view = malloc(sizeof(*view));
	if (!view) {
		cs_ctl_error("out of memory");
		return CS_EXIT_FAILED;
	}
	seg = cs_ctl_named(ctl->segment);
	if (cs_ctl_collect(&seg, reset, view, &err) < 0) {
		free(view);
		return cs_ctl_report(-1, &err);
	}
	if (stats && json)
		print_stats_json(ctl->segment, view);
	else if (stats)
		cs_ctl_print_stats(stdout, view);
	else if (json)
		print_status_json(ctl->segment, view);
	else
		print_status_text(ctl->segment, view);
	free(view);
	return CS_EXIT_OK;
}

const struct cs_ctl_command cs_cmd_status = {
	.name = "status",
	.synopsis = "[-s NAME] status [--json]",
	.help = "Shows the segment: paused or active, generation, seed, event log, the\n"
		"attached processes that still run, and every rule with its calls,\n"
		"fault, counters and parameters (spelt as in a profile).\n"
		"\n"
		"options:\n"
		"  -j, --json  one JSON document instead of text\n",
	.needs_segment = true,
	.run = report_main,
};

const struct cs_ctl_command cs_cmd_stats = {
	.name = "stats",
	.synopsis = "[-s NAME] stats [--json] [--reset]",
	.help = "Shows per rule how many calls matched and how many faults were\n"
		"injected, across every attached process.\n"
		"\n"
		"options:\n"
		"  -j, --json   one JSON document instead of text\n"
		"  -r, --reset  zero the counters after reading them\n",
	.needs_segment = true,
	.run = report_main,
};
