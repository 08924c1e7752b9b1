"""The preflight refuses bad inventories with a message that names the problem.

Every host is this machine (local connection): the checks need facts, not a cluster.
"""

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def run_preflight(tmp_path, zookeeper, kafka, extra_vars=None, controllers=None):
    """zookeeper/kafka/controllers (KRaft): {host: id or None}; returns (rc, output)."""
    def group(hosts, key):
        return {'hosts': {h: ({key: i} if i is not None else {}) for h, i in hosts.items()}}
    inventory = {'all': {'vars': {'ansible_connection': 'local', 'ansible_python_interpreter': sys.executable},
                         'children': {}}}
    if zookeeper is not None:
        inventory['all']['children']['zookeeper'] = group(zookeeper, 'zookeeper_id')
    if kafka is not None:
        inventory['all']['children']['kafka'] = group(kafka, 'kafka_broker_id')
    if controllers is not None:
        inventory['all']['children']['kafka_controller'] = group(controllers, 'kafka_node_id')
    path = tmp_path / 'hosts.json'
    path.write_text(json.dumps(inventory))
    command = ['ansible-playbook', 'playbooks/preflight.yml', '-i', str(path)]
    if extra_vars:
        command += ['-e', json.dumps(extra_vars)]
    # Every host is this machine: its facts are gathered once for the session, into a cache in pytest's
    # base directory that gathering = smart reads, not again in every run.
    env = dict(os.environ, ANSIBLE_NOCOLOR='1', ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_CACHE_PLUGIN='ansible.builtin.jsonfile', ANSIBLE_CACHE_PLUGIN_CONNECTION=str(tmp_path.parent / 'facts'))
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    return result.returncode, result.stdout + result.stderr


GOOD_ZK = {'zk1': 1, 'zk2': 2, 'zk3': 3}
GOOD_KAFKA = {'k1': 1, 'k2': 2, 'k3': 3}


def test_a_good_inventory_passes(tmp_path):
    rc, output = run_preflight(tmp_path, GOOD_ZK, GOOD_KAFKA)
    assert rc == 0, output


@pytest.mark.parametrize('zookeeper, kafka, extra, message', [
    ({'zk1': 1, 'zk2': 2}, GOOD_KAFKA, None, 'must hold this host and an odd number of hosts'),
    ({'zk1': 1, 'zk2': 1, 'zk3': 3}, GOOD_KAFKA, None, 'needs its own integer zookeeper_id from 1 to 255'),
    ({'zk1': 1, 'zk2': None, 'zk3': 3}, GOOD_KAFKA, None, "'zk2': 'MISSING'"),
    ({'zk1': 1, 'zk2': 300, 'zk3': 3}, GOOD_KAFKA, None, 'needs its own integer zookeeper_id from 1 to 255'),
    (GOOD_ZK, {'k1': 1, 'k2': 1, 'k3': 3}, None, 'needs its own integer kafka_broker_id'),
    (GOOD_ZK, {'k1': 1, 'k2': None, 'k3': 3}, None, "'k2': 'MISSING'"),
    (None, GOOD_KAFKA, None, "a 'zookeeper' group (the ensemble) or, in KRaft mode, a 'kafka_controller' group "
                             "(the controllers); found zookeeper=missing"),
    (GOOD_ZK, None, None, "The inventory needs a 'kafka' group (the brokers)"),
    (GOOD_ZK, GOOD_KAFKA, {'kafka_version': '4.0.0', 'kafka_metadata_mode': 'zookeeper'},
     'kafka_metadata_mode=zookeeper with Kafka 4.0.0: ZooKeeper mode needs Kafka 3.x'),
    # Kafka 4 is KRaft: without a kafka_controller group there is no quorum.
    (GOOD_ZK, GOOD_KAFKA, {'kafka_version': '4.0.0'}, "'kafka_controller' must hold an odd number of controllers"),
    # Wrong types stop at the roles' argument specs, before any check or change.
    (GOOD_ZK, GOOD_KAFKA, {'zookeeper_heap_mb': 'lots'}, "argument 'zookeeper_heap_mb' is of type str"),
    (GOOD_ZK, GOOD_KAFKA, {'kafka_health_retries': 'many'}, "argument 'kafka_health_retries' is of type str"),
    (GOOD_ZK, GOOD_KAFKA, {'kafka_port': 'abc'}, "argument 'kafka_port' is of type str"),
    (GOOD_ZK, GOOD_KAFKA, {'kafka_python_install': False},
     'the topic modules and the rolling-restart safety gates would have no kafka-python'),
])
def test_bad_inventories_are_refused_with_a_clear_message(tmp_path, zookeeper, kafka, extra, message):
    rc, output = run_preflight(tmp_path, zookeeper, kafka, extra)
    assert rc != 0
    assert message in ' '.join(output.split()), output


