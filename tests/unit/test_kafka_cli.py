"""The launcher of roles/kafka_cli: how it rewrites the command lines of the Kafka tools."""

import importlib.util
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location('kafka_cli', os.path.join(ROOT, 'roles/kafka_cli/files/kafka_cli.py'))
kafka_cli = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(kafka_cli)

CONFIG = {'bootstrap_servers': ['b1:9092', 'b2:9092'], 'zookeeper_connect': 'z1:2181,z2:2181/kafka',
          'zookeeper_chroot': '/kafka', 'kafka_home': '/opt/kafka'}


@pytest.mark.parametrize('tool, args, expected', [
    ('kafka-topics', ['--list'], ['--bootstrap-server', 'b1:9092,b2:9092', '--list']),
    ('kafka-topics', ['--bootstrap-server', 'x:1', '--list'], ['--bootstrap-server', 'x:1', '--list']),
    ('kafka-topics', ['--bootstrap-server=x:1', '--list'], ['--bootstrap-server=x:1', '--list']),
    ('kafka-console-producer', ['--broker-list', 'x:1', '--topic', 't'], ['--broker-list', 'x:1', '--topic', 't']),
    ('kafka-configs', ['--zookeeper', 'z:2181', '--describe'], ['--zookeeper', 'z:2181', '--describe']),
    ('kafka-acls', ['--authorizer-properties', 'zookeeper.connect=z:2181', '--list'],
     ['--authorizer-properties', 'zookeeper.connect=z:2181', '--list']),
    ('kafka-dump-log', ['--files', 'x.log'], ['--files', 'x.log']),
    ('kafka-producer-perf-test', ['--topic', 't'], ['--topic', 't', '--producer-props', 'bootstrap.servers=b1:9092,b2:9092']),
    ('kafka-producer-perf-test', ['--producer-props', 'acks=1', '--topic', 't'],
     ['--producer-props', 'bootstrap.servers=b1:9092,b2:9092', 'acks=1', '--topic', 't']),
    ('kafka-producer-perf-test', ['--producer-props', 'bootstrap.servers=x:1'], ['--producer-props', 'bootstrap.servers=x:1']),
    ('zookeeper-shell', [], ['z1:2181,z2:2181/kafka']),
    ('zookeeper-shell', ['ls', '/brokers/ids'], ['z1:2181,z2:2181/kafka', 'ls', '/brokers/ids']),
    ('zookeeper-shell', ['public00:2181', 'ls', '/'], ['public00:2181', 'ls', '/']),
    ('zookeeper-shell', ['public00', 'ls', '/'], ['public00', 'ls', '/']),
])
def test_rewrite(tool, args, expected):
    assert kafka_cli.rewrite(tool, args, CONFIG) == expected


def test_kafka_4_tools_get_the_broker_list_as_bootstrap_server():
    kafka4 = dict(CONFIG, kafka_version='4.4.0')
    assert kafka_cli.rewrite('kafka-console-producer', ['--broker-list', 'x:1', '--topic', 't'], kafka4) == [
        '--bootstrap-server', 'x:1', '--topic', 't']
    assert kafka_cli.rewrite('kafka-console-producer', ['--broker-list=x:1', '--topic', 't'], dict(kafka4, kafka_version='3.9.2')) == [
        '--broker-list=x:1', '--topic', 't']


def test_on_kraft_kafka_configs_zookeeper_goes_to_the_brokers_too(monkeypatch, capsys):
    monkeypatch.setattr(kafka_cli, 'brokers_in_zookeeper', lambda *a: (_ for _ in ()).throw(LookupError('refused')))
    kraft = dict(CONFIG, zookeeper_connect='')
    assert kafka_cli.rewrite('kafka-configs', ['--zookeeper', 'public00:2181', '--describe'], kraft) == [
        '--bootstrap-server', 'b1:9092,b2:9092', '--describe']
    assert "this cluster's brokers from" in capsys.readouterr().err


def test_zookeeper_option_becomes_the_registered_brokers(monkeypatch, capsys):
    seen = []

    def brokers(spec, chroot, protocol):
        seen.append((spec, chroot, protocol))
        return ['k1:9092', 'k2:9092'], 'z:2181/kafka'

    monkeypatch.setattr(kafka_cli, 'brokers_in_zookeeper', brokers)
    args = kafka_cli.rewrite('kafka-topics', ['--zookeeper', 'z:2181', '--create', '--topic', 't'], CONFIG)
    assert args == ['--bootstrap-server', 'k1:9092,k2:9092', '--create', '--topic', 't']
    assert seen == [('z:2181', '/kafka', 'PLAINTEXT')]
    notice = capsys.readouterr().err.splitlines()
    assert len(notice) == 1 and 'no --zookeeper' in notice[0] and 'k1:9092,k2:9092' in notice[0]


