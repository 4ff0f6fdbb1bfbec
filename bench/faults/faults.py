#!/usr/bin/python3
"""Fault-injection scenarios for itsm-scheduler (issue 8); run through bench/faults/run.

Each scenario drives the release binaries against real servers on loopback, asserts its
invariants, and prints one result line. Exit status 1 when any invariant fails.
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SINK = os.path.join(ROOT, "Tests", "Support", "smtp_sink.py")
SECRET = "faults-bench-link-signing-key-0123456789abcdef"
STARTED = "itsm-scheduler started"


def log(text):
    print(f"==> {text}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, timeout=120.0, interval=0.1):
    """Polls `condition` until it holds; raises after `timeout` seconds (never waits for time itself)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def due_offset(past=30):
    """Seconds from now to just past the next 08:00 UTC: the daily list's run is then due."""
    now = datetime.datetime.now(datetime.timezone.utc)
    eight = now.replace(hour=8, minute=0, second=0, microsecond=0)
    if eight <= now:
        eight += datetime.timedelta(days=1)
    return int((eight - now).total_seconds()) + 1 + past


# MARK: servers

class Sink:
    """smtp_sink.py on a free port, writing into its own folder."""

    def __init__(self, work, name, faults=(), delay=0.0, port=None):
        self.directory = os.path.join(work, f"sink-{name}")
        os.makedirs(self.directory, exist_ok=True)
        arguments = ["/usr/bin/python3", SINK, "--dir", self.directory]
        for fault in faults:
            arguments += ["--fault", fault]
        if delay:
            arguments += ["--delay", str(delay)]
        if port:
            arguments += ["--port", str(port)]
        self.log = open(os.path.join(work, f"sink-{name}.log"), "w")
        self.process = subprocess.Popen(arguments, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log)
        words = self.process.stdout.readline().split()
        if len(words) != 2 or words[0] != b"READY":
            raise RuntimeError(f"the SMTP sink did not start (see {self.log.name})")
        self.port = int(words[1])
        self.url = f"smtp://127.0.0.1:{self.port}"

    def accepted(self):
        return sum(1 for name in os.listdir(self.directory) if name.endswith(".json"))

    def message_ids(self):
        """The Message-ID of every accepted message, in order (one per accepted copy)."""
        ids = []
        for name in sorted(os.listdir(self.directory)):
            if not name.endswith(".eml"):
                continue
            with open(os.path.join(self.directory, name), "rb") as file:
                head = file.read(8192).split(b"\r\n\r\n", 1)[0]
            found = None
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"message-id:"):
                    found = line.split(b":", 1)[1].strip().strip(b"<>").decode()
            ids.append(found or f"?{name}")
        return ids

    def injected(self):
        with open(os.path.join(self.directory, "faults.state")) as file:
            return json.load(file)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Postgres:
    """A throwaway PostgreSQL 15 cluster as the postgres user, on a loopback port."""

    def __init__(self, work):
        bins = sorted(d for d in (f"/usr/lib/postgresql/{v}/bin" for v in os.listdir("/usr/lib/postgresql")) if os.path.exists(d + "/pg_ctl"))
        if not bins:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        self.bin = bins[-1]
        self.directory = os.path.join(work, "pg")
        self.port = free_port()
        shutil.chown(work, "postgres")
        self.run("initdb", "-D", self.directory, "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--auth=trust", "--no-sync")
        self.log = os.path.join(work, "pg.log")
        self.options = f"-p {self.port} -k {work} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200"
        self.start()
        self.run("createdb", "-h", work, "-p", str(self.port), "-U", "postgres", "itsm_faults")
        self.url = f"postgres://postgres@127.0.0.1:{self.port}/itsm_faults"

    def run(self, tool, *arguments):
        subprocess.run(["runuser", "-u", "postgres", "--", f"{self.bin}/{tool}", *arguments], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")

    def start(self):
        self.run("pg_ctl", "-D", self.directory, "-l", self.log, "-w", "-o", self.options, "start")

    def stop(self, mode="fast"):
        if os.path.exists(os.path.join(self.directory, "postmaster.pid")):
            self.run("pg_ctl", "-D", self.directory, "-m", mode, "-w", "stop")

    def psql(self, sql):
        result = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", self.url, "-c", sql],
                                check=True, capture_output=True, text=True)
        return [line.split("|") for line in result.stdout.splitlines() if line]


