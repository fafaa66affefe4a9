/* Fuzz target: the checks the shim runs on a segment it maps, on arbitrary
 * bytes. The first byte picks the form: bit 0 set, the bytes are the table
 * itself; clear, they are XORed over a valid table compiled from a profile
 * that uses every fault, so small inputs reach the deep checks. Bit 1 also
 * checks the bytes as a segment header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cs_profile.h"
#include "cs_segment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char base_profile[] =
	"seed = 7; log = \"/tmp/fuzz-events.jsonl\";\n"
	"rules = (\n"
	" { name = \"lat\"; calls = [\"connect\", \"send\"]; peer = \"10.0.0.0/8:80-90\";"
	"   fault = \"latency\"; delay_ms = 5; jitter_ms = 2; after = 3; count = 9;"
	"   at = [4, 6]; process = [\"curl\", \"*/bin/app\"]; start_after_ms = 1;"
	"   duration_ms = 100; period_ms = 10; active_ms = 5; },\n"
	" { name = \"rst\"; calls = [\"recv\"]; local = \"[::1]:443\"; proto = \"tcp\";"
	"   fault = \"reset\"; probability = 0.5; },\n"
	" { name = \"drop\"; calls = [\"send\"]; proto = \"udp\"; fault = \"drop\"; hang_ms = 10; },\n"
	" { name = \"err\"; calls = [\"dns\"]; host = \"*.example.com\"; fault = \"error\"; errno = \"EAI_AGAIN\"; },\n"
	" { name = \"cut\"; calls = [\"ssl_read\"]; fault = \"slice\"; max_bytes = 3; },\n"
	" { name = \"bw\"; calls = [\"ssl_write\"]; fault = \"bandwidth\"; bytes_per_s = 1000; },\n"
	" { name = \"die\"; calls = [\"accept\"]; enabled = false; fault = \"kill\"; signal = \"SIGTERM\"; },\n"
	" { name = \"skew\"; calls = [\"clock\"]; fault = \"clock_skew\"; offset_s = 86400; rate = 2.0; scope = \"tls\"; }\n"
	");\n";

static struct cs_table base, table;
static struct cs_segment segment;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512];
	if (!base.nrules &&
	    cs_profile_compile_string(base_profile, "base.cfg", &base, err,
				      sizeof err) < 0)
		abort();
	uint8_t mode = size ? data[0] : 0;
	if (size) {
		data++;
		size--;
	}
	uint8_t *bytes = (uint8_t *)&table;
	size_t n = size < sizeof table ? size : sizeof table;
	if (mode & 1) {
		memset(&table, 0, sizeof table);
		memcpy(&table, data, n);
	} else {
		memcpy(&table, &base, sizeof table);
		for (size_t i = 0; i < n; i++)
			bytes[i] ^= data[i];
	}
	if (cs_table_validate(&table, err, sizeof err) == 0) {
		/* What the shim does with a table that passed. */
		cs_table_armed_mask(&table);
		for (uint32_t i = 0; i < table.nrules; i++)
			if (cs_table_find(&table, table.rules[i].name) != (int)i)
				abort(); /* validation lets duplicates through */
	}
	if (mode & 2) {
		memset(&segment.hdr, 0, sizeof segment.hdr);
		memcpy(&segment.hdr, data,
		       size < sizeof segment.hdr ? size : sizeof segment.hdr);
		cs_segment_check_header(&segment, err, sizeof err);
	}
	return 0;
}
