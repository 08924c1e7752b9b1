# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""ZooKeeper access through kazoo, the maintained Python ZooKeeper client.

Used by the modules zookeeper_info (reads) and kafka_zookeeper_user (writes), and by the launcher of
roles/kafka_cli (which imports this file from its own directory). kazoo (with pure-sasl for SASL) is
installed in kafka_python_venv on the nodes and in the controller's .venv; plain, TLS (optionally with a client certificate) and SASL
DIGEST-MD5 connections are described by one dict of options (CONNECTION_OPTIONS).

What stays here besides the session: the four-letter words (srvr, mntr, ruok) are not part of the
client protocol. kazoo's KazooClient.command() sends them only over a live session, to the server
that session is on, and reads a single 8 KiB chunk; a health gate must ask each given member, also
one without quorum, which accepts no session. So four_letter_word() opens its own connection, with
kazoo's connection helper (the same plain or TLS options), and reads the answer to its end.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import logging
import socket
import time

try:
    from kazoo.client import KazooClient
    from kazoo.exceptions import AuthFailedError, KazooException, NodeExistsError, NoNodeError
    from kazoo.handlers.threading import KazooTimeoutError
    from kazoo.handlers.utils import create_tcp_connection
    from kazoo.hosts import collect_hosts
except ImportError as _error:
    KAZOO_IMPORT_ERROR = _error
else:
    KAZOO_IMPORT_ERROR = None

# The options of a connection, with the names of zookeeper_info's parameters.
CONNECTION_OPTIONS = ('use_ssl', 'ssl_cafile', 'ssl_certfile', 'ssl_keyfile', 'ssl_password', 'ssl_check_hostname',
                      'sasl_mechanism', 'sasl_username', 'sasl_password')
# ZooKeeper's SASL without Kerberos.
SASL_MECHANISMS = ('DIGEST-MD5',)


# kazoo's own module loggers stay quiet (no stderr through logging's last resort); each session logs to a
# logger of its own, read for the error message (ZooKeeperReader).
logging.getLogger('kazoo').addHandler(logging.NullHandler())


class ZooKeeperError(Exception):
    pass


def require_kazoo():
    if KAZOO_IMPORT_ERROR is not None:
        raise ZooKeeperError('the Python library kazoo is not installed for this Python: %s' % KAZOO_IMPORT_ERROR)


def split_hostport(server):
    """(host, port) of one `host[:port]` (port 2181 by default, IPv6 addresses in brackets), with kazoo's parser."""
    require_kazoo()
    hosts, _chroot = collect_hosts(server)
    if len(hosts) != 1:
        raise ValueError('one ZooKeeper server expected, not %r' % server)
    return hosts[0]


def parse_connect(spec):
    """(['host:port', ...], chroot or None) of `host[:port][,host[:port]...][/chroot]`, with kazoo's parser."""
    require_kazoo()
    hosts, chroot = collect_hosts(spec)
    return [('[%s]:%d' if ':' in host else '%s:%d') % (host, port) for host, port in hosts], chroot


def tls_arguments(options):
    """kazoo's TLS keyword arguments (of KazooClient and of its connection helper)."""
    options = options or {}
    if not options.get('use_ssl'):
        return {'use_ssl': False}
    certfile = options.get('ssl_certfile')
    return {
        'use_ssl': True,
        'ca': options.get('ssl_cafile'),
        'certfile': certfile,
        # A single PEM file may hold both the certificate and its key.
        'keyfile': options.get('ssl_keyfile') or certfile,
        'keyfile_password': options.get('ssl_password'),
        'verify_certs': True,
        'check_hostname': bool(options.get('ssl_check_hostname', True)),
    }


def client_arguments(options):
    """Keyword arguments of KazooClient for these connection options."""
    options = options or {}
    arguments = tls_arguments(options)
    if options.get('sasl_username'):
        mechanism = options.get('sasl_mechanism') or 'DIGEST-MD5'
        if mechanism not in SASL_MECHANISMS:
            raise ZooKeeperError('SASL mechanism %s is not supported (only %s)' % (mechanism, ', '.join(SASL_MECHANISMS)))
        arguments['sasl_options'] = {'mechanism': mechanism, 'username': options['sasl_username'],
                                     'password': options.get('sasl_password') or ''}
    return arguments


def four_letter_word(server, word='srvr', timeout=5.0, options=None):
    """Send a four-letter word to this one server (plainly or over TLS); return the whole answer text."""
    host, port = split_hostport(server)
    sock = create_tcp_connection(socket, (host, port), hostname=host, timeout=timeout, **tls_arguments(options))
    try:
        sock.settimeout(timeout)
        sock.sendall(word.encode('ascii'))
        chunks = []
        while True:
            chunk = sock.recv(4096)
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        sock.close()
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