def test_unreachable_zookeeper_falls_back_to_the_cluster_file(capsys):
    # After a migration to KRaft there is no ZooKeeper to ask; port 1 on 127.0.0.1 is closed.
    args = kafka_cli.rewrite('kafka-topics', ['--zookeeper=127.0.0.1:1', '--list'], CONFIG)
    assert args == ['--bootstrap-server', 'b1:9092,b2:9092', '--list']
    notice = capsys.readouterr().err.splitlines()
    assert len(notice) == 1 and '127.0.0.1:1' in notice[0] and 'b1:9092,b2:9092' in notice[0]


def test_unreachable_zookeeper_without_brokers_in_the_cluster_file_fails(capsys):
    with pytest.raises(SystemExit):
        kafka_cli.rewrite('kafka-topics', ['--zookeeper', '127.0.0.1:1', '--list'], dict(CONFIG, bootstrap_servers=[]))
    assert 'cannot find the brokers' in capsys.readouterr().err


@pytest.mark.parametrize('args', [
    ['--zookeeper', '--list'],
    ['--zookeeper', '--bootstrap-server', 'x:1', '--list'],
    ['--list', '--zookeeper'],
    ['--zookeeper=', '--list'],
])
def test_zookeeper_option_without_a_value_is_an_error(args, monkeypatch, capsys):
    monkeypatch.setattr(kafka_cli, 'brokers_in_zookeeper', lambda spec, chroot, protocol: pytest.fail('looked up %r' % spec))
    with pytest.raises(SystemExit):
        kafka_cli.rewrite('kafka-topics', args, CONFIG)
    assert '--zookeeper requires a value' in capsys.readouterr().err


@pytest.mark.parametrize('tool, args', [
    ('kafka-features', ['--bootstrap-controller', 'c1:9093', 'describe']),
    ('kafka-configs', ['--bootstrap-controller=c1:9093', '--describe', '--entity-type', 'brokers']),
    ('kafka-topics', ['--bootstrap-server=host:9092', '--list']),
    ('kafka-console-producer', ['--broker-list=host:9092', '--topic', 't']),
    ('kafka-configs', ['--zookeeper=z:2181', '--describe']),
])
def test_cluster_option_given_adds_no_bootstrap_server(tool, args):
    assert kafka_cli.rewrite(tool, args, CONFIG) == args


@pytest.mark.parametrize('args, expected', [
    (['help'], ['z1:2181,z2:2181/kafka', 'help']),
    (['ls /brokers/ids'], ['z1:2181,z2:2181/kafka', 'ls /brokers/ids']),
    (['z1,z2:2181/kafka', 'ls', '/'], ['z1,z2:2181/kafka', 'ls', '/']),
    (['10.0.0.1:2181,10.0.0.2:2181', 'ls', '/'], ['10.0.0.1:2181,10.0.0.2:2181', 'ls', '/']),
    (['[::1]:2181', 'ls', '/'], ['[::1]:2181', 'ls', '/']),
    (['public00/kafka', 'ls', '/'], ['public00/kafka', 'ls', '/']),
    (['-timeout', '5000', 'ls', '/'], ['z1:2181,z2:2181/kafka', '-timeout', '5000', 'ls', '/']),
])
def test_zookeeper_shell_server_only_when_it_looks_like_one(args, expected):
    assert kafka_cli.rewrite('zookeeper-shell', args, CONFIG) == expected


@pytest.mark.parametrize('registration, expected', [
    ({'endpoints': ['PLAINTEXT://h:9092'], 'host': 'h', 'port': 9092}, 'h:9092'),
    ({'endpoints': ['INTERNAL://i:9093', 'EXTERNAL://e:9092'],
      'listener_security_protocol_map': {'INTERNAL': 'SSL', 'EXTERNAL': 'PLAINTEXT'}}, 'e:9092'),
    ({'endpoints': [], 'host': 'old', 'port': 9092}, 'old:9092'),
])
def test_broker_address(registration, expected):
    assert kafka_cli.broker_address(registration) == expected


@pytest.fixture(autouse=True)
def no_zookeeper_file_of_this_machine(monkeypatch, tmp_path):
    """The ZooKeeper connection file of the machine running the tests is not read."""
    monkeypatch.delenv('KAFKA_CLI_ZOOKEEPER_CONFIG', raising=False)
    monkeypatch.setattr(kafka_cli, 'ZOOKEEPER_CONFIG_DEFAULT', str(tmp_path / 'absent.properties'))


