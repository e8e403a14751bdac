#!/usr/bin/env python3
"""rollback.py DB KEEP - what an administrator who wants to undo history
would do to a csgw audit log: cut it back to its first KEEP entries and
recompute the stored tree head from the leaves that are left (it needs no
secret), so that the log agrees with itself again."""
import hashlib
import sqlite3
import sys


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def main():
    db, keep = sys.argv[1], int(sys.argv[2])
    con = sqlite3.connect(db)
    con.execute("DELETE FROM entries WHERE id > ?", (keep,))
    # The RFC 6962 frontier: perfect subtree roots, largest first.
    frontier = []  # [height, hash]
    for (leaf,) in con.execute("SELECT leaf FROM entries ORDER BY id"):
        frontier.append([0, leaf])
        while len(frontier) >= 2 and frontier[-1][0] == frontier[-2][0]:
            h, right = frontier.pop()
            frontier[-1] = [h + 1, node(frontier[-1][1], right)]
    text = str(keep) + "".join(" %d:%s" % (h, v.hex()) for h, v in frontier)
    con.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('frontier', ?)", (text,))
    con.commit()
    con.close()


main()
