/* Copies of protobuf-c messages. */
#ifndef SC_MSG_H
#define SC_MSG_H

#include <protobuf-c/protobuf-c.h>

/** A deep copy of m made by packing and unpacking it, so the copy is freed
 * with protobuf_c_message_free_unpacked(copy, NULL) whatever m was built
 * from. NULL on out-of-memory. */
ProtobufCMessage *msg_dup(const ProtobufCMessage *m);

#endif