class Database:
    """A SQLite file or the PostgreSQL database: the URL for the binaries, and queries for checks."""

    def __init__(self, url, postgres=None):
        self.url = url
        self.postgres = postgres

    def query(self, sql):
        if self.postgres:
            return self.postgres.psql(sql)
        connection = sqlite3.connect(self.url.removeprefix("sqlite:"), timeout=30)
        try:
            return [[str(v) for v in row] for row in connection.execute(sql).fetchall()]
        finally:
            connection.close()

    def outbox(self):
        counts = {"queued": 0, "sending": 0, "sent": 0, "failed": 0}
        for status, count in self.query("SELECT status, COUNT(*) FROM outbox_messages GROUP BY status"):
            counts[status] = int(count)
        return counts

    def seed_confirmed(self, slug, count):
        """`count` confirmed subscriptions to list `slug`, written straight into the tables (the CLI's
        import takes minutes for 10,000), as `itsm subscribers import --confirmed` leaves them."""
        now = int(time.time() * 1_000_000)
        if self.postgres:
            self.postgres.psql(f"""
                INSERT INTO subscribers (address, address_key, address_hash, display_name, created_at_us)
                SELECT a, a, encode(sha256(convert_to(a, 'UTF8')), 'hex'), 'Person ' || g, {now}
                FROM (SELECT g, 'person' || lpad(g::text, 5, '0') || '@example.org' AS a FROM generate_series(1, {count}) g) s;
                INSERT INTO subscriptions (version, list_id, subscriber_id, state, subscribed_at_us, confirmed_at_us)
                SELECT 1, (SELECT id FROM mailing_lists WHERE slug = '{slug}'), id, 'confirmed', {now}, {now} FROM subscribers ORDER BY id;
                """)
            return
        connection = sqlite3.connect(self.url.removeprefix("sqlite:"), timeout=30)
        with connection:
            (list_id,) = connection.execute("SELECT id FROM mailing_lists WHERE slug = ?", (slug,)).fetchone()
            rows = []
            for number in range(1, count + 1):
                address = f"person{number:05d}@example.org"
                rows.append((address, address, hashlib.sha256(address.encode()).hexdigest(), f"Person {number}", now))
            connection.executemany(
                "INSERT INTO subscribers (address, address_key, address_hash, display_name, created_at_us) VALUES (?, ?, ?, ?, ?)", rows)
            connection.execute(
                "INSERT INTO subscriptions (version, list_id, subscriber_id, state, subscribed_at_us, confirmed_at_us) "
                "SELECT 1, ?, id, 'confirmed', ?, ? FROM subscribers ORDER BY id", (list_id, now, now))
        connection.close()


# MARK: the binaries

class Binaries:
    def __init__(self, directory, work):
        self.directory = directory
        self.work = work
        self.http_port = free_port()

    def environment(self, database, mail_url=None, state=None, extra=None):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.work,
            "ITSM_DATABASE_URL": database.url, "ITSM_STATE_DIRECTORY": state or os.path.join(self.work, "state"),
            "ITSM_SECRET_KEY": SECRET, "ITSM_PUBLIC_URL": "https://itsm.example.org/",
            "ITSM_HTTP_BIND": f"127.0.0.1:{self.http_port}", "ITSM_SCHEDULER_TICK_SECONDS": "1",
        }
        if mail_url:
            env["ITSM_SMTP_URL"] = mail_url
        env.update(extra or {})
        return env

    def itsm(self, env, *arguments):
        result = subprocess.run([os.path.join(self.directory, "itsm"), *arguments], env=env, cwd=self.work, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"itsm {' '.join(arguments)} exited {result.returncode}: {result.stderr.strip()}")
        return result.stdout

    def daemon(self, env, name):
        return Daemon(os.path.join(self.directory, "itsm-scheduler"), env, self.work, name)