def connection_file(tmp_path, text, mode=0o600):
    path = tmp_path / 'zookeeper-client.properties'
    path.write_text(text)
    path.chmod(mode)
    return str(path)


SECURED = """# TLS with a client certificate, and a SASL user
zookeeper.clientCnxnSocket=org.apache.zookeeper.ClientCnxnSocketNetty
zookeeper.ssl.client.enable=true
zookeeper.ssl.truststore.location=/etc/kafka-cli/zookeeper-ca.pem
zookeeper.ssl.truststore.type=PEM
zookeeper.ssl.keystore.location = /etc/kafka-cli/zookeeper-client.pem
! a comment of Java's other kind
zookeeper.sasl.username=kafka
zookeeper.sasl.password=s=cret
"""


def test_without_a_connection_file_zookeeper_is_read_plainly():
    assert kafka_cli.zookeeper_options() == {}


def test_the_connection_file_gives_tls_and_sasl_options(tmp_path, monkeypatch):
    monkeypatch.setenv('KAFKA_CLI_ZOOKEEPER_CONFIG', connection_file(tmp_path, SECURED))
    assert kafka_cli.zookeeper_options() == {
        'use_ssl': True, 'ssl_cafile': '/etc/kafka-cli/zookeeper-ca.pem', 'ssl_certfile': '/etc/kafka-cli/zookeeper-client.pem',
        'ssl_check_hostname': True, 'sasl_username': 'kafka', 'sasl_password': 's=cret'}


def test_an_empty_identification_algorithm_turns_the_host_name_check_off(tmp_path):
    path = connection_file(tmp_path, 'zookeeper.ssl.client.enable=true\nzookeeper.ssl.endpoint.identification.algorithm=\n')
    assert kafka_cli.zookeeper_options(path)['ssl_check_hostname'] is False


@pytest.mark.parametrize('text, mode, message', [
    (SECURED, 0o640, 'readable by others than its owner'),
    (SECURED, 0o604, 'readable by others than its owner'),
    ('zookeeper.ssl.client.enable=true\nzookeeper.ssl.keystore.type=JKS\n', 0o600, 'must be PEM'),
    ('zookeeper.ssl.client.enable true\n', 0o600, 'not key=value'),
])
def test_a_connection_file_that_cannot_be_used_is_refused(tmp_path, text, mode, message):
    with pytest.raises(LookupError, match=message) as error:
        kafka_cli.zookeeper_options(connection_file(tmp_path, text, mode))
    assert 's=cret' not in str(error.value)


def test_a_connection_file_named_but_absent_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv('KAFKA_CLI_ZOOKEEPER_CONFIG', str(tmp_path / 'nope'))
    with pytest.raises(LookupError, match='no ZooKeeper connection file'):
        kafka_cli.zookeeper_options()


class FakeReader:
    """ZooKeeperReader over {path: data} (children derived from the paths)."""
    znodes = {}
    opened = []

    def __init__(self, servers, timeout=5.0, options=None):
        FakeReader.opened.append((servers, options))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    def get(self, path):
        return self.znodes.get(path)

    def children(self, path):
        names = sorted(p[len(path) + 1:] for p in self.znodes if p.startswith(path + '/'))
        return names or None


REGISTRATION = '{"endpoints":["PLAINTEXT://k%s:9092"],"host":"k%s","port":9092}'


def test_brokers_in_zookeeper_reads_the_chroot_with_the_file_options(monkeypatch, tmp_path):
    FakeReader.opened = []
    FakeReader.znodes = {'/kafka/brokers/ids/%d' % i: REGISTRATION % (i, i) for i in (10, 2)}
    monkeypatch.setattr(kafka_cli, 'ZooKeeperReader', FakeReader)
    monkeypatch.setenv('KAFKA_CLI_ZOOKEEPER_CONFIG', connection_file(tmp_path, SECURED))
    assert kafka_cli.brokers_in_zookeeper('z1,z2:2182', '/kafka') == (['k2:9092', 'k10:9092'], 'z1:2181,z2:2182/kafka')
    servers, options = FakeReader.opened[0]
    assert servers == ['z1:2181', 'z2:2182'] and options['use_ssl'] and options['sasl_username'] == 'kafka'


