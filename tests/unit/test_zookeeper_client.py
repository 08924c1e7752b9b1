# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The stdlib ZooKeeper reader: `srvr` parsing and the wire protocol, against a scripted peer."""

import socket
import struct
import threading

import pytest

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.zookeeper_client import (
    ZooKeeperReader, four_letter_word, parse_srvr, split_hostport)

LEADER = """Zookeeper version: 3.8.6-a1b2c3, built on 2025-02-01 10:00 UTC
Latency min/avg/max: 0/0.5/12
Received: 120
Sent: 119
Connections: 2
Outstanding: 0
Zxid: 0x100000042
Mode: leader
Node count: 31
Proposal sizes last/min/max: 48/48/400
"""


def test_parse_srvr_of_a_leader():
    status = parse_srvr(LEADER)
    assert (status['serving'], status['mode'], status['zxid'], status['node_count'], status['version']) == \
        (True, 'leader', '0x100000042', 31, '3.8.6')


def test_a_member_without_quorum_does_not_serve():
    status = parse_srvr('This ZooKeeper instance is not currently serving requests\n')
    assert (status['serving'], status['mode']) == (False, None)


@pytest.mark.parametrize('server, expected', [
    ('zk1:2181', ('zk1', 2181)), ('zk1', ('zk1', 2181)), ('[::1]:2182', ('::1', 2182)),
    ('10.0.0.1:12181', ('10.0.0.1', 12181))])
def test_split_hostport(server, expected):
    assert split_hostport(server) == expected


def serve_once(handler):
    """A one-connection TCP peer on loopback; returns its host:port."""
    listener = socket.socket()
    listener.bind(('127.0.0.1', 0))
    listener.listen(1)

    def run():
        conn, _ = listener.accept()
        with conn:
            handler(conn)
        listener.close()
    threading.Thread(target=run, daemon=True).start()
    return '127.0.0.1:%d' % listener.getsockname()[1]


def read_frame(conn):
    length = struct.unpack('>i', conn.recv(4, socket.MSG_WAITALL))[0]
    return conn.recv(length, socket.MSG_WAITALL)


def frame(payload):
    return struct.pack('>i', len(payload)) + payload


def test_four_letter_word_sends_the_word_and_reads_to_the_end():
    seen = []

    def handler(conn):
        seen.append(conn.recv(4))
        conn.sendall(LEADER.encode())
    server = serve_once(handler)
    assert four_letter_word(server, 'srvr') == LEADER
    assert seen == [b'srvr']


def test_reader_gets_data_children_and_missing_nodes():
    requests = []
    stat = b'\0' * 68

    def handler(conn):
        connect = read_frame(conn)
        requests.append(struct.unpack('>iqiq', connect[:24]))
        conn.sendall(frame(struct.pack('>iiq', 0, 10000, 0x1234) + struct.pack('>i', 16) + b'\0' * 16))
        while True:
            try:
                request = read_frame(conn)
            except struct.error:
                return
            xid, op = struct.unpack('>ii', request[:8])
            path = request[12:12 + struct.unpack('>i', request[8:12])[0]].decode() if op != -11 else ''
            requests.append((op, path))
            if op == -11:
                conn.sendall(frame(struct.pack('>iqi', xid, 1, 0)))
                return
            if path == '/missing':
                conn.sendall(frame(struct.pack('>iqi', xid, 1, -101)))
            elif op == 4:
                # A watch notification (xid -1) first: the reader must skip it.
                conn.sendall(frame(struct.pack('>iqi', -1, 1, 0)))
                data = b'{"brokerid":2}'
                conn.sendall(frame(struct.pack('>iqi', xid, 1, 0) + struct.pack('>i', len(data)) + data + stat))
            elif op == 8:
                names = [b'3', b'1', b'2']
                body = struct.pack('>i', len(names)) + b''.join(struct.pack('>i', len(n)) + n for n in names)
                conn.sendall(frame(struct.pack('>iqi', xid, 1, 0) + body))

    server = serve_once(handler)
    with ZooKeeperReader(server) as zk:
        assert zk.get('/kafka/controller') == '{"brokerid":2}'
        assert zk.children('/kafka/brokers/ids') == ['1', '2', '3']
        assert zk.get('/missing') is None
    assert requests[0] == (0, 0, 10000, 0)
    assert requests[1:] == [(4, '/kafka/controller'), (8, '/kafka/brokers/ids'), (4, '/missing'), (-11, '')]
