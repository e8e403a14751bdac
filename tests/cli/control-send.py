#!/usr/bin/env python3
"""control-send.py - a raw client of csgw's control socket, for tests that
send what csgw itself never would (garbled, truncated, oversized requests,
wrong descriptors) and print what the daemon answered.

usage: control-send.py SOCKET KIND
KIND: oversized, truncated, garbled, version, no-fds, many-fds, bad-file,
      empty, good-status (a well-formed 'status' request), pipe-output (an
      audit report whose -o is a pipe), write-input (a file open for
      writing where no -o or --detail is)
Prints the answer message, or "closed" when the daemon closed without one.
"""
import os
import socket
import sys

MAGIC = b"csgw-control 1 "


def request(args, files=()):
    body = b"".join(a.encode() + b"\0" for a in args)
    body += b"".join(str(i).encode() + b"\0" for i in files)
    return MAGIC + b"%d %d\n" % (len(args), len(files)) + body


def main():
    path, kind = sys.argv[1], sys.argv[2]
    out, err = os.open("/dev/null", os.O_WRONLY), os.open("/dev/null", os.O_WRONLY)
    fds = [out, err]
    if kind == "oversized":
        msg = request(["status"] + ["x" * 4000] * 17)
    elif kind == "truncated":
        msg = request(["locate", "list", "--mine"])[:-8]
    elif kind == "garbled":
        msg = bytes((i * 37 + 11) % 256 for i in range(3000))
    elif kind == "version":
        msg = request(["status"]).replace(b"control 1", b"control 9")
    elif kind == "no-fds":
        msg, fds = request(["status"]), []
    elif kind == "many-fds":
        msg, fds = request(["status"]), [out, err] + [os.open("/dev/null", os.O_RDONLY)] * 6
    elif kind == "bad-file":
        msg = request(["policy", "explain", "x.xml"], files=[9])
    elif kind == "pipe-output":
        r, w = os.pipe()
        fds.append(w)
        msg = request(["audit", "report", "-o", "x.html"], files=[3])
    elif kind == "write-input":
        fds.append(os.open("/dev/null", os.O_WRONLY))
        msg = request(["audit", "report", "x.html", "-o", "-"], files=[2])
    elif kind == "empty":
        msg = b""
    elif kind == "good-status":
        msg = request(["status"])
    else:
        sys.exit("unknown kind " + kind)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.settimeout(20)
    try:
        s.sendmsg([msg], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, bytes().join(
            fd.to_bytes(4, sys.byteorder) for fd in fds))] if fds else [])
    except OSError as e:
        print("send failed: %s" % e)
        return
    try:
        answer = s.recv(4096)
    except (ConnectionResetError, socket.timeout):
        answer = b""
    print(answer.decode(errors="replace").strip() if answer else "closed")


main()