def test_brokers_in_zookeeper_tries_the_root_and_names_where_it_looked(monkeypatch):
    FakeReader.znodes = {'/brokers/ids/1': REGISTRATION % (1, 1)}
    monkeypatch.setattr(kafka_cli, 'ZooKeeperReader', FakeReader)
    assert kafka_cli.brokers_in_zookeeper('z1:2181', '/kafka') == (['k1:9092'], 'z1:2181')
    with pytest.raises(LookupError, match=r'z1:2181: no broker registered under /other/brokers/ids$'):
        kafka_cli.brokers_in_zookeeper('z1:2181/other', '/kafka')


def test_without_kazoo_zookeeper_falls_back_to_the_cluster_file(monkeypatch, capsys):
    monkeypatch.setattr(sys.modules['zookeeper_client'], 'KAZOO_IMPORT_ERROR', ImportError('No module named kazoo'))
    args = kafka_cli.rewrite('kafka-topics', ['--zookeeper', 'z:2181', '--list'], CONFIG)
    assert args == ['--bootstrap-server', 'b1:9092,b2:9092', '--list']
    notice = capsys.readouterr().err.splitlines()
    assert len(notice) == 1 and 'kazoo is not installed' in notice[0]


LISTENERS = dict(CONFIG, listener_ports={'PLAINTEXT': 9092, 'SASL_SSL': 9093, 'SSL': 9094})
CLIENT = ('/home/alice/.kafka/client.properties', 'SASL_SSL')


@pytest.mark.parametrize('tool, args, expected', [
    # By default, the brokers on the port of the file's protocol, and the file under the tool's own option.
    ('kafka-topics', ['--list'], ['--command-config', CLIENT[0], '--bootstrap-server', 'b1:9093,b2:9093', '--list']),
    # Before the subcommand, where tools with subcommands take it.
    ('kafka-features', ['describe'], ['--command-config', CLIENT[0], '--bootstrap-server', 'b1:9093,b2:9093', 'describe']),
    ('kafka-console-producer', ['--broker-list', 'x:9093', '--topic', 't'],
     ['--producer.config', CLIENT[0], '--broker-list', 'x:9093', '--topic', 't']),
    ('kafka-console-consumer', ['--topic', 't'],
     ['--consumer.config', CLIENT[0], '--bootstrap-server', 'b1:9093,b2:9093', '--topic', 't']),
    ('kafka-leader-election', ['--all-topic-partitions'],
     ['--admin.config', CLIENT[0], '--bootstrap-server', 'b1:9093,b2:9093', '--all-topic-partitions']),
    ('kafka-producer-perf-test', ['--topic', 't'],
     ['--producer.config', CLIENT[0], '--topic', 't', '--producer-props', 'bootstrap.servers=b1:9093,b2:9093']),
    # A file given on the command line wins.
    ('kafka-topics', ['--list', '--command-config', 'mine'], ['--bootstrap-server', 'b1:9093,b2:9093', '--list', '--command-config', 'mine']),
    # Tools without brokers, and kafka-configs on its own --zookeeper, are left alone.
    ('kafka-dump-log', ['--files', 'x.log'], ['--files', 'x.log']),
    ('kafka-configs', ['--zookeeper', 'z:2181', '--describe'], ['--zookeeper', 'z:2181', '--describe']),
    ('zookeeper-shell', ['ls', '/'], ['z1:2181,z2:2181/kafka', 'ls', '/']),
])
def test_rewrite_with_the_users_client_properties(tool, args, expected):
    assert kafka_cli.rewrite(tool, args, LISTENERS, CLIENT) == expected


def test_a_protocol_without_a_listener_keeps_the_default_brokers():
    assert kafka_cli.rewrite('kafka-topics', ['--list'], LISTENERS, ('f', 'SASL_PLAINTEXT'))[2:4] == ['--bootstrap-server', 'b1:9092,b2:9092']


def test_zookeeper_option_finds_the_listener_of_the_client_protocol(monkeypatch, capsys):
    registration = {'endpoints': ['PLAINTEXT://k1:9092', 'CLIENTS://k1:9093'],
                    'listener_security_protocol_map': {'PLAINTEXT': 'PLAINTEXT', 'CLIENTS': 'SASL_SSL'}}
    assert kafka_cli.broker_address(registration, 'SASL_SSL') == 'k1:9093'
    seen = []
    monkeypatch.setattr(kafka_cli, 'brokers_in_zookeeper', lambda spec, chroot, protocol: seen.append(protocol) or (['k1:9093'], spec))
    args = kafka_cli.rewrite('kafka-topics', ['--zookeeper', 'z:2181', '--list'], LISTENERS, CLIENT)
    assert args == ['--command-config', CLIENT[0], '--bootstrap-server', 'k1:9093', '--list'] and seen == ['SASL_SSL']


