/* faultproxy's internal header: the settings, the per-connection state, the
 * globals faultproxy.c (options, control file, main) shares with
 * faultproxy_conn.c (the plan and the proxying loop). */
#ifndef TESTS_TOOLS_FAULTPROXY_INT_H
#define TESTS_TOOLS_FAULTPROXY_INT_H

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define CHUNK_MAX 65536
#define HIGH_WATER (256u * 1024u)
#define LOW_WATER (64u * 1024u)
#define CONTROL_MAX 4096
#define CONTROL_POLL_MS 100
#define CUT_GUARD_MS 2000
#define NONE UINT64_MAX

enum { UP = 0, DOWN = 1 };
enum { DIR_UP = 1, DIR_DOWN = 2, DIR_BOTH = 3 };
enum cut_with { CW_FIN, CW_RST, CW_RANDOM };


struct faults {
	uint64_t cut_after;  /* NONE = off */
	uint64_t drop_after; /* NONE = off */
	bool random;
	uint64_t seed, cut_min, cut_max;
	unsigned dir;
	unsigned delay_ms;
	enum cut_with cut_with;
	long fault_conns; /* -1: every connection */
	long max_conns;   /* 0: no limit */
};

/* One chunk of bytes on its way from one side to the other. */
struct chunk {
	uv_write_t req;
	struct chunk *next;
	struct side *side;
	uint64_t due;
	size_t len;
	char data[];
};

/* One direction of one connection: bytes read from src, written to dst. */
struct side {
	struct pconn *pc;
	int d;
	uv_tcp_t *src, *dst;
	uv_timer_t delay; /* releases delayed chunks */
	struct chunk *qhead, *qtail;
	uint64_t bytes;   /* forwarded (handed to dst) */
	uint64_t dropped; /* read and thrown away in a black hole */
	size_t pending;   /* delayed + being written */
	bool reading, src_done, shut;
};

struct pconn {
	uv_tcp_t cli, tgt;
	uv_connect_t creq;
	uv_shutdown_t sreq[2];
	uv_timer_t guard; /* bounds how long a cut waits for its prefix to drain */
	struct side s[2];
	struct pconn *prev, *next;
	unsigned long id;
	char peer[80];
	uint64_t start_ms;
	uint64_t cut_at[2], drop_at[2];
	bool rst;
	bool connected, cutting, dropping, closing;
	int cut_dir;
	uint64_t cut_pos, drop_pos;
	int drop_dir;
	int handles;
	const char *end;
	char end_detail[96];
};

/* shared state, defined in faultproxy.c */
extern uv_loop_t *fp_loop;
extern struct sockaddr_storage fp_target;
extern struct faults fp_cur;
extern long fp_fault_budget_used;
extern struct pconn *fp_conns;
extern unsigned long fp_nconns_total, fp_ncuts, fp_ndrops;
extern unsigned fp_plan_gen;
extern bool fp_stopping;

/* Closes both sides of pc and logs the end (why, detail). */
void fp_conn_close(struct pconn *pc, const char *why, const char *detail);
/* Cuts direction d of pc once pos bytes have passed. */
void fp_cut_begin(struct pconn *pc, int d, uint64_t pos);
/* Draws pc's faults (cut and drop points, delays) from fp_cur. */
void fp_plan(struct pconn *pc);
/* Acts on the parts of pc's plan that are due at once. */
void fp_plan_act_now(struct pconn *pc);
/* Accepts a client on the listener and connects it to fp_target. */
void fp_on_connection(uv_stream_t *l, int status);

#endif
