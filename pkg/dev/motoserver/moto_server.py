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
import copy
import logging
import os
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import StreamShard
from moto.dynamodbstreams.models import DynamoDBStreamsBackend
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


def keep_streams_through_transactions():
    """Make a table's stream survive TransactWriteItems as DynamoDB's does.

    moto backs up every table a transaction touches with a deep copy, stream
    included, and puts the copy in place when the transaction is cancelled.
    Copying the stream makes every transaction slower as the stream grows
    (283 ms instead of 12 ms after 10,000 writes), and putting a copy in place
    leaves the shard iterators already handed out reading the discarded
    stream. So the backup shares the stream's records instead of copying
    them, and a cancelled transaction puts the table's own stream back, cut
    to the records it had before the transaction.
    """

    def shallow_copy(shard, memo):
        clone = StreamShard.__new__(StreamShard)
        memo[id(shard)] = clone
        clone.__dict__.update(shard.__dict__)
        clone.table = copy.deepcopy(shard.table, memo)
        return clone

    StreamShard.__deepcopy__ = shallow_copy
    transact = DynamoDBBackend.transact_write_items

    def transact_keeping_streams(self, transact_items):
        streams = {
            name: (table.stream_shard, len(table.stream_shard.items))
            for name, table in self.tables.items()
            if table.stream_shard is not None
        }
        try:
            return transact(self, transact_items)
        finally:
            for name, (shard, length) in streams.items():
                table = self.tables.get(name)
                if table is not None and table.stream_shard is not shard:
                    del shard.items[length:]
                    shard.table, table.stream_shard = table, shard

    DynamoDBBackend.transact_write_items = transact_keeping_streams


def forget_old_shard_iterators(kept=1000):
    """Bound the shard iterators moto keeps: it keeps every one it hands out
    (about 6 kB a poll), where DynamoDB's expire after 15 minutes."""
    get_shard_iterator = DynamoDBStreamsBackend.get_shard_iterator
    get_records = DynamoDBStreamsBackend.get_records

    def forget(backend):
        while len(backend.shard_iterators) > kept:
            del backend.shard_iterators[next(iter(backend.shard_iterators))]

    def get_shard_iterator_forgetting(self, *args, **kwargs):
        result = get_shard_iterator(self, *args, **kwargs)
        forget(self)
        return result

    def get_records_forgetting(self, *args, **kwargs):
        result = get_records(self, *args, **kwargs)
        forget(self)
        return result

    DynamoDBStreamsBackend.get_shard_iterator = get_shard_iterator_forgetting
    DynamoDBStreamsBackend.get_records = get_records_forgetting


def exit_when_parent_goes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    finally:
        os._exit(0)


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    keep_streams_through_transactions()
    forget_old_shard_iterators()
    app = serialized(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", port, app, threaded=True)
    threading.Thread(target=exit_when_parent_goes, daemon=True).start()
    print(f"listening on {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