def test_client_properties_from_the_environment_or_the_home(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv('KAFKA_CLIENT_PROPERTIES', raising=False)
    assert kafka_cli.client_properties() is None
    home = tmp_path / '.kafka' / 'client.properties'
    home.parent.mkdir()
    home.write_text('security.protocol=sasl_ssl\nsasl.mechanism=SCRAM-SHA-512\n')
    home.chmod(0o600)
    assert kafka_cli.client_properties() == (str(home), 'SASL_SSL')
    other = tmp_path / 'other.properties'
    other.write_text('# plain\n')
    other.chmod(0o600)
    monkeypatch.setenv('KAFKA_CLIENT_PROPERTIES', str(other))
    assert kafka_cli.client_properties() == (str(other), 'PLAINTEXT')
    other.chmod(0o644)
    with pytest.raises(LookupError, match='readable by others than its owner'):
        kafka_cli.client_properties()
    monkeypatch.setenv('KAFKA_CLIENT_PROPERTIES', str(tmp_path / 'missing'))
    with pytest.raises(LookupError, match='no client properties file'):
        kafka_cli.client_properties()


def owner_only(path, text):
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    path.chmod(0o600)
    return str(path)


@pytest.mark.parametrize('args, used', [
    (['--list'], True),
    (['--zookeeper', 'z:2181', '--list'], True),
    (['--bootstrap-server', 'x:9092', '--list'], False),
    (['--broker-list', 'x:9092', '--topic', 't'], False),
    (['--producer-props', 'bootstrap.servers=x:9092'], False),
])
def test_the_nodes_client_properties_only_when_the_launcher_picks_the_brokers(monkeypatch, tmp_path, args, used):
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv('KAFKA_CLIENT_PROPERTIES', raising=False)
    node = owner_only(tmp_path / 'etc' / 'client.properties', 'security.protocol=SSL\n')
    monkeypatch.setattr(kafka_cli, 'NODE_CLIENT_PROPERTIES', node)
    assert kafka_cli.client_properties(args) == ((node, 'SSL') if used else None)
    # The user's own file wins, whatever the command line names.
    home = owner_only(tmp_path / '.kafka' / 'client.properties', 'security.protocol=SASL_SSL\n')
    assert kafka_cli.client_properties(args) == (home, 'SASL_SSL')


def test_a_node_file_the_user_cannot_read_is_skipped_and_their_own_is_not(monkeypatch, tmp_path):
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.delenv('KAFKA_CLIENT_PROPERTIES', raising=False)
    node = owner_only(tmp_path / 'etc' / 'client.properties', 'security.protocol=SSL\n')
    monkeypatch.setattr(kafka_cli, 'NODE_CLIENT_PROPERTIES', node)

    def denied(path, read=kafka_cli.read_owner_only):
        if os.path.exists(path):
            raise PermissionError(13, 'Permission denied', path)
        return read(path)
    monkeypatch.setattr(kafka_cli, 'read_owner_only', denied)
    assert kafka_cli.client_properties(['--list']) is None
    owner_only(tmp_path / '.kafka' / 'client.properties', 'security.protocol=SASL_SSL\n')
    with pytest.raises(LookupError, match='permission denied'):
        kafka_cli.client_properties(['--list'])


@pytest.mark.parametrize('tool, args, expected', [
    # Kafka 4.2+: --command-config for the producer and consumer tools too (their own option prints a warning).
    ('kafka-console-consumer', ['--topic', 't'],
     ['--command-config', CLIENT[0], '--bootstrap-server', 'b1:9093,b2:9093', '--topic', 't']),
    ('kafka-producer-perf-test', ['--topic', 't'],
     ['--command-config', CLIENT[0], '--topic', 't', '--producer-props', 'bootstrap.servers=b1:9093,b2:9093']),
    # Either option given on the command line wins (Kafka refuses both at once).
    ('kafka-console-producer', ['--topic', 't', '--producer.config', 'mine'],
     ['--bootstrap-server', 'b1:9093,b2:9093', '--topic', 't', '--producer.config', 'mine']),
    ('kafka-leader-election', ['--all-topic-partitions'],
     ['--admin.config', CLIENT[0], '--bootstrap-server', 'b1:9093,b2:9093', '--all-topic-partitions']),
])
def test_kafka_4_2_gives_the_producer_and_consumer_tools_command_config(tool, args, expected):
    assert kafka_cli.rewrite(tool, args, dict(LISTENERS, kafka_version='4.4.0'), CLIENT) == expected
