#!/usr/bin/python3
"""Post DCSA Track & Trace messages to cbl and print the milestone notifications.

    dcsa_listen.py [--source CODE] [--wait SECONDS] FILE...

Connects with the usual libpq settings (PGHOST, PGPORT, PGDATABASE, PGUSER,
or a DSN in CBL_DSN), LISTENs on cbl_milestone, then sends each FILE (a DCSA
2.2 or 3.0 message: an array of events, or {"events": [...]}) with
cbl.ingest_events('dcsa', message, source), one transaction per file.  After
each it prints the ingest counts and every notification that arrives: one
per shipment whose milestone state changed, as JSON on one line.

Needs Debian's python3-psycopg2.  docs/formats.md explains the format.
"""
import argparse
import json
import os
import select
import sys

import psycopg2
import psycopg2.extensions


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", metavar="FILE", help="DCSA message (JSON)")
    parser.add_argument("--source", default="dcsa", help="who sent the messages (default: dcsa)")
    parser.add_argument("--wait", type=float, default=1.0,
                        help="seconds to wait for notifications after each file (default: 1)")
    args = parser.parse_args()

    conn = psycopg2.connect(os.environ.get("CBL_DSN", ""))
    conn.set_isolation_level(psycopg2.extensions.ISOLATION_LEVEL_AUTOCOMMIT)
    listen = conn.cursor()
    listen.execute("LISTEN cbl_milestone")

    for path in args.files:
        with open(path, encoding="utf-8") as f:
            message = f.read()
        # One transaction per file: the notifications are sent when it commits.
        with conn.cursor() as cur:
            cur.execute("BEGIN")
            cur.execute("SELECT * FROM cbl.ingest_events('dcsa', %s, %s)", (message, args.source))
            counts = dict(zip([c.name for c in cur.description], cur.fetchone()))
            cur.execute("COMMIT")
        print(json.dumps({"file": os.path.basename(path), "ingested": counts}, sort_keys=True))

        # Our own notifications may already have come with the COMMIT's
        # reply; then collect what arrives within --wait seconds of the last.
        while True:
            conn.poll()
            while conn.notifies:
                note = conn.notifies.pop(0)
                print(json.dumps({"channel": note.channel, "notification": json.loads(note.payload)},
                                 sort_keys=True))
            if select.select([conn], [], [], args.wait) == ([], [], []):
                break
        sys.stdout.flush()
    conn.close()


if __name__ == "__main__":
    main()