# KRaft: two controllers and k3, a combined node, are the quorum.
KRAFT_CONTROLLERS = {'c1': 101, 'c2': 102, 'k3': None}
KRAFT = {'kafka_version': '4.4.0'}


@pytest.mark.parametrize('extra', [{}, {'kafka_authorizer_enabled': True, 'kafka_super_users': ['User:ANONYMOUS']},
                                   {'kafka_listeners': [{'name': 'PLAINTEXT', 'port': 9092, 'protocol': 'PLAINTEXT'},
                                                        {'name': 'SCRAM', 'port': 9095, 'protocol': 'SASL_PLAINTEXT',
                                                         'sasl_mechanisms': ['SCRAM-SHA-512']}],
                                    'kafka_inter_broker_listener': 'SCRAM', 'kafka_admin_listener': 'PLAINTEXT',
                                    'kafka_inter_broker_sasl_password': 'a-broker-password'}])
def test_a_good_kraft_inventory_passes_without_zookeeper(tmp_path, extra):
    rc, output = run_preflight(tmp_path, None, GOOD_KAFKA, dict(KRAFT, **extra), KRAFT_CONTROLLERS)
    assert rc == 0, output


@pytest.mark.parametrize('controllers, extra, message', [
    ({'c1': 101, 'c2': 102}, KRAFT, "must hold an odd number of controllers (1, 3 or 5; found ['c1', 'c2'])"),
    ({'c1': 101, 'c2': 2, 'k3': None}, KRAFT, "integers, all distinct. Found {'k1': 1, 'k2': 2, 'k3': 3, 'c1': 101, 'c2': 2}"),
    ({'c1': 101, 'c2': None, 'k3': None}, KRAFT, "Found {'k1': 1, 'k2': 2, 'k3': 3, 'c1': 101, 'c2': 'MISSING'}"),
    (KRAFT_CONTROLLERS, {'kafka_version': '3.8.1', 'kafka_metadata_mode': 'kraft'},
     'this role deploys KRaft on 3.9 or newer'),
    (KRAFT_CONTROLLERS, dict(KRAFT, kafka_listeners=[{'name': 'PLAINTEXT', 'port': 9093, 'protocol': 'PLAINTEXT'}]),
     'listener PLAINTEXT: in KRaft mode the name CONTROLLER and port 9093 (kafka_controller_port)'),
    (KRAFT_CONTROLLERS, dict(KRAFT, kafka_cluster_id='not-an-id'), 'kafka_cluster_id, when set, must be 22 characters'),
    (KRAFT_CONTROLLERS, dict(KRAFT, kafka_inter_broker_protocol_version='3.9'),
     "KRaft mode has no inter.broker.protocol.version: leave kafka_inter_broker_protocol_version unset (found '3.9')"),
    # The controller listener's User:ANONYMOUS is a super user of the controllers, on a combined node of its brokers too.
    (KRAFT_CONTROLLERS, dict(KRAFT, kafka_authorizer_enabled=True),
     'k3 is a broker and a controller with kafka_authorizer_enabled: the controller listener is PLAINTEXT'),
    (KRAFT_CONTROLLERS, dict(KRAFT, kafka_controller_listener_protocol='SASL_SSL'),
     'value of kafka_controller_listener_protocol must be one of: PLAINTEXT, SSL, got: SASL_SSL'),
    (KRAFT_CONTROLLERS, dict(KRAFT, kafka_controller_listener_protocol='SSL'),
     "A listener (the KRaft controller listener, or ZooKeeper's TLS) uses TLS and no own certificate files are given"),
])
def test_bad_kraft_inventories_are_refused_with_a_clear_message(tmp_path, controllers, extra, message):
    rc, output = run_preflight(tmp_path, None, GOOD_KAFKA, extra, controllers)
    assert rc != 0
    assert message in ' '.join(output.split()), output


