# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Read-only ZooKeeper access with the Python standard library only.

Health gates run on the managed nodes, which have python3 but no ZooKeeper client library:
this speaks just enough of the wire protocol (connect, getData, getChildren) and the
four-letter words to answer "does this member serve, in which mode" and "is this znode there".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import struct

OP_GET_DATA = 4
OP_GET_CHILDREN = 8
OP_CLOSE = -11
ERR_NO_NODE = -101


class ZooKeeperError(Exception):
    pass


def split_hostport(server, default_port=2181):
    host, sep, port = server.rpartition(':')
    if not sep:
        return server, default_port
    return host.strip('[]'), int(port)


def four_letter_word(server, word='srvr', timeout=5.0):
    """Send a four-letter word; return the raw answer text."""
    host, port = split_hostport(server)
    with socket.create_connection((host, port), timeout=timeout) as sock:
        sock.sendall(word.encode('ascii'))
        chunks = []
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            chunks.append(chunk)
    return b''.join(chunks).decode('utf-8', 'replace')


def parse_srvr(text):
    """Turn a `srvr` answer into a dict; a member without quorum has no Mode line."""
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(':')
        if sep:
            fields[key.strip().lower().replace(' ', '_')] = value.strip()
    mode = fields.get('mode')
    return {
        'serving': mode in ('leader', 'follower', 'standalone', 'observer'),
        'mode': mode,
        'zxid': fields.get('zxid'),
        'node_count': int(fields['node_count']) if fields.get('node_count', '').isdigit() else None,
        'version': fields.get('zookeeper_version', '').split('-')[0].split(',')[0] or None,
        'raw': text.strip(),
    }


class _Buffer:
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def take(self, fmt):
        values = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return values if len(values) > 1 else values[0]

    def bytes(self):
        length = self.take('>i')
        if length < 0:
            return None
        value = self.data[self.pos:self.pos + length]
        self.pos += length
        return value


def _string(value):
    raw = value.encode('utf-8')
    return struct.pack('>i', len(raw)) + raw


class ZooKeeperReader:
    """One session against one server; use as a context manager."""

    def __init__(self, server, timeout=5.0, session_timeout_ms=10000):
        self.server = server
        self.timeout = timeout
        self.session_timeout_ms = session_timeout_ms
        self.sock = None
        self.xid = 0

    def __enter__(self):
        host, port = split_hostport(self.server)
        self.sock = socket.create_connection((host, port), timeout=self.timeout)
        # ConnectRequest: protocolVersion, lastZxidSeen, timeOut, sessionId, passwd, readOnly
        self._send(struct.pack('>iqiq', 0, 0, self.session_timeout_ms, 0) + struct.pack('>i', 16) + b'\0' * 16 + b'\0')
        reply = _Buffer(self._receive())
        _version, negotiated_timeout, session_id = reply.take('>iiq')
        if negotiated_timeout <= 0 or session_id == 0:
            raise ZooKeeperError('%s refused the session (is it part of a quorum?)' % self.server)
        return self

    def __exit__(self, *exc):
        try:
            self._request(OP_CLOSE, b'')
        except (OSError, ZooKeeperError):
            pass
        self.sock.close()

    def get(self, path):
        """Return the znode's data as text, or None when the znode does not exist."""
        reply = self._request(OP_GET_DATA, _string(path) + b'\0')
        if reply is None:
            return None
        data = reply.bytes()
        return data.decode('utf-8', 'replace') if data is not None else ''

    def children(self, path):
        """Return the sorted child names, or None when the znode does not exist."""
        reply = self._request(OP_GET_CHILDREN, _string(path) + b'\0')
        if reply is None:
            return None
        return sorted(reply.bytes().decode('utf-8') for _ in range(reply.take('>i')))

    def _request(self, op, body):
        self.xid += 1
        self._send(struct.pack('>ii', self.xid, op) + body)
        while True:
            reply = _Buffer(self._receive())
            xid, _zxid, err = reply.take('>iqi')
            if xid == self.xid:
                break  # anything else is a watch event or ping we did not ask for
        if err == ERR_NO_NODE:
            return None
        if err != 0:
            raise ZooKeeperError('%s answered error %d' % (self.server, err))
        return reply

    def _send(self, payload):
        self.sock.sendall(struct.pack('>i', len(payload)) + payload)

    def _receive(self):
        length = struct.unpack('>i', self._read(4))[0]
        return self._read(length)

    def _read(self, count):
        data = b''
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ZooKeeperError('%s closed the connection' % self.server)
            data += chunk
        return data