class Daemon:
    """itsm-scheduler as a child, its standard error in a file."""

    def __init__(self, path, env, work, name):
        self.log_path = os.path.join(work, f"daemon-{name}.log")
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen([path], env=env, cwd=work, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)

    def text(self):
        with open(self.log_path, errors="replace") as file:
            return file.read()

    def wait_for_line(self, needle, timeout=60):
        def seen():
            if needle in self.text():
                return True
            if self.process.poll() is not None:
                raise RuntimeError(f"itsm-scheduler exited {self.process.returncode} before '{needle}': {self.text()[-2000:]}")
            return False
        wait_for(f"'{needle}' from itsm-scheduler", seen, timeout)

    def kill(self, sig=signal.SIGKILL, timeout=60):
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)


def create_due_list(bins, env, slug):
    bins.itsm(env, "db", "migrate")
    bins.itsm(env, "lists", "create", slug, "--title", f"Faults {slug}", "--sender", "itsm@example.org",
              "--schedule", "daily 08:00", "--time-zone", "UTC")


# MARK: results

class Scenario:
    """Collects one scenario's figures and failed invariants."""

    def __init__(self, name):
        self.name = name
        self.started = time.monotonic()
        self.figures = {}
        self.failures = []

    def check(self, condition, what):
        if not condition:
            self.failures.append(what)

    def line(self):
        seconds = time.monotonic() - self.started
        figures = " ".join(f"{key}={value}" for key, value in self.figures.items())
        verdict = "PASS" if not self.failures else "FAIL: " + "; ".join(self.failures)
        return f"{self.name:<12} {figures} time={seconds:.1f}s {verdict}"


def delivery_counts(sink, expected_prefix="digest."):
    """Copies per Message-ID at the sink: (distinct digests, total digest copies, duplicates)."""
    ids = [i for i in sink.message_ids() if i.startswith(expected_prefix)]
    distinct = len(set(ids))
    return distinct, len(ids), len(ids) - distinct


def drain(daemon, database, timeout=300):
    """Waits for the outbox to hold nothing queued or sending."""
    def drained():
        if daemon.process.poll() is not None:
            raise RuntimeError(f"itsm-scheduler exited {daemon.process.returncode}: {daemon.text()[-2000:]}")
        counts = database.outbox()
        return counts["queued"] + counts["sending"] == 0 and counts["sent"] + counts["failed"] > 0
    wait_for("the outbox to drain", drained, timeout, interval=0.25)


def run_state(database):
    rows = database.query("SELECT state, enqueued FROM digest_runs")
    return [(state, int(enqueued)) for state, enqueued in rows]


# MARK: scenarios

