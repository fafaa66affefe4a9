/* The compiled rule table: the flat, pointer-free form of a profile that the
 * control segment carries and every shim process validates before use. */
#ifndef CS_TABLE_H
#define CS_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_MAX_RULES 64
#define CS_NAME_MAX 64   /* rule name, NUL included */
#define CS_HOST_MAX 256  /* dns host pattern, NUL included */
#define CS_PATH_MAX 1024 /* event log path, NUL included */
#define CS_AT_MAX 16     /* match numbers of `at` */
#define CS_PROCESS_MAX 256 /* `process` patterns, each with its NUL */
#define CS_HTTP_METHOD_MAX 16   /* http_method, NUL included */
#define CS_HTTP_PATH_MAX 256    /* http_path, NUL included */
#define CS_HTTP_HEADERS_MAX 512 /* headers, each ended by a NUL, "" ends them */
#define CS_HTTP_BODY_MAX 512    /* body, NUL included */

/* Call families: what a rule's `calls` names. */
enum cs_family {
	CS_FAM_CONNECT,
	CS_FAM_ACCEPT,
	CS_FAM_SEND,
	CS_FAM_RECV,
	CS_FAM_SSL_READ,
	CS_FAM_SSL_WRITE,
	CS_FAM_SSL_HANDSHAKE,
	CS_FAM_CLOCK,
	CS_FAM_DNS,
	CS_FAM_CLOSE, /* close of a socket: slow_close */
	CS_FAM_COUNT
};
#define CS_BIT(family) (1u << (family))
#define CS_SOCKET_FAMILIES                                                     \
	(CS_BIT(CS_FAM_CONNECT) | CS_BIT(CS_FAM_ACCEPT) | CS_BIT(CS_FAM_SEND) |     \
	 CS_BIT(CS_FAM_RECV))
#define CS_SSL_FAMILIES                                                        \
	(CS_BIT(CS_FAM_SSL_READ) | CS_BIT(CS_FAM_SSL_WRITE) |                       \
	 CS_BIT(CS_FAM_SSL_HANDSHAKE))
#define CS_ALL_FAMILIES (CS_BIT(CS_FAM_COUNT) - 1u)
/* The calls that carry an HTTP request, and those that carry its response
 * (armed with them, to hand a fabricated one over). */
#define CS_HTTP_REQUEST_FAMILIES (CS_BIT(CS_FAM_SEND) | CS_BIT(CS_FAM_SSL_WRITE))
#define CS_HTTP_RESPONSE_FAMILIES (CS_BIT(CS_FAM_RECV) | CS_BIT(CS_FAM_SSL_READ))
/* One more bit of the armed mask: a clock_skew with scope "tls" arms the
 * certificate check only, so that every other clock read stays idle. */
#define CS_ARM_CERT_CHECK (1u << 31)

enum cs_fault {
	CS_FAULT_LATENCY,
	CS_FAULT_RESET,
	CS_FAULT_DROP,
	CS_FAULT_ERROR,
	CS_FAULT_SLICE,
	CS_FAULT_BANDWIDTH,
	CS_FAULT_KILL,
	CS_FAULT_CLOCK_SKEW,
	CS_FAULT_LOSS, /* TCP: retransmission delay; UDP: a lost datagram */
	CS_FAULT_EOF,  /* a read returns 0 once, as after the peer's FIN */
	CS_FAULT_LIMIT_DATA, /* a connection ends after so many bytes */
	CS_FAULT_DUPLICATE,  /* UDP: a datagram is sent twice */
	CS_FAULT_CORRUPT,    /* UDP: bits of a received datagram flipped */
	CS_FAULT_SLOW_CLOSE, /* a close reaches the peer late */
	CS_FAULT_REORDER,    /* UDP: a datagram overtaken by later ones */
	CS_FAULT_HTTP_RESPONSE, /* a fabricated HTTP/1.x response */
	CS_FAULT_HTTP_DELAY,    /* an HTTP response's first byte late */
	CS_FAULT_COUNT
};

/* The faults that act on HTTP requests. */
static inline bool cs_fault_is_http(unsigned fault)
{
	return fault == CS_FAULT_HTTP_RESPONSE || fault == CS_FAULT_HTTP_DELAY;
}

enum cs_proto { CS_PROTO_ANY, CS_PROTO_TCP, CS_PROTO_UDP };
enum cs_scope { CS_SCOPE_PROCESS, CS_SCOPE_TLS };
/* How limit_data ends a connection: a FIN both ways, an RST, a partition. */
enum cs_limit_end { CS_LIMIT_CLOSE, CS_LIMIT_RESET, CS_LIMIT_HANG };
#define CS_LIMIT_BYTES_MAX ((1ull << 40) - 1) /* what a per-fd count holds */
#define CS_REORDER_WINDOW_MAX 1000

