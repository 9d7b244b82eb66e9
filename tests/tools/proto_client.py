#!/usr/bin/env python3
"""proto_client.py: a safecampus client written from docs/PROTOCOL.md and
proto/safecampus.proto alone (no protobuf package: the wire format is encoded
and decoded by hand), run against a real safecampusd by
tests/e2e/protocol_client.sh.

    proto_client.py --port P --ca CA --cert CRT --key KEY --cert2 CRT2 --key2 KEY2
                    --school S --campus C --other-title T --hidden-title T
                    --out OUT.json

CRT/KEY are the certificate of campus C of school S; CRT2/KEY2 another campus
of S, whose connection pushes while the first one is subscribed. The hazard
titled --other-title was pushed by the real C client from that other campus;
the one titled --hidden-title belongs to another school and must not be seen.

Prints one "ok   - ..." or "FAIL - ..." line per assertion and exits 1 if any
failed. OUT.json holds the ids, seqs and hlcs it pushed (and which ids were
rejected), for the shell test to compare with PostgreSQL.
"""
import argparse
import json
import socket
import ssl
import struct
import sys
import time
import uuid

# ------------------------------------------------------------ protobuf wire format

U64 = (1 << 64) - 1


def varint(n):
    n &= U64  # a negative int64 is its 64-bit two's complement (10 bytes)
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def f_uint(no, v):
    """A varint field (uint32/64, int32/64, bool, enum); proto3 leaves out 0."""
    if not v:
        return b""
    return varint(no << 3) + varint(int(v))


def f_bytes(no, b):
    if not b:
        return b""
    return varint(no << 3 | 2) + varint(len(b)) + b


def f_str(no, s):
    return f_bytes(no, s.encode("utf-8"))


def f_msg(no, body):
    """A sub-message, written even when empty: an empty message in a oneof
    (an empty Push) is still the arm that is set."""
    return varint(no << 3 | 2) + varint(len(body)) + body


def read_varint(buf, i):
    shift = 0
    n = 0
    while True:
        if i >= len(buf) or shift > 63:
            raise ValueError("bad varint")
        b = buf[i]
        i += 1
        n |= (b & 0x7F) << shift
        if not b & 0x80:
            return n & U64, i
        shift += 7


def decode(buf):
    """Message bytes -> {field number: [values]}: ints for varint/fixed
    fields (fixed64 as raw 8 bytes), bytes for length-delimited ones."""
    fields = {}
    i = 0
    while i < len(buf):
        key, i = read_varint(buf, i)
        no, wt = key >> 3, key & 7
        if wt == 0:
            v, i = read_varint(buf, i)
        elif wt == 1:
            v, i = buf[i:i + 8], i + 8
        elif wt == 2:
            n, i = read_varint(buf, i)
            v, i = buf[i:i + n], i + n
            if len(v) != n:
                raise ValueError("truncated field")
        elif wt == 5:
            v, i = buf[i:i + 4], i + 4
        else:
            raise ValueError("wire type %d" % wt)
        fields.setdefault(no, []).append(v)
    return fields


def g_int(d, no, default=0):
    return d[no][-1] if no in d else default


def g_str(d, no):
    return bytes(d[no][-1]).decode("utf-8") if no in d else ""


def utf8_ok(b):
    """proto3 `string` fields must be valid UTF-8 (strict decoders refuse the
    message otherwise)."""
    try:
        bytes(b).decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def g_msg(d, no):
    return decode(bytes(d[no][-1])) if no in d else None


def g_all(d, no):
    return [decode(bytes(v)) for v in d.get(no, [])]