# Fully secured: no PLAINTEXT listener, mutual TLS to the controllers, so the combined node needs no anonymous super user.
SECURE_KRAFT = dict(KRAFT, kafka_controller_listener_protocol='SSL', kafka_authorizer_enabled=True,
                    kafka_tls_ca_passphrase='a-passphrase-of-the-test',
                    kafka_listeners=[{'name': 'INTERNAL', 'port': 9094, 'protocol': 'SSL', 'client_auth': 'required'},
                                     {'name': 'CLIENTS', 'port': 9095, 'protocol': 'SASL_SSL',
                                      'sasl_mechanisms': ['SCRAM-SHA-512']}],
                    kafka_inter_broker_listener='INTERNAL')


def test_a_kraft_inventory_without_plaintext_passes(tmp_path):
    rc, output = run_preflight(tmp_path, None, GOOD_KAFKA, SECURE_KRAFT, KRAFT_CONTROLLERS)
    assert rc == 0, output


def test_a_running_quorum_keeps_its_controller_listener_protocol(tmp_path):
    conf = tmp_path / 'conf'
    conf.mkdir()
    (conf / 'server.properties').write_text('process.roles=broker,controller\nnode.id=1\n'
                                            'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n')
    rc, output = run_preflight(tmp_path, None, GOOD_KAFKA, dict(SECURE_KRAFT, kafka_conf_dir=str(conf)), KRAFT_CONTROLLERS)
    assert rc != 0
    assert 'k1 runs with a PLAINTEXT controller listener and kafka_controller_listener_protocol is SSL: a running quorum ' \
        'cannot change that protocol one node at a time' in ' '.join(output.split()), output


def test_a_zookeeper_cluster_with_controllers_waiting_for_the_migration_passes(tmp_path):
    rc, output = run_preflight(tmp_path, GOOD_ZK, GOOD_KAFKA, None, {'c1': 101, 'c2': 102, 'c3': 103})
    assert rc == 0, output


# The migration's phases (playbooks/migrate-to-kraft.yml sets kafka_migration_phase).
@pytest.mark.parametrize('controllers, extra, message', [
    ({'c1': 101, 'c2': 102, 'k3': None}, {'kafka_migration_phase': 'controllers'},
     "controllers that are not brokers (found in both groups: ['k3'])"),
    ({'c1': 101, 'c2': 102, 'c3': 103}, {'kafka_migration_phase': 'hybrid', 'kafka_version': '3.8.1'},
     'The ZooKeeper to KRaft migration needs Kafka 3.9.x (found 3.8.1)'),
    ({'c1': 101, 'c2': 102, 'c3': 103}, {'kafka_migration_phase': 'controllers', 'kafka_metrics_enabled': False},
     "kafka_metrics_enabled (its gates read the controllers' ZkMigrationState; found False)"),
    ({'c1': 101, 'c2': 1, 'c3': 103}, {'kafka_migration_phase': 'controllers'}, 'integers, all distinct'),
    ({'c1': 101, 'c2': 102, 'c3': 103}, {'kafka_migration_phase': 'controllers', 'kafka_controller_listener_protocol': 'SSL'},
     'a PLAINTEXT controller listener (kafka_controller_listener_protocol SSL)'),
])
def test_bad_migrations_are_refused_with_a_clear_message(tmp_path, controllers, extra, message):
    rc, output = run_preflight(tmp_path, GOOD_ZK, GOOD_KAFKA, extra, controllers)
    assert rc != 0
    assert message in ' '.join(output.split()), output


