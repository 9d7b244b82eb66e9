#!/usr/bin/env python3
"""pg_drop_options.py: a PostgreSQL proxy that drops the startup packet's options.

    pg_drop_options.py PORT PG_HOST PG_PORT

Relays every connection on 127.0.0.1:PORT to PG_HOST:PG_PORT, after taking
the "options" parameter (-c search_path=... and the like) out of the client's
startup packet: what a connection pooler does that does not pass it on
(pgbouncer refuses it, or drops it with ignore_startup_parameters). SSL and
GSS encryption requests are answered "N", so the client goes on in plain
text. Prints "listening port=PORT" once it accepts; runs until killed. Used by
tests/e2e/districts.sh: a district's server behind it must refuse to start
rather than put the district's tables in public.
"""
import socket
import struct
import sys
import threading

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("closed during the startup packet")
        buf += chunk
    return buf


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def relay(conn, pg_addr):
    try:
        while True:
            length, code = struct.unpack("!II", recv_exact(conn, 8))
            if code in (SSL_REQUEST, GSS_REQUEST):
                conn.sendall(b"N")
                continue
            body = recv_exact(conn, length - 8)
            break
        fields = body.split(b"\0")
        pairs, kept = list(zip(fields[0::2], fields[1::2])), []
        for k, v in pairs:
            if k and k != b"options":
                kept += [k, v]
        packet = struct.pack("!I", code) + b"\0".join(kept) + b"\0\0"
        up = socket.create_connection(pg_addr)
        up.sendall(struct.pack("!I", len(packet) + 4) + packet)
    except (OSError, ConnectionError, struct.error) as e:
        print("pg_drop_options.py:", e, file=sys.stderr, flush=True)
        conn.close()
        return
    threading.Thread(target=pipe, args=(up, conn), daemon=True).start()
    pipe(conn, up)


def main():
    port, pg_host, pg_port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(64)
    print("listening port=%d" % lsock.getsockname()[1], flush=True)
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=relay, args=(conn, (pg_host, pg_port)), daemon=True).start()


if __name__ == "__main__":
    main()
