#!/usr/bin/env python3
"""tls_stall.py: a listener that lets a client's connection die while it is set up.

    tls_stall.py PORT close                  accept and close at once (a load
                                             balancer with no server behind it)
    tls_stall.py PORT half CERT KEY CA       answer the TLS 1.3 ClientHello with the
                                             server's whole flight, then close before
                                             the client's Finished: a server that gave
                                             up on a slow handshake. The client then
                                             writes into a closed connection (its
                                             Finished, its Hello): EPIPE, or SIGPIPE if
                                             it does not ignore it.

Prints "listening port=PORT" once it accepts; runs until killed. Used by
tests/e2e/sync_reconnect.sh.
"""
import socket
import ssl
import sys
import threading


def main():
    port, mode = int(sys.argv[1]), sys.argv[2]
    ctx = None
    if mode == "half":
        cert, key, ca = sys.argv[3:6]
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_cert_chain(cert, key)
        ctx.load_verify_locations(ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    elif mode != "close":
        sys.exit("tls_stall.py: mode is close or half")
    lsock = socket.socket()
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", port))
    lsock.listen(64)
    print("listening port=%d" % lsock.getsockname()[1], flush=True)

    def half(conn):
        inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = ctx.wrap_bio(inc, out, server_side=True)
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                inc.write(data)
                try:
                    tls.do_handshake()
                    break
                except ssl.SSLWantReadError:
                    if out.pending:
                        conn.sendall(out.read())
                        break
        except (OSError, ssl.SSLError) as e:
            print("tls_stall.py:", e, file=sys.stderr, flush=True)
        conn.close()

    while True:
        conn, _ = lsock.accept()
        if mode == "close":
            conn.close()
        else:
            threading.Thread(target=half, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