# Envelope arms (proto/safecampus.proto)
HELLO, WELCOME, ERROR, PUSH, PUSH_ACK, PULL, CHANGES = 2, 3, 4, 5, 6, 7, 8
SUBSCRIBE, NOTIFY, PING, PONG, DASH_REQ, DASH = 9, 10, 11, 12, 13, 14
ARMS = {HELLO: "Hello", WELCOME: "Welcome", ERROR: "Error", PUSH: "Push",
        PUSH_ACK: "PushAck", PULL: "Pull", CHANGES: "Changes",
        SUBSCRIBE: "Subscribe", NOTIFY: "Notify", PING: "Ping", PONG: "Pong",
        DASH_REQ: "DashboardRequest", DASH: "Dashboard"}
# Record.body arms used here
K_HAZARD, K_HAZARD_EVENT, K_MEETING, K_CALENDAR = 16, 17, 21, 38
# enums
ROLE_SCHOOL, ROLE_BUREAU = 1, 2
REJECT = {1: "UNKNOWN_KIND", 2: "FORBIDDEN", 3: "INVALID",
          4: "ILLEGAL_TRANSITION", 5: "NOT_FOUND", 6: "IMMUTABLE"}
ERR_FRAME_TOO_LARGE, ERR_HELLO_REQUIRED = 2, 3
ERR_BAD_REQUEST = 10
AREA_FIRE, AREA_FACILITY = 1, 3
SEV_LOW, SEV_HIGH = 1, 3
MEETING_LEADERSHIP = 1
HAZARD_ACTION_NOTE = 6


def hazard(title, area, severity, found_date, location="", reporter=""):
    return (f_str(1, title) + f_str(2, location) + f_uint(3, area) +
            f_uint(4, severity) + f_str(6, found_date) + f_str(7, reporter))


def meeting(title, date, attendees, minutes):
    return (f_uint(1, MEETING_LEADERSHIP) + f_str(2, date) + f_str(3, title) +
            f_uint(4, attendees) + f_str(5, minutes))


def hazard_event(hazard_id, action, actor, note):
    return (f_str(1, hazard_id) + f_uint(2, action) + f_str(3, actor) +
            f_str(7, note) + f_uint(10, int(time.time() * 1000)))


def record(rid, school, campus, hlc, kind=None, body=b""):
    """A Record to push: seq 0 and written_by "" (the server sets them)."""
    out = f_str(1, rid) + f_str(2, school) + f_str(3, campus) + f_uint(4, hlc)
    if kind is not None:
        out += f_msg(kind, body)
    return out


def parse_record(d):
    kind = next((k for k in d if k >= 16), None)
    return {"id": g_str(d, 1), "school": g_str(d, 2), "campus": g_str(d, 3),
            "hlc": g_int(d, 4), "deleted": bool(g_int(d, 5)),
            "seq": g_int(d, 6), "written_by": g_str(d, 7), "kind": kind,
            "body": g_msg(d, kind) if kind else {}}


# ------------------------------------------------------------ clock (section 6)

class Hlc:
    def __init__(self):
        self.last = 0

    def tick(self):
        self.last = max(self.last + 1, int(time.time() * 1000) << 16)
        return self.last

    def observe(self, stamp):
        self.last = max(self.last, stamp)


# ------------------------------------------------------------ connection

class ServerError(Exception):
    def __init__(self, rid, code, message):
        super().__init__("Error code=%d request_id=%d: %s" % (code, rid, message))
        self.rid, self.code, self.message = rid, code, message


