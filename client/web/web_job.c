/* Pages too slow for the serve loop (the bureau's /report reads every record
 * of the district), computed in a child process while the loop answers
 * other browsers and runs the sync.
 *
 * Why a fork and not a thread (uv_queue_work): a page is text in the
 * request's language, and the language is process-wide state that the loop
 * switches at every request (i18n_set_lang sets $LANGUAGE for gettext); the
 * store's error text is a global buffer too. A child has its own copy of
 * all of it, and of the request, its session and the settings, so the page
 * function runs there unchanged. It opens its own SQLite connection (a
 * connection must not be used across fork(), SQLite's rule) and writes the
 * page to a pipe; the loop reads it, reaps the child and resumes the
 * suspended request, which then answers with the page.
 *
 * The page header (struct web_page but its buffer) travels as bytes: its
 * pointers (ctype, csp) must point at static strings, which have the same
 * address in both processes. */
#include "web_int.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "i18n.h"
#include "log.h"

#define WEB_JOBS_MAX 2         /* children at once; more requests wait their turn */
#define WEB_JOBS_QUEUE 16      /* requests waiting or computing; more get 503 */
#define WEB_JOB_MAX_MS 120000  /* a child still working then is killed */
#define WEB_JOB_REAP_MS 5      /* after its last byte, the exit is looked for this often */
#define WEB_JOB_REAP_TRIES 400 /* then it is killed */

struct web_job {
	struct web *w;
	struct web_req *r; /* NULL once the request is gone (or the interface stops) */
	struct web_job *next;
	web_job_fn fn;
	pid_t pid;      /* 0 before the start and once reaped */
	bool started;   /* forked (else waiting for a free child) */
	bool stopped;   /* the interface stopped it */
	uv_pipe_t pipe; /* the child's page */
	uv_timer_t timer;
	struct buf out; /* struct web_page's header, then the page */
	unsigned tries;
	int nopen;              /* handles not yet closed */
	bool reading, done, ok; /* done: the child is reaped */
};

static size_t count(const struct web *w, bool running)
{
	size_t n = 0;

	for (const struct web_job *j = w->jobs; j; j = j->next)
		n += !running || (j->started && !j->done);
	return n;
}

static void launch(struct web_job *j);

/* The oldest waiting request gets the child that just ended. */
static void launch_next(struct web *w)
{
	struct web_job *next = NULL;

	if (w->stopping || count(w, true) >= WEB_JOBS_MAX)
		return;
	for (struct web_job *j = w->jobs; j; j = j->next)
		if (!j->started && j->r)
			next = j; /* the list is newest first */
	if (next)
		launch(next);
}

static void unlink_job(struct web_job *j)
{
	for (struct web_job **p = &j->w->jobs; *p; p = &(*p)->next)
		if (*p == j) {
			*p = j->next;
			return;
		}
}

static void on_closed(uv_handle_t *h)
{
	struct web_job *j = h->data;

	if (--j->nopen == 0) {
		buf_free(&j->out);
		free(j);
	}
}

/* The request, if still there, answers now (web_job_run sees j done). */
static void finish(struct web_job *j)
{
	struct web *w = j->w;

	j->done = true;
	if (j->reading) {
		uv_read_stop((uv_stream_t *)&j->pipe);
		j->reading = false;
	}
	uv_timer_stop(&j->timer);
	if (j->r) {
		j->r->suspended = false;
		MHD_resume_connection(j->r->conn);
	}
	/* a job nobody waits for goes at once; one a request waits for goes
	 * when the request takes it (web_job_run) or ends (web_job_cancel) */
	if (!j->r)
		web_job_cancel_job(j);
	launch_next(w);
}

/* Reaps the child without waiting: a status, or 0 while it still runs. */
static bool reap(struct web_job *j)
{
	int status = 0;
	pid_t p;

	if (!j->pid)
		return true;
	do
		p = waitpid(j->pid, &status, WNOHANG);
	while (p < 0 && errno == EINTR);
	if (p == 0)
		return false;
	if (p < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_warn("web: a page's child ended badly pid=%ld status=%d", (long)j->pid, status);
		j->ok = false;
	}
	j->pid = 0;
	return true;
}

