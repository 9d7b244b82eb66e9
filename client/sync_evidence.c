/* Evidence files in the sync engine (docs/PROTOCOL.md section 14).
 *
 * After the outbox is empty (so the server has the signed records that name
 * the files), each file waiting for upload is offered; the server says how
 * many of its bytes it holds, and the client sends chunks from there. A cut
 * connection costs nothing but the chunk in flight: the next sync offers the
 * file again and continues where the server's copy ends. A refusal (the
 * record is not on the server yet, a limit) leaves the file waiting and the
 * round goes on to the pull.
 *
 * `evidence get` runs the engine with opts->evidence_fetch: after the
 * Welcome it asks for the file chunk by chunk into "<file>.part" and keeps it
 * only if its bytes hash to its name (evidence_commit_fetched). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "evidence.h"
#include "i18n.h"
#include "log.h"
#include "sig.h"
#include "sync_int.h"

void sync__evidence_reset(struct sync *s)
{
	if (s->ev.fd >= 0)
		close(s->ev.fd);
	s->ev.fd = -1;
}

static void refused(struct sync *s, const char *what, const char *detail)
{
	s->rep->evidence_refused++;
	snprintf(s->rep->evidence_error, sizeof s->rep->evidence_error, "%s %.16s...: %s", what,
		 s->ev.hex, detail && *detail ? detail : "refused");
	log_warn("evidence refused sha256=%s detail=\"%s\"", s->ev.hex, detail ? detail : "");
}

static int send_offer(struct sync *s)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__EvidenceOffer o = SAFECAMPUS__EVIDENCE_OFFER__INIT;
	uint8_t sha[32];

	if (sig_unhex(s->ev.hex, sha, 32) != 0)
		return SC_EINVALID;
	o.sha256.data = sha;
	o.sha256.len = 32;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_OFFER;
	env.evidence_offer = &o;
	sync__set_phase(s, PH_EVIDENCE);
	(void)sync__send(s, &env);
	return 1;
}

int sync__evidence_next(struct sync *s)
{
	struct evidence_file f;
	char path[4200];
	bool have = false;
	int rc;

	for (;;) {
		sync__evidence_reset(s);
		rc = evidence_next_upload(s->st, s->ev.after, &f, &have);
		if (rc) {
			sync__fail(s, rc, SYNC_FAIL_STORE,
				   _("reading the evidence files to upload failed"));
			return 1;
		}
		if (!have) {
			s->ev.after[0] = '\0'; /* the next round tries every file again */
			return 0;
		}
		memcpy(s->ev.after, f.hex, sizeof s->ev.after);
		memcpy(s->ev.hex, f.hex, sizeof s->ev.hex);
		s->ev.size = f.size;
		if (evidence_path(s->st, f.hex, path, sizeof path) == 0)
			s->ev.fd = open(path, O_RDONLY | O_CLOEXEC);
		if (s->ev.fd >= 0)
			return send_offer(s);
		refused(s, "evidence file", "missing from this campus's evidence directory");
	}
}

static int send_chunk(struct sync *s, uint64_t off, uint32_t max_chunk)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__EvidenceChunk ch = SAFECAMPUS__EVIDENCE_CHUNK__INIT;
	size_t want = EVIDENCE_CHUNK;
	uint8_t sha[32], *buf;
	ssize_t got;

	if (max_chunk && max_chunk < want)
		want = max_chunk;
	if (off >= s->ev.size)
		want = 0;
	else if (s->ev.size - off < want)
		want = (size_t)(s->ev.size - off);
	buf = malloc(want ? want : 1);
	if (!buf || sig_unhex(s->ev.hex, sha, 32) != 0) {
		free(buf);
		sync__fail(s, -ENOMEM, SYNC_FAIL_STORE, _("out of memory for an evidence chunk"));
		return 1;
	}
	got = want ? pread(s->ev.fd, buf, want, (off_t)off) : 0;
	if (got < 0 || (size_t)got != want) {
		free(buf);
		sync__fail(s, -EIO, SYNC_FAIL_STORE, _("reading an evidence file failed"));
		return 1;
	}
	ch.sha256.data = sha;
	ch.sha256.len = 32;
	ch.offset = off;
	ch.length = (uint32_t)want;
	ch.data.data = buf;
	ch.data.len = want;
	ch.last = off + want == s->ev.size;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_CHUNK;
	env.evidence_chunk = &ch;
	(void)sync__send(s, &env);
	s->rep->evidence_bytes += want;
	free(buf);
	return 1;
}

static int on_status(struct sync *s, const Safecampus__EvidenceStatus *st)
{
	int rc;

	if (st->reason == SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OK && st->complete) {
		rc = evidence_set_state(s->st, s->ev.hex, EVIDENCE_UPLOADED);
		if (rc) {
			sync__fail(s, rc, SYNC_FAIL_STORE,
				   _("recording an uploaded evidence file failed"));
			return 1;
		}
		s->rep->evidence_sent++;
		log_info("evidence uploaded sha256=%s size=%llu", s->ev.hex,
			 (unsigned long long)st->size);
		return sync__evidence_next(s);
	}
	if (st->reason == SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OK ||
	    st->reason == SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_BAD_OFFSET) {
		/* the server's copy ends at `have`: continue from there */
		if (st->size && st->size != s->ev.size) {
			refused(s, "evidence file", "the server expects another size");
			return sync__evidence_next(s);
		}
		return send_chunk(s, st->have, st->max_chunk);
	}
	/* refused (not named yet, a limit, a hash that did not match): the file
	 * stays waiting; the round goes on */
	refused(s, "evidence file", st->detail);
	return sync__evidence_next(s);
}

