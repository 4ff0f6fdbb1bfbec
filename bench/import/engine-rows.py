#!/usr/bin/env python3
"""The rows an itsm import of the bench's CSV writes, as plain SQL for sqlite3 or psql (issue 7).

The ceiling peer of bench/import/run: the engine itself writing the same rows, in multi-row INSERTs,
one transaction per BATCH rows of the file (the importer's batch), into a database that `itsm db
migrate` made and `itsm lists create` gave the list. It reads nothing back: ids are those a fresh
database hands out after the ids already there (`--after`), as the importer gets them back.

    engine-rows.py subscribers FILE.csv --list-id 1 --list-slug bench --operator bench --reason benchmark
    engine-rows.py incidents FILE.csv

Subscribers (`itsm subscribers import LIST FILE --confirmed`, `SubscriptionRepository.enrolNew`):
per batch, the subscribers in address-key order, then in file order their confirmed subscriptions
(version 2), two audit events each (created -> pending, pending -> confirmed) and two consent
records (subscribed, confirmed). address_key is the address lower-cased; address_hash the lower-case
hex SHA-256 of its UTF-8 (`AddressKey`).

Incidents (`itsm import incidents FILE`): each row an incident (version 1, priority from the ITIL
impact x urgency matrix) and its history as `Incident.imported` builds it, for the states the bench
file uses (new, in-progress, resolved, closed). Other columns or states stop this script.
"""
import argparse, csv, datetime, hashlib, sys, time

ITIL = {  # impact -> urgency -> priority
    "high": {"high": 1, "medium": 2, "low": 3},
    "medium": {"high": 2, "medium": 3, "low": 4},
    "low": {"high": 3, "medium": 4, "low": 4},
}


def text(value):
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def number(value):
    return "NULL" if value is None else str(value)


def microseconds(iso):
    if not iso:
        return None
    moment = datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
    return int(moment.timestamp()) * 1_000_000


def insert(out, table, columns, rows, suffix=""):
    if rows:
        out.write(f"INSERT INTO {table} ({', '.join(columns)}) VALUES\n")
        out.write(",\n".join("(" + ", ".join(row) + ")" for row in rows))
        out.write(f"{suffix};\n")


def subscribers(reader, out, args, batch):
    subscriber_id, subscription_id = args.after_subscriber, args.after_subscription
    at = str(args.at)
    list_id, slug, operator, reason = str(args.list_id), text(args.list_slug), text(args.operator), text(args.reason)
    people = []
    for row in batch:
        address = row["email"].strip()
        name = row.get("name") or None
        people.append((address, address.lower(), name))
    ids = {}
    rows = []
    for address, key, name in sorted(people, key=lambda person: person[1].encode()):
        subscriber_id += 1
        ids[key] = subscriber_id
        rows.append([text(address), text(key), text(hashlib.sha256(key.encode()).hexdigest()), text(name), at])
    insert(out, "subscribers", ["address", "address_key", "address_hash", "display_name", "created_at_us"], rows,
           " ON CONFLICT (address_key) DO NOTHING")
    subscriptions, events, consents = [], [], []
    for _, key, _ in people:
        subscription_id += 1
        subscriptions.append(["2", list_id, str(ids[key]), "'confirmed'", at, at, "NULL"])
        events.append(["'subscription'", str(subscription_id), at, operator, "'created'", "NULL", "'pending'", "NULL"])
        events.append(["'subscription'", str(subscription_id), at, operator, "'transitioned'", "'pending'", "'confirmed'", "NULL"])
        for action in ("'subscribed'", "'confirmed'"):
            consents.append([str(ids[key]), slug, at, action, "'cli'", "NULL", "NULL", operator, reason, "NULL"])
    insert(out, "subscriptions", ["version", "list_id", "subscriber_id", "state", "subscribed_at_us", "confirmed_at_us",
                                  "unsubscribed_at_us"], subscriptions)
    insert(out, "record_events", EVENT_COLUMNS, events)
    insert(out, "consent_records", ["subscriber_id", "list_slug", "at_us", "action", "method", "ip_address", "user_agent",
                                    "operator", "reason", "confirmation_text"], consents)
    args.after_subscriber, args.after_subscription = subscriber_id, subscription_id


