#include "msg.h"

#include <stdint.h>
#include <stdlib.h>

ProtobufCMessage *msg_dup(const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *buf = malloc(n ? n : 1);
	ProtobufCMessage *d;

	if (!buf)
		return NULL;
	protobuf_c_message_pack(m, buf);
	d = protobuf_c_message_unpack(m->descriptor, NULL, n, buf);
	free(buf);
	return d;
}
