#include "uuid.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>

int uuid_new(char out[UUID_STR_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char b[16];
	int j = 0;

	if (RAND_bytes(b, sizeof b) != 1)
		return -EIO;
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[j++] = '-';
		out[j++] = hex[b[i] >> 4];
		out[j++] = hex[b[i] & 15];
	}
	out[j] = '\0';
	return 0;
}

bool uuid_valid(const char *s)
{
	if (!s || strlen(s) != UUID_STR_LEN)
		return false;
	for (int i = 0; i < UUID_STR_LEN; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			return false;
		}
	}
	return true;
}