@pytest.mark.parametrize('kraft, written', [(True, 0), (False, 1)])
def test_a_node_formatted_in_the_other_metadata_mode_is_refused(tmp_path, kraft, written):
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'meta.properties').write_text('cluster.id=Cd_8MKWESbGtEBJX6mv4qg\nversion=%d\nbroker.id=1\n' % written)
    extra = dict(KRAFT if kraft else {}, kafka_log_dirs=[str(data)])
    rc, output = run_preflight(tmp_path, None if kraft else GOOD_ZK, GOOD_KAFKA, extra, KRAFT_CONTROLLERS if kraft else None)
    assert rc != 0
    assert '%s/meta.properties was written in %s mode, and kafka_metadata_mode is %s' % (
        data, 'ZooKeeper' if kraft else 'KRaft', 'kraft' if kraft else 'zookeeper') in ' '.join(output.split()), output


def test_a_retired_zookeeper_member_is_refused(tmp_path):
    conf = tmp_path / 'zookeeper'
    conf.mkdir()
    (conf / 'RETIRED').write_text('Retired by playbooks/retire-zookeeper.yml\n')
    rc, output = run_preflight(tmp_path, GOOD_ZK, GOOD_KAFKA, {'zookeeper_conf_dir': str(conf)})
    assert rc != 0
    assert 'ZooKeeper on zk1 was retired (playbooks/retire-zookeeper.yml): the Kafka cluster runs on KRaft. Take the ' \
        "host out of the group 'zookeeper', or delete %s/RETIRED" % conf in ' '.join(output.split()), output


SECURE = {
    'kafka_listeners': [{'name': 'INTERNAL', 'port': 9094, 'protocol': 'SSL', 'client_auth': 'required'},
                        {'name': 'CLIENTS', 'port': 9093, 'protocol': 'SASL_SSL', 'sasl_mechanisms': ['SCRAM-SHA-512']}],
    'kafka_inter_broker_listener': 'INTERNAL',
    'kafka_authorizer_enabled': True,
    'kafka_tls_ca_passphrase': 'a-passphrase-of-the-test',
    'zookeeper_sasl_users': {'kafka': 'a-zookeeper-password'},
    'zookeeper_client_sasl_username': 'kafka',
    'zookeeper_quorum_sasl_password': 'a-quorum-password',
    'zookeeper_sasl_required': True,
}
PLAIN_AND_SCRAM = [{'name': 'PLAINTEXT', 'port': 9092, 'protocol': 'PLAINTEXT'},
                   {'name': 'SCRAM', 'port': 9093, 'protocol': 'SASL_PLAINTEXT', 'sasl_mechanisms': ['SCRAM-SHA-512']}]


@pytest.mark.parametrize('extra', [{}, {'kafka_inter_broker_listener': 'CLIENTS', 'kafka_admin_listener': 'INTERNAL',
                                     'kafka_inter_broker_sasl_password': 'a-broker-password'},
                                   {'zookeeper_tls_enabled': True}])
def test_a_secured_inventory_passes(tmp_path, extra):
    rc, output = run_preflight(tmp_path, GOOD_ZK, GOOD_KAFKA, dict(SECURE, **extra))
    assert rc == 0, output


def own_certificate(tmp_path, name):
    """A CA-signed certificate for ``name`` with its key and CA, as PEM files."""
    def openssl(*args):
        subprocess.run(['openssl'] + list(args), cwd=tmp_path, check=True, capture_output=True)
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key',
            '-subj', '/CN=test CA', '-days', '2', '-out', 'ca.crt')
    openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'node.key',
            '-subj', '/CN=%s' % name, '-addext', 'subjectAltName=DNS:%s' % name, '-out', 'node.csr')
    openssl('x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1',
            '-copy_extensions', 'copy', '-out', 'node.crt')
    return dict(('kafka_tls_%s_file' % kind, str(tmp_path / ('%s.%s' % (base, ext))))
                for kind, base, ext in (('cert', 'node', 'crt'), ('key', 'node', 'key'), ('ca', 'ca', 'crt')))


