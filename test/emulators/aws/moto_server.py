# Runs moto's server on 127.0.0.1 for one test-bed emulator and reports the port it got.
#
# Started by moto.ts with stdin as a pipe: when the Node process that started it goes away
# (normal exit, crash or SIGKILL of a test worker) the pipe closes and this process exits, so no
# moto outlives its test. The port is chosen by the kernel (port 0), so parallel test files never
# race for one.
#
# With HOIST_MOTO_RECORDING=<file> (and HOIST_MOTO_SEED) the account survives restarts, through
# moto's own recorder: every request moto serves is appended to the file, and a restarted moto
# seeded the same way replays it before it reports its port, so that moto's seeded random makes
# the same ids again. That holds only if requests draw their random numbers in the order they
# were recorded: so while recording, moto serves one request at a time.
import json
import logging
import os
import signal
import sys
import threading
import urllib.request


def exit_when_parent_goes() -> None:
    # Blocks until the pipe from the parent closes; read() returns b"" only at EOF.
    while sys.stdin.buffer.read(4096):
        pass
    os._exit(0)


def tolerate_parsed_creation_dates() -> None:
    # moto 5.2.1 parses the catalogue's creation_date in place when a region's backend loads it,
    # so the second region finds a datetime where it expects a string and answers 500.
    from datetime import datetime

    import moto.ec2.models.amis as amis

    parse = amis.parse_timestamp
    amis.parse_timestamp = lambda value: value if isinstance(value, datetime) else parse(value)


class OneAtATime:
    """WSGI middleware: one request at a time, except the recorder's own (replay calls back in)."""

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").startswith("/moto-api/recorder/"):
            return self.app(environ, start_response)
        with self.lock:
            return list(self.app(environ, start_response))


def start_server(recording: bool):
    from werkzeug.serving import make_server

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    app = DomainDispatcherApplication(create_backend_app)
    server = make_server("127.0.0.1", 0, OneAtATime(app) if recording else app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server.server_address[1]


def restore_and_record(port: int, recording_file: str, seed: str) -> None:
    def post(path: str) -> None:
        urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=b"", method="POST")).read()

    post(f"/moto-api/seed?a={int(seed)}")
    if os.path.exists(recording_file) and os.path.getsize(recording_file) > 0:
        post("/moto-api/recorder/replay-recording")
    post("/moto-api/recorder/start-recording")


def main() -> None:
    # Linux only: also die with the parent thread, in case something keeps the pipe open.
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    threading.Thread(target=exit_when_parent_goes, daemon=True).start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    recording_file = os.environ.get("HOIST_MOTO_RECORDING")
    if recording_file:
        os.environ["MOTO_RECORDER_FILEPATH"] = recording_file

    # Imported after the environment (MOTO_AMIS_PATH and friends) is final: moto reads it at import.
    tolerate_parsed_creation_dates()
    port = start_server(recording=bool(recording_file))
    if recording_file:
        restore_and_record(port, recording_file, os.environ.get("HOIST_MOTO_SEED", "0"))
    sys.stdout.write(json.dumps({"host": "127.0.0.1", "port": port}) + "\n")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Event().wait()


if __name__ == "__main__":
    main()