EVENT_COLUMNS = ["record_kind", "record_id", "at_us", "actor", "action", "from_state", "to_state", "detail"]


def incidents(reader, out, args, batch):
    incident_id = args.after_incident
    rows, events = [], []
    for row in batch:
        incident_id += 1
        state = row["state"].strip()
        opened, resolved, closed = (microseconds(row[column].strip()) for column in ("opened_at", "resolved_at", "closed_at"))
        def event(at, action, source, target):
            events.append(["'incident'", str(incident_id), str(at), "'import'", text(action), text(source), text(target), "NULL"])
        event(opened, "created", None, "new")
        if state == "new":
            responded = None
        elif state == "in-progress":
            responded = opened
            event(opened, "transitioned", "new", "in-progress")
            event(opened, "first-response", None, None)
        elif state in ("resolved", "closed") and resolved:
            responded = resolved
            event(resolved, "transitioned", "new", "resolved")
            event(resolved, "first-response", None, None)
            if state == "closed":
                event(closed, "transitioned", "resolved", "closed")
        else:
            sys.exit(f"engine-rows.py: state {state!r} is not one the bench file uses")
        impact, urgency = row["impact"].strip(), row["urgency"].strip()
        rows.append(["1", text(row["title"]), text(row["description"] or None), "NULL", text(impact), text(urgency),
                     str(ITIL[impact][urgency]), text(state), "NULL", "NULL", "FALSE", "NULL", number(opened),
                     number(responded), number(resolved if state in ("resolved", "closed") else None),
                     number(closed if state == "closed" else None)])
    insert(out, "incidents", ["version", "title", "description", "category", "impact", "urgency", "priority", "state",
                              "service_id", "problem_id", "is_major", "assignee", "opened_at_us", "first_response_at_us",
                              "resolved_at_us", "closed_at_us"], rows)
    insert(out, "record_events", EVENT_COLUMNS, events)
    args.after_incident = incident_id


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["subscribers", "incidents"])
    parser.add_argument("file")
    parser.add_argument("--engine", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--batch", type=int, default=500, help="rows of the file per transaction")
    parser.add_argument("--at", type=int, default=int(time.time() * 1_000_000), help="the import's instant, microseconds")
    parser.add_argument("--list-id", type=int, default=1)
    parser.add_argument("--list-slug", default="bench")
    parser.add_argument("--operator", default="bench")
    parser.add_argument("--reason", default="benchmark")
    parser.add_argument("--after-subscriber", type=int, default=0, help="largest subscriber id already there")
    parser.add_argument("--after-subscription", type=int, default=0, help="largest subscription id already there")
    parser.add_argument("--after-incident", type=int, default=0, help="largest incident id already there")
    args = parser.parse_args()
    write = subscribers if args.kind == "subscribers" else incidents
    expected = {"subscribers": {"email", "name"},
                "incidents": {"title", "description", "impact", "urgency", "state", "opened_at", "resolved_at", "closed_at"}}
    out = sys.stdout
    # The pragmas itsm's SQLite connections use (foreign keys are SQLiteNIO's default).
    if args.engine == "sqlite":
        out.write("PRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\nPRAGMA foreign_keys = ON;\n")
    begin = "BEGIN IMMEDIATE;\n" if args.engine == "sqlite" else "BEGIN;\n"
    with open(args.file, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if set(reader.fieldnames or []) != expected[args.kind]:
            sys.exit(f"engine-rows.py: expected the columns {sorted(expected[args.kind])}, got {reader.fieldnames}")
        batch = []
        for row in reader:
            batch.append(row)
            if len(batch) == args.batch:
                out.write(begin)
                write(reader, out, args, batch)
                out.write("COMMIT;\n")
                batch = []
        if batch:
            out.write(begin)
            write(reader, out, args, batch)
            out.write("COMMIT;\n")


if __name__ == "__main__":
    main()