def scenario_kill9(options, work, bins):
    """kill -9 of itsm-scheduler at random instants during a fan-out, restarting each time."""
    result = Scenario("kill9")
    subscribers, kills, connections = options.subscribers, options.kills, options.connections
    database = Database(f"sqlite:{work}/kill9.sqlite")
    # 20 ms per message at the server: 8 connections then deliver at most 400 a second, so the
    # 20 kills all fall inside the fan-out instead of after it.
    sink = Sink(work, "kill9", delay=options.kill9_delay)
    try:
        offset = due_offset()
        env = bins.environment(database, sink.url, extra={"ITSM_SMTP_CONNECTIONS": str(connections)})
        create_due_list(bins, env, "kill9")
        database.seed_confirmed("kill9", subscribers)
        rng = random.Random(options.seed)
        at_kill = []
        for number in range(kills + 1):
            # A dead instance's claims expire (digest runs after 2 minutes, outbox messages after 5):
            # each restart's clock is 10 minutes on, as a restart after a real crash finds them.
            env["ITSM_TESTING_CLOCK_OFFSET_SECONDS"] = str(offset + 600 * number)
            daemon = bins.daemon(env, f"kill9-{number}")
            daemon.wait_for_line(STARTED)
            if number == kills:
                drain(daemon, database)
                wait_for("the digest run to finish", lambda: run_state(database) and run_state(database)[0][0] == "sent", 120, 0.25)
                result.check(daemon.kill(signal.SIGTERM) == 0, "the last daemon did not exit 0 on SIGTERM")
                break
            # A random instant in the first 2 s after start: the fan-out (about 300 subscribers a second
            # enqueued on this machine) and its delivery are under way.
            time.sleep(rng.uniform(0.3, 2.0))
            daemon.kill()
            state = run_state(database)
            counts = database.outbox()
            at_kill.append((sink.accepted(), state[0] if state else None, counts))
        distinct, total, duplicates = delivery_counts(sink)
        counts = database.outbox()
        lost = subscribers - distinct
        bound = connections * kills
        result.figures.update(
            subscribers=subscribers, kills=kills, connections=connections, delivered=distinct, copies=total,
            duplicates=duplicates, lost=lost, bound=bound, outbox_sent=counts["sent"], outbox_failed=counts["failed"])
        # A kill is mid fan-out when the run was not finished or mail was still waiting in the outbox.
        during = sum(1 for _, state, counts in at_kill if (state and state[0] != "sent") or counts["queued"] + counts["sending"] > 0)
        result.figures["kills_mid_fanout"] = during
        result.check(lost == 0, f"{lost} subscribers got no digest")
        result.check(counts["failed"] == 0 and counts["sent"] == subscribers, f"outbox {counts}")
        result.check(duplicates <= bound, f"{duplicates} duplicates > {bound} (connections x kills)")
        result.check(during == kills, f"only {during} of {kills} kills came before the fan-out was delivered")
        per_kill = [accepted for accepted, _, _ in at_kill]
        result.figures["accepted_at_kills"] = ",".join(str(a) for a in per_kill)
    finally:
        sink.stop()
    return result


SCENARIOS = {
    "kill9": scenario_kill9,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="folder with the release itsm and itsm-scheduler")
    parser.add_argument("--only", action="append", choices=sorted(SCENARIOS), help="run only this scenario (repeatable)")
    parser.add_argument("--subscribers", type=int, default=10_000, help="kill9: subscribers of the fanned-out list")
    parser.add_argument("--kills", type=int, default=20, help="kill9: kill -9 this many times")
    parser.add_argument("--kill9-delay", type=float, default=0.02, help="kill9: seconds the server takes per message")
    parser.add_argument("--connections", type=int, default=8, help="SMTP connections of the daemon")
    parser.add_argument("--seed", type=int, default=8, help="random seed for the kill instants")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    options = parser.parse_args()

    results = []
    for name in options.only or list(SCENARIOS):
        work = tempfile.mkdtemp(prefix=f"itsm-faults-{name}.")
        os.chmod(work, 0o755)
        log(f"{name} in {work}")
        try:
            results.append(SCENARIOS[name](options, work, Binaries(options.bin, work)))
        except Exception as error:  # a scenario that cannot finish is a failed scenario
            failed = Scenario(name)
            failed.failures.append(f"{type(error).__name__}: {error}")
            results.append(failed)
        finally:
            if not options.keep:
                shutil.rmtree(work, ignore_errors=True)
        print(results[-1].line(), flush=True)
    print()
    for result in results:
        print(result.line())
    sys.exit(0 if all(not r.failures for r in results) else 1)


if __name__ == "__main__":
    main()