/* ---------------------------------------------------------------- fetching */

static int send_get(struct sync *s, uint64_t off)
{
	Safecampus__Envelope env = SAFECAMPUS__ENVELOPE__INIT;
	Safecampus__EvidenceGet g = SAFECAMPUS__EVIDENCE_GET__INIT;
	uint8_t sha[32];

	if (sig_unhex(s->ev.hex, sha, 32) != 0) {
		sync__fail(s, SC_EINVALID, SYNC_FAIL_CONFIG, _("not a SHA-256 in hex"));
		return 1;
	}
	g.sha256.data = sha;
	g.sha256.len = 32;
	g.offset = off;
	env.body_case = SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_GET;
	env.evidence_get = &g;
	(void)sync__send(s, &env);
	return 1;
}

int sync__evidence_fetch(struct sync *s)
{
	char path[4200], part[4300];

	sync__evidence_reset(s);
	snprintf(s->ev.hex, sizeof s->ev.hex, "%s", s->opts->evidence_fetch);
	s->ev.size = 0;
	if (evidence_path(s->st, s->ev.hex, path, sizeof path) != 0) {
		sync__fail(s, -ENAMETOOLONG, SYNC_FAIL_STORE, _("the store's path is too long"));
		return 1;
	}
	/* the evidence directory exists once anything was added or fetched */
	snprintf(part, sizeof part, "%s", path);
	*strrchr(part, '/') = '\0';
	if (mkdir(part, 0700) != 0 && errno != EEXIST) {
		sync__fail(s, -errno, SYNC_FAIL_STORE, _("cannot make the evidence directory"));
		return 1;
	}
	snprintf(part, sizeof part, "%s.part", path);
	s->ev.fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (s->ev.fd < 0) {
		sync__fail(s, -errno, SYNC_FAIL_STORE, _("cannot write the fetched evidence file"));
		return 1;
	}
	sync__set_phase(s, PH_EVIDENCE);
	return send_get(s, 0);
}

static int on_data(struct sync *s, const Safecampus__EvidenceData *d)
{
	struct evidence_file f;
	int rc;

	if (d->reason != SAFECAMPUS__EVIDENCE_REASON__EVIDENCE_OK) {
		char path[4200], part[4300];
		if (evidence_path(s->st, s->ev.hex, path, sizeof path) == 0) {
			snprintf(part, sizeof part, "%s.part", path);
			unlink(part);
		}
		refused(s, "evidence file", d->detail);
		sync__fail(s, SC_EREJECTED, SYNC_FAIL_PROTOCOL, s->rep->evidence_error);
		return 1;
	}
	if (d->offset != s->ev.size || d->size < d->offset + d->data.len ||
	    (d->data.len == 0 && d->offset < d->size)) {
		sync__fail(s, SC_EPROTO, SYNC_FAIL_PROTOCOL,
			   _("the server sent evidence bytes out of order"));
		return 1;
	}
	if (d->data.len && write(s->ev.fd, d->data.data, d->data.len) != (ssize_t)d->data.len) {
		sync__fail(s, -EIO, SYNC_FAIL_STORE, _("cannot write the fetched evidence file"));
		return 1;
	}
	s->ev.size += d->data.len;
	s->rep->evidence_bytes += d->data.len;
	snprintf(s->ev.media_type, sizeof s->ev.media_type, "%s",
		 d->media_type ? d->media_type : "");
	snprintf(s->ev.name, sizeof s->ev.name, "%s", d->name ? d->name : "");
	if (s->ev.size < d->size)
		return send_get(s, s->ev.size);
	if (fsync(s->ev.fd) != 0) {
		sync__fail(s, -errno, SYNC_FAIL_STORE, _("cannot write the fetched evidence file"));
		return 1;
	}
	sync__evidence_reset(s);
	memset(&f, 0, sizeof f);
	memcpy(f.hex, s->ev.hex, sizeof f.hex);
	(void)!sig_unhex(f.hex, f.sha, 32);
	f.size = s->ev.size;
	memcpy(f.media_type, s->ev.media_type, sizeof f.media_type);
	memcpy(f.name, s->ev.name, sizeof f.name);
	rc = evidence_commit_fetched(s->st, &f);
	if (rc == SC_EINVALID) {
		sync__fail(s, rc, SYNC_FAIL_PROTOCOL,
			   _("the fetched evidence file does not hash to its name: not kept"));
		return 1;
	}
	if (rc) {
		sync__fail(s, rc, SYNC_FAIL_STORE, _("cannot keep the fetched evidence file"));
		return 1;
	}
	s->rep->evidence_sent++;
	return 0;
}

int sync__evidence_on(struct sync *s, const Safecampus__Envelope *env)
{
	if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_STATUS &&
	    !s->opts->evidence_fetch)
		return on_status(s, env->evidence_status);
	if (env->body_case == SAFECAMPUS__ENVELOPE__BODY_EVIDENCE_DATA && s->opts->evidence_fetch)
		return on_data(s, env->evidence_data);
	sync__fail(s, SC_EPROTO, SYNC_FAIL_PROTOCOL, _("unexpected answer to an evidence request"));
	return 1;
}
