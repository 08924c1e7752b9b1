# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The kazoo-based ZooKeeper reader, zookeeper_info and the kafka-* launcher against a real ZooKeeper.

Skipped, saying so, unless ZOOKEEPER_TEST_SERVER names one (host:port of its plain clientPort, with
4lw.commands.whitelist holding srvr,mntr,ruok). More is tested when these are set too:
  ZOOKEEPER_TEST_TLS_SERVER   host:port of its secureClientPort (the name must be in its certificate)
  ZOOKEEPER_TEST_TLS_CAFILE   the CA (PEM) of the servers' certificates
  ZOOKEEPER_TEST_TLS_CERTFILE a client certificate and key (one PEM file), for ssl.clientAuth=need
  ZOOKEEPER_TEST_SASL_USER, ZOOKEEPER_TEST_SASL_PASSWORD  a DIGEST-MD5 user of its JAAS Server section
  ZOOKEEPER_TEST_CHROOT       a Kafka cluster's chroot with registered brokers (e.g. /kafka), for the launcher
The test writes znodes only under /kazoo-test-<random> (removed at the end), with kazoo directly.
"""

import json
import os
import subprocess
import sys
import uuid

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.zookeeper_client import (
    ZooKeeperError, ZooKeeperReader, four_letter_word, parse_srvr)
from ansible_collections.kafka_ansible.cluster.plugins.modules import zookeeper_info

SERVER = os.environ.get('ZOOKEEPER_TEST_SERVER')
TLS_SERVER = os.environ.get('ZOOKEEPER_TEST_TLS_SERVER')
CAFILE = os.environ.get('ZOOKEEPER_TEST_TLS_CAFILE')
CERTFILE = os.environ.get('ZOOKEEPER_TEST_TLS_CERTFILE')
SASL_USER = os.environ.get('ZOOKEEPER_TEST_SASL_USER')
SASL_PASSWORD = os.environ.get('ZOOKEEPER_TEST_SASL_PASSWORD')
CHROOT = os.environ.get('ZOOKEEPER_TEST_CHROOT')
LAUNCHER = os.path.join(os.path.dirname(__file__), '..', '..', 'roles', 'kafka_cli', 'files', 'kafka_cli.py')

pytestmark = pytest.mark.skipif(not SERVER, reason='ZOOKEEPER_TEST_SERVER is not set (host:port of a ZooKeeper)')
needs_tls = pytest.mark.skipif(not (TLS_SERVER and CAFILE), reason='ZOOKEEPER_TEST_TLS_SERVER/_CAFILE are not set')
needs_sasl = pytest.mark.skipif(not (SASL_USER and SASL_PASSWORD), reason='ZOOKEEPER_TEST_SASL_USER/_PASSWORD are not set')
needs_chroot = pytest.mark.skipif(not CHROOT, reason='ZOOKEEPER_TEST_CHROOT (with registered brokers) is not set')


def tls_options():
    options = {'use_ssl': True, 'ssl_cafile': CAFILE}
    if CERTFILE:
        options['ssl_certfile'] = CERTFILE
    return options


def sasl_options():
    return {'sasl_username': SASL_USER, 'sasl_password': SASL_PASSWORD}


def kazoo_client():
    """A KazooClient of the test's own (as the SASL user when there is one)."""
    from kazoo.client import KazooClient
    sasl = {'mechanism': 'DIGEST-MD5', 'username': SASL_USER, 'password': SASL_PASSWORD} if SASL_USER else None
    client = KazooClient(hosts=SERVER, sasl_options=sasl)
    client.start(10)
    return client


@pytest.fixture(scope='module')
def tree():
    """/kazoo-test-<random> with data and three children, and a child only the SASL user may read.
    Written with kazoo itself, not with the code under test."""
    from kazoo.security import make_acl
    root = '/kazoo-test-%s' % uuid.uuid4().hex[:8]
    client = kazoo_client()
    try:
        client.create(root, b'{"brokerid":2}')
        for name in ('3', '1', '2'):
            client.create('%s/ids/%s' % (root, name), name.encode(), makepath=True)
        if SASL_USER:
            client.create(root + '/secret', b'only for ' + SASL_USER.encode(),
                          acl=[make_acl('sasl', SASL_USER, all=True)])
        yield root
    finally:
        if client.exists(root):
            client.delete(root, recursive=True)
        client.stop()
        client.close()


def read_tree(reader, root):
    return reader.get(root), reader.children(root + '/ids'), reader.get(root + '/missing'), reader.children(root + '/missing')


EXPECTED = ('{"brokerid":2}', ['1', '2', '3'], None, None)


