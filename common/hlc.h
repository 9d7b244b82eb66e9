/* Hybrid logical clock (Kulkarni et al.): 48 bits of Unix milliseconds and a
 * 16-bit counter in one uint64, so stamps compare as integers, stay close to
 * wall time, and never go backwards even when the wall clock does or when a
 * peer's clock runs ahead. */
#ifndef SC_HLC_H
#define SC_HLC_H

#include <stdint.h>

#include "err.h"

struct hlc {
	uint64_t last; /* last stamp issued or observed */
};

#define HLC_MS(stamp) ((stamp) >> 16)
#define HLC_COUNT(stamp) ((stamp)&0xffffu)
#define HLC_MAKE(ms, count) (((uint64_t)(ms) << 16) | ((count)&0xffffu))
/* A remote stamp more than this far ahead of our wall clock is refused, so one
 * machine with a wrong clock cannot drag every clock into the future. */
#define HLC_MAX_DRIFT_MS (24ull * 3600 * 1000)

uint64_t hlc_wall_ms(void);
/** A new stamp for a local event at wall time now_ms, greater than every stamp
 * issued or observed before. */
uint64_t hlc_tick(struct hlc *c, uint64_t now_ms);
/** Merges a stamp received from a peer. -ERANGE (clock unchanged) if it is more
 * than HLC_MAX_DRIFT_MS ahead of now_ms. */
SC_WUR int hlc_observe(struct hlc *c, uint64_t remote, uint64_t now_ms);

/** The order of two versions of one record: by stamp, then by the campus that
 * wrote the version, compared bytewise (strcmp; SQL `COLLATE "C"`). Two
 * campuses that tick from the same observed stamp, or write in the same
 * millisecond, issue equal stamps; the writer makes the order total, so every
 * side (client, server, SQL) picks the same winner and no acknowledged edit
 * loses to an equal one. NULL writer is "". Returns <0, 0 or >0 as a is older
 * than, the same version as, or newer than b. */
int hlc_version_cmp(uint64_t a, const char *writer_a, uint64_t b, const char *writer_b);

#endif
