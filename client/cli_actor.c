/* Who acts: `--as LOGIN` and the person's password, read from a file, the
 * environment or the terminal (never from the command line, where `ps` and
 * the shell's history would show it). */
#include "cli.h"
#include "i18n.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

/* The first line of path, without its line end. */
static int read_file_line(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	size_t len;

	if (!f) {
		cli_err(_("cannot read the password file %s: %s"), path, strerror(errno));
		return CLI_FAIL;
	}
	if (!fgets(out, (int)n, f))
		out[0] = '\0';
	fclose(f);
	len = strcspn(out, "\r\n");
	out[len] = '\0';
	return CLI_OK;
}

/* Reads a line from the terminal with echo off. */
static int prompt(const char *what, char *out, size_t n)
{
	struct termios old, quiet;
	FILE *tty = fopen("/dev/tty", "r+");
	int rc = CLI_OK;

	if (!tty) {
		cli_err(_("no terminal to ask for %s: give --password-file FILE or set "
			  "SAFECAMPUS_PASSWORD"),
			what);
		return CLI_FAIL;
	}
	fprintf(tty, "%s: ", what);
	fflush(tty);
	if (tcgetattr(fileno(tty), &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	}
	if (!fgets(out, (int)n, tty)) {
		out[0] = '\0';
		rc = CLI_FAIL;
	}
	(void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fputc('\n', tty);
	fclose(tty);
	out[strcspn(out, "\r\n")] = '\0';
	return rc;
}

int cli_password(const char *file, const char *env, const char *what, char *out, size_t n)
{
	const char *e = env ? getenv(env) : NULL;

	if (file)
		return read_file_line(file, out, n);
	if (e) {
		snprintf(out, n, "%s", e);
		return CLI_OK;
	}
	return prompt(what, out, n);
}

int cli_new_password(const char *file, char *out, size_t n)
{
	char again[256];
	int rc;

	if (file || getenv("SAFECAMPUS_NEW_PASSWORD"))
		return cli_password(file, "SAFECAMPUS_NEW_PASSWORD", _("New password"), out, n);
	rc = prompt(_("New password"), out, n);
	if (rc == CLI_OK)
		rc = prompt(_("The new password again"), again, sizeof again);
	if (rc == CLI_OK && strcmp(out, again) != 0) {
		cli_err(_("the two passwords differ"));
		rc = CLI_FAIL;
	}
	OPENSSL_cleanse(again, sizeof again);
	return rc;
}

void cli_password_clear(char *pw, size_t n)
{
	OPENSSL_cleanse(pw, n);
}