def test_srvr_mntr_ruok_over_a_plain_socket():
    status = parse_srvr(four_letter_word(SERVER, 'srvr'))
    assert status['serving'] and status['mode'] in ('leader', 'follower', 'standalone') and status['version']
    assert four_letter_word(SERVER, 'ruok') == 'imok'
    # All of mntr, however long (kazoo's own command() reads one 8 KiB chunk).
    mntr = four_letter_word(SERVER, 'mntr')
    assert mntr.startswith('zk_version') and 'zk_znode_count' in mntr


def test_reader_plain(tree):
    with ZooKeeperReader(SERVER) as reader:
        assert read_tree(reader, tree) == EXPECTED


def test_reader_tries_the_servers_in_order(tree):
    with ZooKeeperReader(['127.0.0.1:1', SERVER], timeout=3) as reader:
        assert reader.get(tree) == EXPECTED[0]


def test_reader_without_a_server_fails_with_the_reason():
    with pytest.raises(ZooKeeperError, match='Connection refused'):
        with ZooKeeperReader('127.0.0.1:1', timeout=3):
            pass


@needs_tls
def test_srvr_over_tls():
    assert parse_srvr(four_letter_word(TLS_SERVER, 'srvr', options=tls_options()))['serving']


@needs_tls
def test_reader_over_tls(tree):
    with ZooKeeperReader(TLS_SERVER, options=tls_options()) as reader:
        assert read_tree(reader, tree) == EXPECTED