@pytest.mark.parametrize('extra, message', [
    ({'kafka_listeners': [{'name': 'CLIENTS', 'port': 9093, 'protocol': 'SASL_SSL'}]},
     'listener CLIENTS: a SASL listener needs sasl_mechanisms'),
    (dict(SECURE, kafka_tls_ca_passphrase=''), 'the role\'s CA needs kafka_tls_ca_passphrase, 8 characters or more'),
    (dict(SECURE, kafka_tls_cert_file='/nonexistent/node.crt'),
     'kafka_tls_cert_file, kafka_tls_key_file and kafka_tls_ca_file must all name PEM files on the controller'),
    ({'kafka_listeners': PLAIN_AND_SCRAM, 'kafka_authorizer_enabled': True},
     'User:ANONYMOUS, which must then be a super user'),
    (dict(SECURE, kafka_admin_listener='INTERNAL', kafka_modules_on_controller=True),
     'so kafka_modules_on_controller must be false'),
    (dict(SECURE, kafka_inter_broker_listener='CLIENTS'),
     'inter-broker listener CLIENTS uses SASL: the brokers need kafka_inter_broker_sasl_password (from your vault'),
    (dict(SECURE, zookeeper_client_sasl_username='broker'),
     "zookeeper_client_sasl_username 'broker' is not one of zookeeper_sasl_users (kafka)"),
    (dict(SECURE, zookeeper_client_sasl_username=''), 'zookeeper_sasl_required also needs zookeeper_client_sasl_username'),
    (dict(SECURE, zookeeper_sasl_users={'kafka': 'short'}), 'to passwords of 8 or more printable ASCII characters'),
    (dict(SECURE, zookeeper_quorum_sasl_password='has"a-quote'), 'to passwords of 8 or more printable ASCII characters'),
    (dict(SECURE, zookeeper_sasl_users={'kafka user': 'a-zookeeper-password'}), "(names: ['kafka user']"),
    (dict(SECURE, zookeeper_client_port_enabled=False),
     'zookeeper_client_port_enabled false (the plain port closed) needs zookeeper_tls_enabled'),
    (dict(SECURE, zookeeper_tls_enabled=True, kafka_tls_ca_passphrase='short'),
     "zookeeper_tls_enabled needs the collection's CA, kafka_tls_ca_passphrase of 8 characters or more"),
    (dict(SECURE, zookeeper_tls_enabled=True, zookeeper_secure_client_port=2181),
     'zookeeper_secure_client_port (2181) must differ from zookeeper_client_port (2181)'),
    # Nothing deployed: no member serves the secure port yet, no broker connects there.
    (dict(SECURE, zookeeper_tls_enabled=True, zookeeper_client_port_enabled=False),
     'zookeeper_client_port_enabled false would cut off zk1, zk2, zk3, k1, k2, k3: their files do not show the secure port 2182 yet'),
])
def test_bad_security_settings_are_refused_with_a_clear_message(tmp_path, extra, message):
    rc, output = run_preflight(tmp_path, GOOD_ZK, GOOD_KAFKA, extra)
    assert rc != 0
    assert message in ' '.join(output.split()), output


def test_zookeeper_tls_refuses_own_certificate_files(tmp_path):
    rc, output = run_preflight(tmp_path, GOOD_ZK, GOOD_KAFKA,
                               dict(SECURE, zookeeper_tls_enabled=True, **own_certificate(tmp_path, 'k1')))
    assert rc != 0
    assert 'zookeeper_tls_enabled takes the certificates of the brokers and of the ZooKeeper members from the ' \
        "collection's CA (kafka_tls_ca_dir); k1 has own certificate files" in ' '.join(output.split()), output


def test_an_own_certificate_must_name_the_broker(tmp_path):
    rc, output = run_preflight(tmp_path, GOOD_ZK, GOOD_KAFKA, dict(SECURE, **own_certificate(tmp_path, 'elsewhere')))
    assert rc != 0
    assert "names ['DNS:elsewhere'], not this broker's advertised name k1" in ' '.join(output.split()), output
