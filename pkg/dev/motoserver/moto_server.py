"""Serve moto's DynamoDB one request at a time on 127.0.0.1.

moto is not isolated under concurrent requests: TransactWriteItems copies the
whole table and a cancelled transaction restores that copy, undoing whatever
other requests wrote meanwhile. A lock around moto's WSGI application makes
every request atomic; moto is bound by Python's GIL anyway, so throughput
barely changes.

Usage: python3 moto_server.py [PORT]   (0 or nothing: a free port)
Prints "listening on PORT" once ready. Exits when its standard input closes,
so it never outlives the program that started it.
"""
import logging
import os
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server


def serialized(app):
    lock = threading.Lock()

    def serve_one(environ, start_response):
        with lock:
            # Materialise the body inside the lock: a lazy iterator would run
            # moto's code after the lock is released.
            return list(app(environ, start_response))

    return serve_one


def exit_when_parent_goes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = serialized(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=exit_when_parent_goes, daemon=True).start()
    print(f"listening on {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