/* An endpoint pattern, `[ADDR[/PREFIX]][:PORT[-PORT]]`, pre-parsed. */
struct cs_endpoint {
	uint8_t family;     /* 0: any address; AF_INET or AF_INET6 */
	uint8_t prefix_len; /* bits of addr that must match */
	uint16_t port_lo;   /* host order; 0..65535 means any port */
	uint16_t port_hi;
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
};

/* A concrete socket address as the matcher sees it. */
struct cs_sockaddr {
	uint8_t family; /* 0 when unknown or not IP (unix sockets) */
	uint16_t port;  /* host order */
	uint8_t addr[16];
};

struct cs_rule {
	char name[CS_NAME_MAX];
	char host[CS_HOST_MAX]; /* dns only; "" = any host */
	uint32_t calls;         /* CS_BIT(family) mask */
	uint32_t line;          /* line in the profile, for messages */
	uint8_t enabled;
	uint8_t fault; /* enum cs_fault */
	uint8_t proto; /* enum cs_proto */
	uint8_t scope; /* enum cs_scope */
	uint8_t monotonic;
	uint8_t has_peer;
	uint8_t has_local;
	uint8_t reserved;
	struct cs_endpoint peer;
	struct cs_endpoint local;
	double probability; /* 0..1 */
	uint64_t after;     /* let the first N matches through */
	uint64_t count;     /* at most N injections; 0 = no limit */
	uint32_t delay_ms;
	uint32_t jitter_ms;
	uint32_t hang_ms; /* 0: the socket's own timeout, else the default */
	uint32_t rto_ms;  /* loss: the first retransmission timeout */
	uint32_t max_bytes;
	uint64_t bytes_per_s;
	int32_t error;  /* errno value, or EAI_* code for the dns family */
	int32_t signal; /* kill */
	int64_t offset_ns; /* clock_skew */
	double rate;       /* clock_skew; 1.0 = true speed */
	int64_t anchor_ns; /* true CLOCK_REALTIME when the rate last took effect */
	int64_t drift_ns;  /* what the rate had added up to by then */
	/* When the rule may inject (cs_schedule.h). */
	uint64_t at[CS_AT_MAX]; /* 1-based match numbers, rising; 0 ends them */
	char process[CS_PROCESS_MAX]; /* patterns, each ended by a NUL; "" ends them */
	uint64_t start_after_ms; /* window, from window_anchor_ns */
	uint64_t duration_ms;    /* 0: no end */
	uint64_t period_ms;      /* 0: no flapping */
	uint64_t active_ms;      /* the first active_ms of each period */
	int64_t window_anchor_ns; /* CLOCK_MONOTONIC when loaded or enabled */
	uint64_t limit_bytes; /* limit_data: bytes a direction may move */
	uint8_t limit_end;    /* limit_data: enum cs_limit_end */
	uint32_t corrupt_bits; /* corrupt: bits flipped per datagram */
	uint32_t reorder_window; /* reorder: later datagrams that may overtake */
	/* HTTP faults: which requests (method exact, "" any; path a prefix,
	 * or a glob with * ? [), and the response http_response makes. */
	char http_method[CS_HTTP_METHOD_MAX];
	char http_path[CS_HTTP_PATH_MAX];
	char http_headers[CS_HTTP_HEADERS_MAX]; /* "Name: value" lines */
	char http_body[CS_HTTP_BODY_MAX];
	uint32_t http_status;
	uint8_t keep_alive; /* the connection stays usable after the response */
	uint8_t http_reserved[3];
};

struct cs_table {
	uint32_t nrules;
	uint32_t has_seed; /* 0: seed was chosen at load time */
	uint64_t seed;
	char log_path[CS_PATH_MAX]; /* "" = no event log */
	struct cs_rule rules[CS_MAX_RULES];
};

/* The union of the families of the enabled rules (CS_ARM_CERT_CHECK for a
 * clock_skew with scope "tls"). */
uint32_t cs_table_armed_mask(const struct cs_table *table);

/* Checks every invariant the shim relies on (counts, enums, terminated
 * strings, ranges). Returns 0, or -1 with a reason in err. */
int cs_table_validate(const struct cs_table *table, char *err, size_t errlen);

/* Index of the rule called name, or -1. */
int cs_table_find(const struct cs_table *table, const char *name);

/* Whether a fault may be applied to every family in calls. */
bool cs_fault_fits_calls(enum cs_fault fault, uint32_t calls);

/* The protocol a fault makes sense on (an end of stream: TCP; a damaged
 * or doubled datagram: UDP, as TCP's checksums and sequence numbers hide
 * those from programs), or CS_PROTO_ANY; a socket of another protocol does not match its rules. */
enum cs_proto cs_fault_proto(enum cs_fault fault);

#endif