@needs_tls
@pytest.mark.skipif(not CERTFILE, reason='ZOOKEEPER_TEST_TLS_CERTFILE is not set')
def test_reader_over_tls_refuses_an_unknown_ca(tree, tmp_path):
    # The client certificate as the only CA: it did not sign the server's certificate.
    other_ca = tmp_path / 'other-ca.pem'
    other_ca.write_text(open(CERTFILE).read().split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n')
    with pytest.raises(ZooKeeperError, match='CERTIFICATE_VERIFY_FAILED'):
        with ZooKeeperReader(TLS_SERVER, timeout=3, options=dict(tls_options(), ssl_cafile=str(other_ca))):
            pass


@needs_tls
@pytest.mark.skipif(not CERTFILE, reason='ZOOKEEPER_TEST_TLS_CERTFILE is not set')
def test_reader_over_tls_without_the_client_certificate_is_refused():
    with pytest.raises(ZooKeeperError, match='no session'):
        with ZooKeeperReader(TLS_SERVER, timeout=3, options={'use_ssl': True, 'ssl_cafile': CAFILE}):
            pass


@needs_sasl
def test_reader_with_sasl_reads_what_only_that_user_may(tree):
    with ZooKeeperReader(SERVER, options=sasl_options()) as reader:
        assert reader.get(tree + '/secret') == 'only for ' + SASL_USER
    with ZooKeeperReader(SERVER) as reader:
        with pytest.raises(ZooKeeperError, match='NoAuth'):
            reader.get(tree + '/secret')


@needs_sasl
def test_reader_with_a_wrong_sasl_password_fails_without_showing_it():
    with pytest.raises(ZooKeeperError, match='SASL authentication as %s failed' % SASL_USER) as error:
        with ZooKeeperReader(SERVER, options=dict(sasl_options(), sasl_password='not-the-password-42')):
            pass
    assert 'not-the-password-42' not in str(error.value)


@needs_tls
@needs_sasl
def test_reader_over_tls_with_sasl(tree):
    with ZooKeeperReader(TLS_SERVER, options=dict(tls_options(), **sasl_options())) as reader:
        assert reader.get(tree + '/secret') == 'only for ' + SASL_USER


def run_module(args, capsys):
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            zookeeper_info.main()
    return json.loads(capsys.readouterr().out)


def test_zookeeper_info_module(tree, capsys):
    result = run_module({'servers': [SERVER, '127.0.0.1:1'], 'paths': [tree, tree + '/ids', tree + '/missing'],
                         'timeout': 3}, capsys)
    assert result['serving'] == 1 and result['servers'][0]['serving']
    assert result['leaders'] == (1 if result['servers'][0]['mode'] in ('leader', 'standalone') else 0)
    assert result['servers'][1]['serving'] is False and 'refused' in result['servers'][1]['error']
    assert result['znodes'][tree] == {'exists': True, 'data': '{"brokerid":2}',
                                      'children': ['ids', 'secret'] if SASL_USER else ['ids'],
                                      'acls': [{'scheme': 'world', 'id': 'anyone', 'perms': ['ALL']}]}
    assert result['znodes'][tree + '/ids']['children'] == ['1', '2', '3']
    assert result['znodes'][tree + '/missing'] == {'exists': False, 'data': None, 'children': [], 'acls': []}


@needs_tls
@needs_sasl
def test_zookeeper_info_module_over_tls_with_sasl(tree, capsys):
    args = dict(servers=[TLS_SERVER], paths=[tree + '/secret'], use_ssl=True, ssl_cafile=CAFILE, **sasl_options())
    if CERTFILE:
        args['ssl_certfile'] = CERTFILE
    result = run_module(args, capsys)
    assert result['serving'] == 1 and result['servers'][0]['version']
    assert result['znodes'][tree + '/secret']['data'] == 'only for ' + SASL_USER
    assert result['znodes'][tree + '/secret']['acls'] == [{'scheme': 'sasl', 'id': SASL_USER, 'perms': ['ALL']}]
    assert SASL_PASSWORD not in json.dumps(result)


def launch(tmp_path, spec, connection_file=None):
    """kafka-topics --zookeeper SPEC --list through the launcher, with a kafka-topics.sh that prints its arguments."""
    home = tmp_path / 'kafka'
    (home / 'bin').mkdir(parents=True, exist_ok=True)
    script = home / 'bin' / 'kafka-topics.sh'
    script.write_text('#!/bin/sh\necho "$@"\n')
    script.chmod(0o755)
    config = tmp_path / 'cluster.json'
    config.write_text(json.dumps({'kafka_home': str(home), 'bootstrap_servers': ['fallback:9092'],
                                  'zookeeper_chroot': CHROOT or '/kafka'}))
    env = dict(os.environ, KAFKA_CLI_CONFIG=str(config))
    env.pop('KAFKA_CLI_ZOOKEEPER_CONFIG', None)
    if connection_file:
        env['KAFKA_CLI_ZOOKEEPER_CONFIG'] = connection_file
    return subprocess.run([sys.executable, LAUNCHER, 'kafka-topics', '--zookeeper', spec, '--list'],
                          env=env, capture_output=True, text=True, timeout=60, check=True)


def registered_brokers():
    client = kazoo_client()
    try:
        ids = sorted(client.get_children(CHROOT + '/brokers/ids'), key=int)
        return [json.loads(client.get('%s/brokers/ids/%s' % (CHROOT, i))[0])['endpoints'][0].partition('://')[2]
                for i in ids]
    finally:
        client.stop()
        client.close()


@needs_chroot
def test_launcher_resolves_zookeeper_to_the_registered_brokers(tmp_path):
    brokers = ','.join(registered_brokers())
    run = launch(tmp_path, SERVER)
    assert run.stdout.split() == ['--bootstrap-server', brokers, '--list']
    notice = run.stderr.strip().splitlines()
    assert len(notice) == 1 and 'Kafka 3 tools have no --zookeeper' in notice[0] and SERVER + CHROOT in notice[0]


@needs_chroot
@needs_tls
def test_launcher_over_tls_with_sasl_from_its_connection_file(tmp_path):
    lines = ['zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty', 'zookeeper.ssl.client.enable=true',
             'zookeeper.ssl.truststore.location=' + CAFILE, 'zookeeper.ssl.truststore.type=PEM']
    if CERTFILE:
        lines += ['zookeeper.ssl.keystore.location=' + CERTFILE, 'zookeeper.ssl.keystore.type=PEM']
    if SASL_USER:
        lines += ['zookeeper.sasl.username=' + SASL_USER, 'zookeeper.sasl.password=' + SASL_PASSWORD]
    path = tmp_path / 'zookeeper-client.properties'
    path.write_text('\n'.join(lines) + '\n')
    path.chmod(0o600)
    run = launch(tmp_path, TLS_SERVER, str(path))
    assert run.stdout.split() == ['--bootstrap-server', ','.join(registered_brokers()), '--list']
    assert len(run.stderr.strip().splitlines()) == 1 and TLS_SERVER + CHROOT in run.stderr
    # Without the file, the TLS port gives no session: this cluster's brokers, and the reason, in one line.
    plain = launch(tmp_path, TLS_SERVER)
    assert plain.stdout.split() == ['--bootstrap-server', 'fallback:9092', '--list']
    assert len(plain.stderr.strip().splitlines()) == 1 and 'no session' in plain.stderr
    # A file others may read is refused, and its password is never shown.
    path.chmod(0o644)
    refused = launch(tmp_path, TLS_SERVER, str(path))
    assert 'fallback:9092' in refused.stdout and 'readable by others' in refused.stderr
    assert not SASL_PASSWORD or SASL_PASSWORD not in refused.stderr + run.stderr