class Conn:
    """One mutual-TLS 1.3 connection speaking length-prefixed Envelopes."""

    def __init__(self, args, cert, key, name="localhost"):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies cert and name
        ctx.minimum_version = ssl.TLSVersion.TLSv1_3
        ctx.load_verify_locations(args.ca)
        ctx.load_cert_chain(cert, key)
        raw = socket.create_connection((args.host, args.port), timeout=10)
        try:
            self.tls = ctx.wrap_socket(raw, server_hostname=name)
        except BaseException:
            raw.close()
            raise
        self.max_frame = 4194304
        self.next_id = 1
        self.unsolicited = []  # (request_id 0) Notify / Dashboard seen meanwhile
        self.buf = b""

    def send(self, arm, body, rid=None):
        if rid is None:
            rid = self.next_id
            self.next_id += 1
        env = f_uint(1, rid) + f_msg(arm, body)
        self.tls.sendall(struct.pack(">I", len(env)) + env)
        return rid

    def send_raw(self, data):
        self.tls.sendall(data)

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.tls.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_frame(self):
        """-> (request_id, arm, decoded body)."""
        (n,) = struct.unpack(">I", self._read(4))
        if n == 0 or n > self.max_frame:
            raise ValueError("server frame of %d bytes" % n)
        env = decode(self._read(n))
        rid = g_int(env, 1)
        arm = next((k for k in env if k != 1), None)
        body = decode(bytes(env[arm][-1])) if arm else {}
        return rid, arm, body

    def call(self, arm, body, want):
        """Sends one request and returns the body of its answer (arm `want`,
        same request_id); keeps id-0 messages that arrive meanwhile; raises
        ServerError on an Error."""
        rid = self.send(arm, body)
        return self.answer(rid, want)

    def answer(self, rid, want):
        while True:
            got_rid, got_arm, got = self.read_frame()
            if got_arm == ERROR:
                raise ServerError(got_rid, g_int(got, 1), g_str(got, 2))
            if got_rid == 0:
                self.unsolicited.append((got_arm, got))
                continue
            if got_rid != rid or got_arm != want:
                raise ValueError("expected %s for %d, got %s for %d" % (
                    ARMS.get(want), rid, ARMS.get(got_arm, got_arm), got_rid))
            return got

    def hello(self, pending=0, oldest_ms=0, last_sync_ms=0):
        w = self.call(HELLO, f_uint(1, 1) + f_uint(2, 1) +
                      f_str(3, "proto_client.py/1") + f_uint(4, pending) +
                      f_uint(5, oldest_ms) + f_uint(6, last_sync_ms), WELCOME)
        self.welcome = {"version": g_int(w, 1), "district": g_str(w, 2),
                        "school": g_str(w, 3), "campus": g_str(w, 4),
                        "role": g_int(w, 5), "server_hlc": g_int(w, 6),
                        "max_frame_bytes": g_int(w, 7),
                        "max_push_records": g_int(w, 8),
                        "server_version": g_str(w, 9)}
        if self.welcome["max_frame_bytes"]:
            self.max_frame = self.welcome["max_frame_bytes"]
        return self.welcome

    def push(self, records):
        ack = self.call(PUSH, b"".join(f_msg(1, r) for r in records), PUSH_ACK)
        results = [{"id": g_str(r, 1), "accepted": bool(g_int(r, 2)),
                    "seq": g_int(r, 3), "reason": REJECT.get(g_int(r, 4), g_int(r, 4)),
                    "detail": bytes(r.get(5, [b""])[-1]).decode("utf-8", "replace"),
                    "utf8": utf8_ok(r.get(5, [b""])[-1])} for r in g_all(ack, 1)]
        return results, g_int(ack, 2)

    def pull(self, cursor, limit=0):
        ch = self.call(PULL, f_uint(1, cursor) + f_uint(2, limit), CHANGES)
        return ([parse_record(r) for r in g_all(ch, 1)], g_int(ch, 2),
                bool(g_int(ch, 3)), g_int(ch, 4), bytes(ch.get(5, [b""])[-1]))

    def expect_error(self):
        """Reads until the server's Error; -> (request_id, code), then
        checks that the server closed the connection after it."""
        while True:
            rid, arm, body = self.read_frame()
            if arm == ERROR:
                code = g_int(body, 1)
                break
        try:
            closed = self.tls.recv(1) == b""
        except (ssl.SSLError, OSError):
            closed = True
        return rid, code, closed

    def close(self):
        """TLS close_notify, then TCP (section 12, step 5)."""
        try:
            self.tls.unwrap().close()
        except (ssl.SSLError, OSError):
            self.tls.close()
            return False
        return True