static void on_timer(uv_timer_t *t)
{
	struct web_job *j = t->data;

	if (j->reading) { /* WEB_JOB_MAX_MS passed with the page unfinished */
		log_warn("web: a page took over %d ms: its child is stopped pid=%ld",
			 WEB_JOB_MAX_MS, (long)j->pid);
		kill(j->pid, SIGKILL);
		j->ok = false;
		uv_read_stop((uv_stream_t *)&j->pipe);
		j->reading = false;
	}
	if (reap(j)) {
		finish(j);
		return;
	}
	if (++j->tries == WEB_JOB_REAP_TRIES) {
		kill(j->pid, SIGKILL);
		j->ok = false;
	}
	uv_timer_start(&j->timer, on_timer, WEB_JOB_REAP_MS, 0);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	static char chunk[65536]; /* the loop is one thread: read into it, then copy */

	(void)h;
	(void)hint;
	b->base = chunk;
	b->len = sizeof chunk;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct web_job *j = s->data;

	if (n > 0 && buf_append(&j->out, b->base, (size_t)n) == 0)
		return;
	if (n == 0 || n == UV_EAGAIN)
		return;
	if (n > 0 || n != UV_EOF) { /* past WEB_MAX_PAGE, or the pipe failed */
		kill(j->pid, SIGKILL);
		j->ok = false;
	}
	uv_read_stop(s);
	j->reading = false;
	j->tries = 0;
	on_timer(&j->timer);
}

