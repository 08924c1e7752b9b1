# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The kazoo-based ZooKeeper reader: `srvr` parsing, the four-letter words against a scripted peer, the
connection options given to kazoo and the reader over a stand-in for KazooClient (no ZooKeeper here:
tests/integration/test_zookeeper_kazoo.py runs it against a real one)."""

import socket
import threading
import time

import pytest
from kazoo.exceptions import AuthFailedError, NoAuthError, NoNodeError

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import zookeeper_client
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.zookeeper_client import (
    ZooKeeperError, ZooKeeperReader, client_arguments, four_letter_word, parse_connect, parse_srvr, split_hostport,
    tls_arguments)

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


def test_split_hostport_wants_one_server():
    with pytest.raises(ValueError):
        split_hostport('zk1:2181,zk2:2181')


@pytest.mark.parametrize('spec, expected', [
    ('zk1:2181', (['zk1:2181'], None)),
    ('zk1,zk2:2182/kafka', (['zk1:2181', 'zk2:2182'], '/kafka')),
    ('[::1]:2181/a/b', (['[::1]:2181'], '/a/b')),
])
def test_parse_connect(spec, expected):
    assert parse_connect(spec) == expected


def test_plain_options_give_a_plain_connection():
    assert client_arguments({}) == {'use_ssl': False}
    assert client_arguments(None) == {'use_ssl': False}
    # TLS files without use_ssl are not used.
    assert client_arguments({'use_ssl': False, 'ssl_cafile': '/ca.pem'}) == {'use_ssl': False}


def test_tls_options_become_kazoos():
    assert tls_arguments({'use_ssl': True, 'ssl_cafile': '/ca.pem', 'ssl_certfile': '/c.pem', 'ssl_keyfile': '/k.pem',
                          'ssl_password': 'p', 'ssl_check_hostname': False}) == {
        'use_ssl': True, 'ca': '/ca.pem', 'certfile': '/c.pem', 'keyfile': '/k.pem', 'keyfile_password': 'p',
        'verify_certs': True, 'check_hostname': False}


def test_one_pem_file_holds_certificate_and_key():
    arguments = tls_arguments({'use_ssl': True, 'ssl_certfile': '/both.pem'})
    assert (arguments['certfile'], arguments['keyfile'], arguments['check_hostname']) == ('/both.pem', '/both.pem', True)


def test_sasl_options_become_kazoos():
    arguments = client_arguments({'sasl_username': 'kafka', 'sasl_password': 'secret'})
    assert arguments['sasl_options'] == {'mechanism': 'DIGEST-MD5', 'username': 'kafka', 'password': 'secret'}


def test_other_sasl_mechanisms_are_refused():
    with pytest.raises(ZooKeeperError, match='GSSAPI'):
        client_arguments({'sasl_username': 'kafka', 'sasl_password': 'x', 'sasl_mechanism': 'GSSAPI'})


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


def test_four_letter_word_sends_the_word_and_reads_to_the_end():
    seen = []
    # mntr of a real member is about 16 KiB: more than one read (kazoo's command() reads 8 KiB once).
    answer = LEADER + 'x' * 20000

    def handler(conn):
        seen.append(conn.recv(4))
        conn.sendall(answer.encode())
    server = serve_once(handler)
    assert four_letter_word(server, 'srvr') == answer
    assert seen == [b'srvr']


def test_four_letter_word_to_a_closed_port_is_an_oserror():
    with pytest.raises(OSError):
        four_letter_word('127.0.0.1:1', 'srvr', timeout=2)


class FakeKazoo:
    """What ZooKeeperReader uses of KazooClient, over a dict of znodes {path: (data, children)}."""
    znodes = {}
    made = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.connected = False
        self.calls = []
        FakeKazoo.made.append(self)

    def start_async(self):
        self.connected = True
        return threading.Event()

    def exists(self, path):
        self.calls.append(('exists', path))
        if self.kwargs.get('sasl_options', {}).get('password') == 'wrong':
            raise AuthFailedError()
        return path in self.znodes

    def get(self, path):
        self.calls.append(('get', path))
        if path == '/secret':
            raise NoAuthError()
        if path not in self.znodes:
            raise NoNodeError()
        return self.znodes[path][0], None

    def get_children(self, path):
        self.calls.append(('children', path))
        if path not in self.znodes:
            raise NoNodeError()
        return list(self.znodes[path][1])

    def stop(self):
        self.calls.append(('stop',))

    def close(self):
        self.calls.append(('close',))


@pytest.fixture
def fake_kazoo(monkeypatch):
    FakeKazoo.made = []
    FakeKazoo.znodes = {'/kafka/controller': (b'{"brokerid":2}', []), '/kafka/brokers/ids': (b'', ['3', '1', '2']),
                        '/': (None, ['kafka', 'zookeeper'])}
    monkeypatch.setattr(zookeeper_client, 'KazooClient', FakeKazoo)
    return FakeKazoo


def test_reader_gets_data_children_and_missing_nodes(fake_kazoo):
    with ZooKeeperReader('zk1:2181', timeout=3) as zk:
        assert zk.get('/kafka/controller') == '{"brokerid":2}'
        assert zk.children('/kafka/brokers/ids') == ['1', '2', '3']
        assert zk.get('/missing') is None
        assert zk.children('/missing') is None
        assert zk.get('/') == ''
    client = fake_kazoo.made[0]
    assert client.kwargs['hosts'] == 'zk1:2181' and client.kwargs['randomize_hosts'] is False
    assert client.kwargs['use_ssl'] is False and 'sasl_options' not in client.kwargs
    # One pass over the servers, not kazoo's endless retries.
    assert client.kwargs['connection_retry']['max_tries'] == 1
    assert client.calls[-2:] == [('stop',), ('close',)]


def test_reader_takes_a_list_of_servers_and_the_options(fake_kazoo):
    with ZooKeeperReader(['zk1:2181', 'zk2:2181'], options={'use_ssl': True, 'ssl_cafile': '/ca.pem',
                                                            'sasl_username': 'kafka', 'sasl_password': 'secret'}):
        pass
    client = fake_kazoo.made[0]
    assert client.kwargs['hosts'] == 'zk1:2181,zk2:2181'
    assert (client.kwargs['use_ssl'], client.kwargs['ca']) == (True, '/ca.pem')
    assert client.kwargs['sasl_options']['username'] == 'kafka'
    # With SASL the session is tried at once, so that a refused login fails here.
    assert client.calls[0] == ('exists', '/')


def test_a_refused_sasl_login_fails_at_the_start_without_the_password(fake_kazoo):
    with pytest.raises(ZooKeeperError) as error:
        with ZooKeeperReader('zk1:2181', options={'sasl_username': 'kafka', 'sasl_password': 'wrong'}):
            pytest.fail('no session expected')
    assert 'SASL authentication as kafka failed' in str(error.value) and 'wrong' not in str(error.value)
    assert fake_kazoo.made[0].calls[-2:] == [('stop',), ('close',)]


def test_a_znode_the_session_may_not_read_is_an_error(fake_kazoo):
    with ZooKeeperReader('zk1:2181') as zk:
        with pytest.raises(ZooKeeperError, match='NoAuthError'):
            zk.get('/secret')


def test_no_session_fails_fast_with_kazoos_reason():
    # Nothing listens on port 1: kazoo's one pass over the servers ends at once, with its reason.
    started = time.monotonic()
    with pytest.raises(ZooKeeperError, match='Connection refused'):
        with ZooKeeperReader('127.0.0.1:1', timeout=5):
            pytest.fail('no session expected')
    assert time.monotonic() - started < 3


def test_without_kazoo_the_reader_says_so(monkeypatch):
    monkeypatch.setattr(zookeeper_client, 'KAZOO_IMPORT_ERROR', ImportError('No module named kazoo'))
    with pytest.raises(ZooKeeperError, match='kazoo is not installed'):
        ZooKeeperReader('zk1:2181')