# ------------------------------------------------------------ the scenario

PASSED = 0
FAILED = 0


def check(desc, cond, detail=""):
    global PASSED, FAILED
    if cond:
        PASSED += 1
        print("ok   - " + desc)
    else:
        FAILED += 1
        print("FAIL - " + desc + (("\n       " + str(detail)) if detail else ""))
    sys.stdout.flush()
    return cond


def unsolicited(c, secs):
    """The id-0 messages that arrive within secs (and any read meanwhile)."""
    got, c.unsolicited = c.unsolicited, []
    deadline = time.time() + secs
    try:
        while time.time() < deadline:
            c.tls.settimeout(max(0.01, deadline - time.time()))
            rid, arm, body = c.read_frame()
            got.append((arm, body) if rid == 0 else ("answer to %d" % rid, body))
    except (socket.timeout, TimeoutError):
        pass
    c.tls.settimeout(10)
    return got


def new_id():
    return str(uuid.uuid4())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--name", default="localhost")
    for a in ("ca", "cert", "key", "cert2", "key2", "bureau-cert", "bureau-key",
              "school", "campus",
              "other-title", "hidden-title", "district", "out"):
        ap.add_argument("--" + a, required=True)
    args = ap.parse_args()
    school, campus = args.school, args.campus
    today = time.strftime("%Y-%m-%d", time.gmtime())
    clock = Hlc()
    out = {"accepted": {}, "rejected": []}

    # 1. TLS: the server's name is verified (a wrong name fails the handshake)
    try:
        Conn(args, args.cert, args.key, name="not-the-server.example").close()
        check("a server name the certificate does not carry is refused", False)
    except ssl.SSLCertVerificationError as e:
        check("a server name the certificate does not carry is refused",
              "match" in str(e) or "mismatch" in str(e), e)

    # a request before Hello: ERROR_HELLO_REQUIRED, connection closed
    c = Conn(args, args.cert, args.key)
    c.send(PING, f_uint(1, 7), rid=5)
    rid, code, closed = c.expect_error()
    check("Ping before Hello: ERROR_HELLO_REQUIRED, closed",
          code == ERR_HELLO_REQUIRED and closed, (rid, code, closed))
    c.tls.close()

    # 2. Hello / Welcome
    c = Conn(args, args.cert, args.key)
    check("TLS 1.3 negotiated", c.tls.version() == "TLSv1.3", c.tls.version())
    w = c.hello(pending=3, oldest_ms=int(time.time() * 1000) - 60000)
    check("Welcome: version 1", w["version"] == 1, w)
    check("Welcome: identity from the certificate",
          (w["district"], w["school"], w["campus"], w["role"]) ==
          (args.district, school, campus, ROLE_SCHOOL), w)
    check("Welcome: server_hlc is an HLC near now",
          abs((w["server_hlc"] >> 16) - time.time() * 1000) < 600000, w)
    check("Welcome: default limits (4 MiB frames, 1000 records per Push)",
          (w["max_frame_bytes"], w["max_push_records"]) == (4194304, 1000), w)
    clock.observe(w["server_hlc"])

    # 3. Push a batch of two kinds
    h1, m1, h2 = new_id(), new_id(), new_id()
    h1_v1 = clock.tick()
    batch = [
        record(h1, school, campus, h1_v1, K_HAZARD,
               hazard("py hazard one", AREA_FACILITY, SEV_HIGH, today,
                      location="Gym", reporter="Py")),
        record(m1, school, campus, clock.tick(), K_MEETING,
               meeting("py leadership meeting", today, 7, "Minutes: 安全第一")),
        record(h2, school, campus, clock.tick(), K_HAZARD,
               hazard("py hazard two", AREA_FIRE, SEV_LOW, today)),
    ]
    res, shlc = c.push(batch)
    clock.observe(shlc)
    check("PushAck: one result per record, in order",
          [r["id"] for r in res] == [h1, m1, h2], res)
    check("PushAck: every record accepted with a seq",
          all(r["accepted"] and r["seq"] > 0 for r in res), res)
    check("PushAck: seqs are distinct", len({r["seq"] for r in res}) == 3, res)
    check("PushAck: server_hlc set", shlc > 0, shlc)
    first = {r["id"]: r["seq"] for r in res}

    # the same Push again: accepted, the same seqs, nothing stored twice
    res2, shlc = c.push(batch)
    clock.observe(shlc)
    check("the same Push again: all accepted with the same seqs",
          [(r["id"], r["accepted"], r["seq"]) for r in res2] ==
          [(r["id"], True, r["seq"]) for r in res], res2)

    # an empty Push: a PushAck with no results
    res_empty, _ = c.push([])
    check("an empty Push: PushAck without results", res_empty == [], res_empty)

    # bad records, each rejected alone; the good one among them is stored
    ids = {n: new_id() for n in ("nosev", "other_school", "nobody", "hlc0",
                                 "ahead", "notuuid", "upper", "dup", "orphan",
                                 "bureau_kind", "m2", "long_school")}
    ids["notuuid"] = "not-a-uuid"
    ids["long_id"] = "a" + "校" * 30
    ids["upper"] = ids["upper"].upper()
    ahead = (int(time.time() * 1000) + 25 * 3600 * 1000) << 16
    bad = [
        ("nosev", record(ids["nosev"], school, campus, clock.tick(), K_HAZARD,
                         hazard("no severity", AREA_FIRE, 0, today)),
         "INVALID", "hazard.severity is required"),
        ("other_school", record(ids["other_school"], "schoolB", campus, clock.tick(),
                                K_HAZARD, hazard("not mine", AREA_FIRE, SEV_LOW, today)),
         "FORBIDDEN", ""),
        # quoted in the detail cut to a byte count: still valid UTF-8
        ("long_school", record(ids["long_school"], "a" + "校" * 30, campus, clock.tick(),
                               K_HAZARD, hazard("not mine", AREA_FIRE, SEV_LOW, today)),
         "FORBIDDEN", "this certificate writes for"),
        ("long_id", record(ids["long_id"], school, campus, clock.tick(), K_HAZARD,
                           hazard("bad id", AREA_FIRE, SEV_LOW, today)),
         "INVALID", "is not a lower-case UUID"),
        ("nobody", record(ids["nobody"], school, campus, clock.tick()),
         "UNKNOWN_KIND", ""),
        ("hlc0", record(ids["hlc0"], school, campus, 0, K_HAZARD,
                        hazard("hlc zero", AREA_FIRE, SEV_LOW, today)),
         "INVALID", ""),
        ("ahead", record(ids["ahead"], school, campus, ahead, K_HAZARD,
                         hazard("from the future", AREA_FIRE, SEV_LOW, today)),
         "INVALID", ""),
        ("notuuid", record(ids["notuuid"], school, campus, clock.tick(), K_HAZARD,
                           hazard("bad id", AREA_FIRE, SEV_LOW, today)),
         "INVALID", ""),
        ("upper", record(ids["upper"], school, campus, clock.tick(), K_HAZARD,
                         hazard("upper-case id", AREA_FIRE, SEV_LOW, today)),
         "INVALID", ""),
        ("orphan", record(ids["orphan"], school, campus, clock.tick(), K_HAZARD_EVENT,
                          hazard_event(new_id(), HAZARD_ACTION_NOTE, "Py", "no parent")),
         "NOT_FOUND", ""),
        ("bureau_kind", record(ids["bureau_kind"], school, campus, clock.tick(),
                               K_CALENDAR, f_str(1, "2026 autumn") +
                               f_str(2, "2026-09-01") + f_str(3, "2027-01-20")),
         "FORBIDDEN", ""),
        ("m2", record(ids["m2"], school, campus, clock.tick(), K_MEETING,
                      meeting("py second meeting", today, 3, "short")),
         None, ""),
        ("dup", record(ids["dup"], school, campus, clock.tick(), K_MEETING,
                       meeting("dup one", today, 1, "a")), None, ""),
        ("dup", record(ids["dup"], school, campus, clock.tick(), K_MEETING,
                       meeting("dup two", today, 1, "b")), "INVALID", ""),
    ]
    res, shlc = c.push([b[1] for b in bad])
    clock.observe(shlc)
    check("bad batch: one result per record", len(res) == len(bad), res)
    check("bad batch: every detail is valid UTF-8", all(r["utf8"] for r in res),
          [r["detail"] for r in res if not r["utf8"]])
    for (name, _, want, detail), r in zip(bad, res):
        if want is None:
            ok = r["accepted"] and r["seq"] > 0
            if ok:
                out["accepted"].setdefault(ids[name], r["seq"])
            check("bad batch: %s accepted beside the rejected ones" % name, ok, r)
        else:
            ok = (not r["accepted"] and r["reason"] == want and
                  (detail in r["detail"]) and r["detail"] != "")
            if name != "dup":
                out["rejected"].append(ids[name])
            check("bad batch: %s is REJECT_%s (%s)" % (name, want, r["detail"]), ok, r)

    # newest version wins (section 5)
    h1_v2 = clock.tick()
    v2 = record(h1, school, campus, h1_v2, K_HAZARD,
                hazard("py hazard one, revised", AREA_FACILITY, SEV_HIGH, today,
                       location="Gym", reporter="Py"))
    res, shlc = c.push([v2])
    clock.observe(shlc)
    check("a newer version is stored with a new, higher seq",
          res[0]["accepted"] and res[0]["seq"] > first[h1], res)
    v2_seq = res[0]["seq"]
    res, _ = c.push([batch[0]])
    check("the older version again: accepted with the stored row's seq",
          res[0]["accepted"] and res[0]["seq"] == v2_seq, (res, v2_seq))

    # an immutable event (a NOTE needs no signature)
    e1 = new_id()
    ev = record(e1, school, campus, clock.tick(), K_HAZARD_EVENT,
                hazard_event(h1, HAZARD_ACTION_NOTE, "Py", "checked the gym door"))
    res, _ = c.push([ev])
    check("a hazard NOTE event is accepted", res[0]["accepted"], res)
    e1_seq = res[0]["seq"]
    res, _ = c.push([ev])
    check("the same event again: accepted, same seq",
          res[0]["accepted"] and res[0]["seq"] == e1_seq, res)
    res, _ = c.push([record(e1, school, campus, clock.tick(), K_HAZARD_EVENT,
                            hazard_event(h2, HAZARD_ACTION_NOTE, "Py", "moved"))])
    check("the event id reused for another hazard: REJECT_IMMUTABLE",
          not res[0]["accepted"] and res[0]["reason"] == "IMMUTABLE", res)

    out["accepted"].update({h1: v2_seq, m1: first[m1], h2: first[h2], e1: e1_seq})
    out["h1_hlc"] = h1_v2
    out["h1"], out["m1"], out["h2"], out["e1"] = h1, m1, h2, e1

    # 4. Pull from cursor 0 in pages of 2
    rows, cursor, more, pages = [], 0, True, 0
    while more:
        got, cursor, more, log_seq, log_hash = c.pull(cursor, limit=2)
        pages += 1
        if len(got) > 2:
            check("a page holds at most `limit` rows", False, len(got))
        rows += got
        for r in got:
            clock.observe(r["hlc"])
        if pages > 100:
            break
    check("pulled in several pages (%d)" % pages, pages >= 3, pages)
    check("rows come in ascending seq",
          [r["seq"] for r in rows] == sorted(r["seq"] for r in rows), rows)
    check("the final cursor is the last row's seq",
          rows and cursor == rows[-1]["seq"], (cursor, rows[-1:]))
    check("a school's Changes carry no signoff log head",
          log_seq == 0 and log_hash == b"", (log_seq, log_hash))
    by_id = {}
    for r in rows:
        by_id[r["id"]] = r
    mine = by_id.get(h1)
    check("my hazard came back, newest version, as pushed",
          mine is not None and mine["kind"] == K_HAZARD and
          g_str(mine["body"], 1) == "py hazard one, revised" and
          mine["hlc"] == h1_v2 and mine["seq"] == v2_seq and
          mine["school"] == school and mine["campus"] == campus and
          mine["written_by"] == campus and g_int(mine["body"], 3) == AREA_FACILITY,
          mine)
    check("the hazard appears once (its old version is gone from the feed)",
          sum(1 for r in rows if r["id"] == h1) == 1, [r for r in rows if r["id"] == h1])
    mm = by_id.get(m1)
    check("my meeting came back with its fields",
          mm is not None and mm["kind"] == K_MEETING and
          g_str(mm["body"], 5) == "Minutes: 安全第一" and g_int(mm["body"], 4) == 7,
          mm)
    ee = by_id.get(e1)
    check("my event came back", ee is not None and ee["kind"] == K_HAZARD_EVENT and
          g_str(ee["body"], 1) == h1, ee)
    others = [r for r in rows if r["kind"] == K_HAZARD and
              g_str(r["body"], 1) == args.other_title]
    check("the other campus's hazard (pushed by safecampus) came back",
          len(others) == 1 and others[0]["campus"] != campus and
          others[0]["written_by"] == others[0]["campus"] and
          others[0]["school"] == school, others)
    check("no row of another school",
          all(r["school"] in (school, "") for r in rows) and
          not any(g_str(r["body"], 1) == args.hidden_title for r in rows))
    check("no rejected record came back",
          not any(r["id"] in out["rejected"] for r in rows))
    got, cursor2, more, _, _ = c.pull(cursor)
    check("a pull at the head: no rows, the same cursor, no more",
          got == [] and cursor2 == cursor and not more, (got, cursor2, more))

    # 5. Ping, Subscribe / Notify, a Dashboard
    pong = c.call(PING, f_uint(1, 0xC0FFEE), PONG)
    check("Pong echoes the nonce", g_int(pong, 1) == 0xC0FFEE, pong)
    # pipelining: three requests before reading, answered in order
    sent = [(c.send(PING, f_uint(1, 1)), PONG), (c.send(PULL, f_uint(1, cursor)), CHANGES),
            (c.send(PING, f_uint(1, 2)), PONG)]
    got = [c.read_frame()[:2] for _ in sent]
    check("three pipelined requests are answered in order", got == sent, (got, sent))
    n = c.call(SUBSCRIBE, f_uint(1, 1), NOTIFY)
    check("Subscribe answered by a Notify with its request id (head %d)" % g_int(n, 1),
          n is not None)
    c2 = Conn(args, args.cert2, args.key2)
    w2 = c2.hello()
    clock.observe(w2["server_hlc"])
    m3 = new_id()
    m3_rec = record(m3, school, w2["campus"], clock.tick(), K_MEETING,
                    meeting("meeting from the other campus", today, 4, "x"))
    res, _ = c2.push([m3_rec])
    check("the other campus's push is accepted", res[0]["accepted"], res)
    out["accepted"][m3] = res[0]["seq"]
    notes = unsolicited(c, 1.5)
    check("one Notify (request_id 0) for the other campus's Push",
          [a for a, _ in notes] == [NOTIFY] and g_int(notes[0][1], 1) >= res[0]["seq"],
          [(ARMS.get(a), b) for a, b in notes])
    res, _ = c2.push([m3_rec])
    notes = unsolicited(c, 0.7)
    check("no Notify for a Push of re-sends (nothing stored)",
          res[0]["accepted"] and notes == [], notes)
    c2.close()
    # my own Push while subscribed: its PushAck, and its Notify before or after it
    m4 = new_id()
    res, _ = c.push([record(m4, school, campus, clock.tick(), K_MEETING,
                            meeting("py third meeting", today, 2, "y"))])
    out["accepted"][m4] = res[0]["seq"]
    notes = unsolicited(c, 0.7)
    check("my own Push while subscribed: accepted, and one Notify",
          res[0]["accepted"] and [a for a, _ in notes] == [NOTIFY], notes)
    got, cursor, more, _, _ = c.pull(cursor)
    check("the pull after the Notify brings those meetings",
          [r["id"] for r in got] == [m3, m4], got)

    d = c.call(DASH_REQ, b"", DASH)
    check("DashboardRequest: this school's dashboard",
          g_str(d, 1) == school and len(g_all(d, 6)) > 0 and g_int(d, 9) >= 1,
          {k: d[k] for k in (1, 2, 3, 4, 9) if k in d})
    out["dashboard_period"] = [g_str(d, 2), g_str(d, 3), g_str(d, 4)]

    # 6. close cleanly
    check("closed with close_notify", c.close())

    # the bureau: school "", every school's rows, the signoff log's head
    # (no signature yet: place 0, no hash), the district's dashboard
    b = Conn(args, args.bureau_cert, args.bureau_key)
    wb = b.hello()
    check("the bureau's Welcome: role BUREAU, school \"\"",
          (wb["role"], wb["school"]) == (ROLE_BUREAU, ""), wb)
    rows, bcursor, more = [], 0, True
    while more:
        got, bcursor, more, log_seq, log_hash = b.pull(bcursor)
        rows += got
    titles = {g_str(r["body"], 1) for r in rows if r["kind"] == K_HAZARD}
    check("the bureau pulls both schools' hazards",
          {args.other_title, args.hidden_title, "py hazard one, revised"} <= titles, titles)
    check("the bureau's Changes: log head 0 and no hash before any signature",
          (log_seq, log_hash) == (0, b""), (log_seq, log_hash))
    d = b.call(DASH_REQ, b"", DASH)
    check("the bureau's dashboard is the district's (scope \"\", two schools)",
          g_str(d, 1) == "" and g_int(d, 9) == 2 and len(g_all(d, 10)) == 2,
          {k: d[k] for k in (1, 9) if k in d})
    check("the bureau closes with close_notify", b.close())

    # errors that end a connection
    c = Conn(args, args.cert, args.key)
    c.hello()
    c.send(DASH_REQ, f_str(2, "2026-02-30"), rid=77)
    rid, code, closed = c.expect_error()
    check("a dashboard for 2026-02-30: ERROR_BAD_REQUEST for that request, closed",
          (rid, code, closed) == (77, ERR_BAD_REQUEST, True), (rid, code, closed))
    c.tls.close()

    c = Conn(args, args.cert, args.key)
    c.hello()
    c.send(PULL, f_uint(1, cursor + 1000000), rid=9)
    rid, code, closed = c.expect_error()
    check("a cursor beyond the feed's head: ERROR_BAD_REQUEST, closed",
          (rid, code, closed) == (9, ERR_BAD_REQUEST, True), (rid, code, closed))
    c.tls.close()

    # (its Hello's health report is the campus's latest: the shell test reads it)
    c = Conn(args, args.cert, args.key)
    out["health_oldest_ms"] = int(time.time() * 1000) - 3600000
    c.hello(pending=5, oldest_ms=out["health_oldest_ms"])
    c.send_raw(struct.pack(">I", 4194305))
    rid, code, closed = c.expect_error()
    check("a length prefix above max_frame_bytes: ERROR_FRAME_TOO_LARGE, id 0, closed",
          (rid, code, closed) == (0, ERR_FRAME_TOO_LARGE, True), (rid, code, closed))
    c.tls.close()

    with open(args.out, "w") as f:
        json.dump(out, f)
    print("%d passed, %d failed" % (PASSED, FAILED))
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