class _Messages(logging.Handler):
    """kazoo's log of one client, kept for the error message instead of printed on stderr."""

    def __init__(self):
        logging.Handler.__init__(self, logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


class ZooKeeperReader:
    """A kazoo session to the first of `servers` that accepts one; use as a context manager.

    `servers`: `host:port`, `host:port,host:port` or a list of them, tried once each in that order.
    `timeout`: seconds to wait for each server. `options`: see CONNECTION_OPTIONS.
    """

    def __init__(self, servers, timeout=5.0, options=None, session_timeout=10.0):
        require_kazoo()
        self.servers = servers if isinstance(servers, str) else ','.join(servers)
        self.timeout = timeout
        self.options = options or {}
        self.session_timeout = session_timeout
        self.client = None
        self._log = _Messages()

    def __enter__(self):
        hosts, _chroot = collect_hosts(self.servers)
        # A logger of its own per session: kazoo's warnings become the error, nothing goes to stderr.
        logger = logging.Logger(__name__, logging.WARNING)
        logger.addHandler(self._log)
        self.client = KazooClient(
            hosts=self.servers, timeout=self.session_timeout, randomize_hosts=False, logger=logger,
            # One pass over the servers, then give up (kazoo's default retries for ever).
            connection_retry=dict(max_tries=1, delay=0.1, max_delay=1),
            **client_arguments(self.options))
        try:
            self._start(self.timeout * len(hosts))
        except Exception:
            self._close()
            raise
        return self

    def _start(self, timeout):
        live = self.client.start_async()
        # Set when kazoo gave up after its pass over the servers, so that a refused connection fails at
        # once (a private attribute of kazoo 2.11; without it the wait lasts the whole timeout).
        stopped = getattr(getattr(self.client, '_connection', None), 'connection_stopped', None)
        deadline = time.monotonic() + timeout
        try:
            while not self.client.connected:
                if (stopped is not None and stopped.is_set()) or time.monotonic() >= deadline:
                    reason = [m for m in dict.fromkeys(self._log.messages) if not m.startswith('Failed connecting')]
                    reason = reason or ['no answer within %ss' % timeout]
                    raise ZooKeeperError('%s: no session (%s)' % (self.servers, '; '.join(reason)))
                live.wait(0.05)
            if self.options.get('sasl_username'):
                # A refused SASL login closes the session at its first request: find out now.
                self.client.exists('/')
        except AuthFailedError:
            raise ZooKeeperError('%s: SASL authentication as %s failed' % (self.servers, self.options['sasl_username']))
        except KazooTimeoutError:
            raise ZooKeeperError('%s: no answer within %ss' % (self.servers, timeout))

    def __exit__(self, *exc):
        self._close()

    def _close(self):
        try:
            self.client.stop()
            self.client.close()
        except Exception:  # closing what did not open: nothing to report
            pass

    def _read(self, call, path, what):
        """call(path), or None when the znode does not exist; other failures become ZooKeeperError."""
        try:
            return call(path)
        except NoNodeError:
            return None
        except (KazooException, KazooTimeoutError) as error:
            raise ZooKeeperError('%s: %s %s failed: %s' % (self.servers, what, path, type(error).__name__))

    def get(self, path):
        """Return the znode's data as text, or None when the znode does not exist."""
        read = self._read(self.client.get, path, 'reading')
        return None if read is None else (read[0] or b'').decode('utf-8', 'replace')

    def acls(self, path):
        """Return the znode's ACL as [{scheme, id, perms}], or None when the znode does not exist."""
        read = self._read(self.client.get_acls, path, 'reading the ACL of')
        return None if read is None else [{'scheme': acl.id.scheme, 'id': acl.id.id, 'perms': acl.acl_list} for acl in read[0]]

    def children(self, path):
        """Return the sorted child names, or None when the znode does not exist."""
        read = self._read(self.client.get_children, path, 'listing')
        return None if read is None else sorted(read)


class ZooKeeperWriter(ZooKeeperReader):
    """A session that also writes znodes, each created with the ACL that `acl(path)` gives."""

    def __init__(self, servers, acl, **kwargs):
        ZooKeeperReader.__init__(self, servers, **kwargs)
        self.acl = acl

    def _write(self, call, path, *args, **kwargs):
        try:
            return call(path, *args, **kwargs)
        except NodeExistsError:
            raise
        except (KazooException, KazooTimeoutError) as error:
            raise ZooKeeperError('%s: writing %s failed: %s' % (self.servers, path, type(error).__name__))

    def ensure(self, path):
        """Create the znode and its missing parents, each with its own ACL."""
        parts = path.strip('/').split('/')
        for depth in range(1, len(parts) + 1):
            parent = '/' + '/'.join(parts[:depth])
            if self._read(self.client.exists, parent, 'reading') is None:
                try:
                    self._write(self.client.create, parent, b'', acl=self.acl(parent))
                except NodeExistsError:  # a broker made it meanwhile
                    pass

    def put(self, path, text):
        """Write the znode's data, creating it (and its parents) when missing."""
        self.ensure(path)
        self._write(self.client.set, path, text.encode('utf-8'))

    def create_sequential(self, prefix, text):
        """Create `<prefix><sequence number>` with this data; return its path."""
        self.ensure(prefix.rsplit('/', 1)[0])
        return self._write(self.client.create, prefix, text.encode('utf-8'), acl=self.acl(prefix), sequence=True)
