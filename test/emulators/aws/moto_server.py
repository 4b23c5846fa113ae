# Runs moto's server on 127.0.0.1 for one test-bed emulator and reports the port it got.
#
# Started by moto.ts with stdin as a pipe: when the Node process that started it goes away
# (normal exit, crash or SIGKILL of a test worker) the pipe closes and this process exits, so no
# moto outlives its test. The port is chosen by the kernel (port 0), so parallel test files never
# race for one.
import json
import logging
import os
import signal
import sys
import threading


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


def main() -> None:
    # Linux only: also die with the parent thread, in case something keeps the pipe open.
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass
    threading.Thread(target=exit_when_parent_goes, daemon=True).start()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    # Imported after the environment (MOTO_AMIS_PATH and friends) is final: moto reads it at import.
    from moto.moto_server.threaded_moto_server import ThreadedMotoServer

    tolerate_parsed_creation_dates()

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    sys.stdout.write(json.dumps({"host": host, "port": port}) + "\n")
    sys.stdout.flush()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    threading.Event().wait()


if __name__ == "__main__":
    main()
