/* What `import` does to a file before and beside the CSV parser (import_text.h):
 * the bytes as UTF-8, and the stable id of a row that has none. */
#include "import_text.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* Length of the valid UTF-8 sequence at p (at most n bytes), 0 if invalid:
 * no overlong forms, no surrogates, nothing above U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	unsigned c = p[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return n >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		if (n < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0))
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		if (n < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
		    (p[3] & 0xC0) != 0x80)
			return 0;
		if ((c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90))
			return 0;
		return 4;
	}
	return 0;
}

bool import_utf8_valid(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t l = utf8_seq(p + i, n - i);
		if (!l)
			return false;
		i += l;
	}
	return true;
}

/* GB18030 -> UTF-8 into a new buffer (caller frees *out). SC_EINVALID with
 * *bad_at = the offset of the first byte that is not GB18030 either. */
static int from_gb18030(const char *in, size_t n, char **out, size_t *outlen, size_t *bad_at)
{
	/* a GB18030 character of k bytes is at most k + 1 bytes of UTF-8 (2 -> 3,
	 * 4 -> 4, 1 -> 1), so 2n is always enough */
	size_t cap = 2 * n + 4, left_in = n, left_out = cap;
	char *buf = malloc(cap), *ip = (char *)in, *op;
	iconv_t cd;
	int rc = 0;

	if (!buf)
		return -ENOMEM;
	cd = iconv_open("UTF-8", "GB18030");
	if (cd == (iconv_t)-1) {
		free(buf);
		return -ENOTSUP; /* the C library has no GB18030 converter */
	}
	op = buf;
	if (iconv(cd, &ip, &left_in, &op, &left_out) == (size_t)-1) {
		*bad_at = (size_t)(ip - in);
		rc = errno == E2BIG ? -ENOMEM : SC_EINVALID;
	}
	iconv_close(cd);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*outlen = cap - left_out;
	return 0;
}

int import_read(FILE *f, size_t max, char **out, size_t *len, enum import_enc *enc, size_t *bad_at)
{
	size_t cap = 64 * 1024, n = 0, skip = 0;
	char *buf = malloc(cap), *conv = NULL;
	int rc = 0;

	*out = NULL;
	*len = 0;
	*enc = IMPORT_UTF8;
	*bad_at = 0;
	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t got;
		if (n == cap) {
			char *more;
			if (cap >= max) {
				rc = -EFBIG;
				goto out;
			}
			cap = cap * 2 > max ? max : cap * 2;
			more = realloc(buf, cap);
			if (!more) {
				rc = -ENOMEM;
				goto out;
			}
			buf = more;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f)) {
				rc = -EIO;
				goto out;
			}
			break;
		}
	}
	if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		skip = 3; /* the byte-order mark spreadsheets write: UTF-8 for sure */
	if (import_utf8_valid(buf + skip, n - skip)) {
		/* keep the mark: the CSV reader skips it */
		*out = buf;
		*len = n;
		return 0;
	}
	if (skip) {
		/* marked UTF-8 but not UTF-8: do not guess */
		rc = SC_EINVALID;
		for (size_t i = skip; i < n;) {
			size_t l = utf8_seq((const unsigned char *)buf + i, n - i);
			if (!l) {
				*bad_at = i;
				break;
			}
			i += l;
		}
		goto out;
	}
	rc = from_gb18030(buf, n, &conv, len, bad_at);
	if (rc)
		goto out;
	*out = conv;
	*enc = IMPORT_GB18030;
out:
	free(buf);
	return rc;
}

int import_row_id(const char *kind, const char *school, const char *const *names,
		  const char *const *values, size_t n, char out[37])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[32];
	unsigned mdlen = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int ok;

	if (!ctx)
		return -ENOMEM;
	/* each part ends in a NUL, so no two different rows hash the same bytes */
	ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
	     EVP_DigestUpdate(ctx, "safecampus import row v1", 25) &&
	     EVP_DigestUpdate(ctx, kind, strlen(kind) + 1) &&
	     EVP_DigestUpdate(ctx, school, strlen(school) + 1);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, names[i], strlen(names[i]) + 1) &&
		     EVP_DigestUpdate(ctx, values[i], strlen(values[i]) + 1);
	ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (!ok || mdlen != sizeof md)
		return -EIO;
	/* RFC 9562 version 8 (a name-based UUID of our own hash) */
	md[6] = (unsigned char)((md[6] & 0x0F) | 0x80);
	md[8] = (unsigned char)((md[8] & 0x3F) | 0x80);
	for (size_t i = 0, o = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[md[i] >> 4];
		out[o++] = hex[md[i] & 15];
	}
	out[36] = '\0';
	return 0;
}