static int write_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n) {
		ssize_t k = write(fd, c, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

/* In the child: the page, written to fd; never returns. */
static void child(struct web_req *r, web_job_fn fn, int fd)
{
	struct web *w = r->w;
	struct store *st = NULL;
	struct web_page p;
	const char *delay = getenv("SAFECAMPUS_TEST_JOB_DELAY_MS");
	int rc;

	/* the loop's signal handlers would tell the parent's loop */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	/* tests/e2e/web_report_job.sh: a page that takes its time, on demand */
	if (delay && *delay) {
		long ms = strtol(delay, NULL, 10);
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
		if (ms > 0 && ms < 60000)
			nanosleep(&ts, NULL);
	}
	web_page_init(&p);
	rc = store_open(&st, store_path(w->st), false);
	if (rc) {
		web_error_page(&p, r, 500, _("Cannot open the store"), store_last_error());
	} else {
		w->st = st; /* the parent's connection is never touched here */
		fn(r, &p);
	}
	rc = p.oom ? -1 : write_all(fd, &p, sizeof p);
	if (rc == 0)
		rc = write_all(fd, buf_head(&p.b), buf_used(&p.b));
	_exit(rc == 0 ? 0 : 1);
}

/* Forks j's child and reads its page; a failure answers j's request with
 * an error page. */
static void launch(struct web_job *j)
{
	struct web *w = j->w;
	int fds[2] = { -1, -1 }, rc = 0;

	j->started = true;
	if (pipe(fds) != 0) {
		rc = -errno;
		goto fail;
	}
	j->pid = fork();
	if (j->pid == 0) {
		close(fds[0]);
		child(j->r, j->fn, fds[1]);
	}
	close(fds[1]);
	if (j->pid < 0) {
		rc = -errno;
		j->pid = 0;
		close(fds[0]);
		goto fail;
	}
	rc = uv_pipe_open(&j->pipe, fds[0]);
	if (rc == 0)
		rc = uv_read_start((uv_stream_t *)&j->pipe, on_alloc, on_read);
	if (rc) {
		kill(j->pid, SIGKILL);
		goto fail;
	}
	j->reading = true;
	uv_timer_start(&j->timer, on_timer, WEB_JOB_MAX_MS, 0);
	return;
fail:
	log_warn("web: cannot compute a page in a child: %s",
		 rc < -1000 ? uv_strerror(rc) : strerror(-rc));
	j->ok = false;
	on_timer(&j->timer); /* reaps, then answers with the error page */
	(void)w;
}

/* Takes r into a job (suspended): 0, or < 0 if it cannot. */
static int start(struct web_req *r, web_job_fn fn)
{
	struct web *w = r->w;
	struct web_job *j;

	if (w->stopping)
		return -ECANCELED;
	if (count(w, false) >= WEB_JOBS_QUEUE)
		return -EBUSY;
	j = calloc(1, sizeof *j);
	if (!j)
		return -ENOMEM;
	j->w = w;
	j->fn = fn;
	j->ok = true;
	buf_init(&j->out, sizeof(struct web_page) + WEB_MAX_PAGE);
	uv_pipe_init(w->loop, &j->pipe, 0);
	uv_timer_init(w->loop, &j->timer);
	j->pipe.data = j->timer.data = j;
	j->nopen = 2;
	j->next = w->jobs;
	w->jobs = j;
	j->r = r;
	r->job = j;
	r->suspended = true;
	MHD_suspend_connection(r->conn);
	if (count(w, true) < WEB_JOBS_MAX)
		launch(j);
	return 0;
}

/* The finished page of r's job into p. */
static int take(struct web_req *r, struct web_page *p)
{
	struct web_job *j = r->job;
	struct web_page head;

	if (!j->done) { /* resumed by something else: wait on */
		r->suspended = true;
		MHD_suspend_connection(r->conn);
		return 1;
	}
	if (j->ok && buf_used(&j->out) >= sizeof head) {
		memcpy(&head, buf_head(&j->out), sizeof head);
		p->status = head.status;
		p->ctype = head.ctype;
		p->csp = head.csp;
		memcpy(p->location, head.location, sizeof p->location);
		memcpy(p->disposition, head.disposition, sizeof p->disposition);
		memcpy(p->retry_after, head.retry_after, sizeof p->retry_after);
		memcpy(p->set_lang, head.set_lang, sizeof p->set_lang);
		if (buf_append(&p->b, buf_head(&j->out) + sizeof head,
			       buf_used(&j->out) - sizeof head) != 0)
			p->oom = true;
	} else if (j->stopped) {
		web_error_page(p, r, 503, _("Stopping"),
			       _("The interface is stopping; the page was not finished."));
	} else {
		web_error_page(p, r, 500, _("Cannot compute the page"),
			       _("The page's computation failed; the log says why. Try again."));
	}
	web_job_cancel(r);
	return 0;
}

int web_job_run(struct web_req *r, struct web_page *p, web_job_fn fn)
{
	int rc;

	if (r->job)
		return take(r, p);
	rc = start(r, fn);
	if (rc == 0)
		return 1;
	if (rc == -EBUSY) {
		snprintf(p->retry_after, sizeof p->retry_after, "5");
		web_error_page(p, r, 503, _("Busy"),
			       _("Too many slow pages are being computed; try again in a few "
				 "seconds."));
		return 0;
	}
	if (rc != -ECANCELED)
		log_warn("web: a page computed on the loop: %s", strerror(-rc));
	return fn(r, p);
}

void web_job_cancel_job(struct web_job *j)
{
	if (j->r) {
		j->r->job = NULL;
		j->r = NULL;
	}
	if (!j->done && j->started) { /* the request went: the child is not needed */
		if (j->pid)
			kill(j->pid, SIGKILL);
		j->ok = false;
		return; /* reaped by on_read's EOF, then freed by finish */
	}
	unlink_job(j);
	uv_close((uv_handle_t *)&j->pipe, on_closed);
	uv_close((uv_handle_t *)&j->timer, on_closed);
}

void web_job_cancel(struct web_req *r)
{
	if (r->job)
		web_job_cancel_job(r->job);
}

void web_job_stop(struct web *w)
{
	struct web_job *j = w->jobs, *next;

	/* MHD refuses to stop with a connection suspended: every request still
	 * waiting is resumed and answered 503 by the run of MHD that follows */
	for (; j; j = next) {
		next = j->next;
		if (j->pid) {
			kill(j->pid, SIGKILL);
			while (waitpid(j->pid, NULL, 0) < 0 && errno == EINTR)
				;
			j->pid = 0;
		}
		if (j->reading)
			uv_read_stop((uv_stream_t *)&j->pipe);
		j->reading = false;
		uv_timer_stop(&j->timer);
		j->ok = false;
		j->stopped = true;
		j->done = j->started = true;
		if (j->r) {
			j->r->suspended = false;
			MHD_resume_connection(j->r->conn);
		} else {
			web_job_cancel_job(j);
		}
	}
}
