"""A new KRaft cluster on Kafka 4 (molecule/kraft, issue 11), checked with real clients.

Controllers kc1 and kc2 and the combined node kb3 are the metadata quorum; kb1..kb3 are the brokers. No listener is
PLAINTEXT (issue 14): the tests connect to INTERNAL (9092, mutual TLS) with a broker's certificate, a super user.
Figures: stdout and .cache/kraft/figures.md (printed by `make test`).
"""

import os
import socket
import ssl
import subprocess
import time
import uuid

import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_health import quorum_state
from lib.load import LoadGenerator, check
from lib.security import api_versions_answer, listed, refusals, tls_contexts
from lib.students import assert_the_students_are_isolated

PROJECT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FIGURES = os.path.join(PROJECT, '.cache', 'kraft', 'figures.md')
INTERNAL, CLIENTS, CONTROLLER_PORT = 9092, 9094, 9093
# Root's client settings on a broker (role kafka_cli): its certificate on the admin listener, INTERNAL.
ROOT_CLIENT = '/etc/kafka-cli/client.properties'


@pytest.fixture(scope='module', autouse=True)
def fresh_figures():
    if os.path.exists(FIGURES):
        os.remove(FIGURES)


@pytest.fixture(scope='module')
def admin(cluster, tls):
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers(), **tls)
    yield client
    client.close()


def node_ids(cluster):
    """{node.id: inventory name} of every node, controllers included."""
    ids = {}
    for name in cluster.hosts('kafka') + cluster.hosts('kafka_controller'):
        own = cluster.variables(name)
        ids[int(own.get('kafka_broker_id', own.get('kafka_node_id')))] = name
    return ids


def quorum(admin):
    return quorum_state(admin.describe_metadata_quorum())


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except Exception:  # a node restarting: ask again
            value = None
        if value:
            return value
        assert time.monotonic() < deadline, 'timed out after %d s waiting until %s' % (timeout, what)
        time.sleep(0.5)


def figure(line):
    print(line)
    os.makedirs(os.path.dirname(FIGURES), exist_ok=True)
    with open(FIGURES, 'a') as f:
        f.write(line + '\n')


def test_the_quorum_is_the_controller_group_with_a_leader_and_every_voter_caught_up(cluster, admin):
    ids = node_ids(cluster)
    expected = sorted(i for i, name in ids.items() if name in cluster.hosts('kafka_controller'))
    state = wait_for(lambda: (lambda q: q if all(v['caught_up'] for v in q['voters']) else None)(quorum(admin)),
                     60, 'every voter caught up')
    assert sorted(v['id'] for v in state['voters']) == expected == [3, 101, 102]
    assert state['leader'] in expected


def test_every_node_was_formatted_once_with_the_cluster_id_kept_beside_the_inventory(cluster, admin):
    with open(os.path.join(os.path.dirname(cluster.inventory), 'kafka-cluster-id.txt')) as f:
        kept = f.read().strip()
    assert len(kept) == 22
    for name in cluster.hosts('kafka') + cluster.hosts('kafka_controller'):
        meta = cluster.host(name).file('/var/lib/kafka/data/meta.properties')
        assert meta.user == 'kafka', name
        assert 'cluster.id=%s' % kept in meta.content_string.splitlines(), name
    assert admin.describe_cluster()['cluster_id'] == kept


def super_users(properties):
    """super.users of a server.properties (describe_configs does not show it)."""
    return next(line for line in properties if line.startswith('super.users=')).split('=', 1)[1].split(';')


def test_each_broker_runs_with_its_roles_id_and_the_quorum_from_the_inventory(cluster, admin):
    voters = ','.join('%s@%s:9093' % (i, cluster.address(name)) for i, name in sorted(node_ids(cluster).items())
                      if name in cluster.hosts('kafka_controller'))
    for name in cluster.hosts('kafka'):
        broker = cluster.broker_id(name)
        result = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, str(broker))], config_filter='all')
        configs = {key: entry['value'] for key, entry in result['broker'][str(broker)].items()}
        combined = name in cluster.hosts('kafka_controller')
        assert configs['process.roles'] == ('broker,controller' if combined else 'broker'), name
        assert configs['node.id'] == str(broker)
        assert sorted(configs['controller.quorum.voters'].split(',')) == sorted(voters.split(','))
        assert configs['min.insync.replicas'] == '2' and configs['default.replication.factor'] == '3'
        assert configs['authorizer.class.name'] == 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', name
        # The brokers replicate as their own SCRAM user, a super user, as are their certificates' names (INTERNAL).
        assert (configs['inter.broker.listener.name'], configs['sasl.mechanism.inter.broker.protocol']) == \
            ('CLIENTS', 'SCRAM-SHA-512'), name
        properties = cluster.host(name).file('/etc/kafka/server.properties').content_string.splitlines()
        assert {'User:kafka-broker'} | {'User:%s' % broker for broker in cluster.hosts('kafka')} \
            <= set(super_users(properties)), name
        assert not configs.get('zookeeper.connect'), name
    # A controller alone has no broker listener and no ZooKeeper.
    for name in set(cluster.hosts('kafka_controller')) - set(cluster.hosts('kafka')):
        properties = cluster.host(name).file('/etc/kafka/server.properties').content_string.splitlines()
        assert 'process.roles=controller' in properties and 'listeners=CONTROLLER://:9093' in properties, name
        assert 'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer' in properties, name
        assert not [line for line in properties if line.startswith(('zookeeper.', 'broker.id', 'advertised.'))], name


@pytest.fixture(scope='module')
def contexts(tls_files):
    return tls_contexts(tls_files)


def test_only_the_nodes_own_certificates_reach_the_controllers(cluster, contexts):
    """The controller listener is mutual TLS (kafka_controller_listener_protocol SSL): the quorum votes and the
    brokers register there with their certificates, as super users named after their hosts; a plaintext client and a
    TLS client without a certificate get no answer, a client with a node's certificate does."""
    nodes = cluster.hosts('kafka') + cluster.hosts('kafka_controller')
    without_certificate, with_certificate = contexts
    for name in cluster.hosts('kafka_controller'):
        properties = cluster.host(name).file('/etc/kafka/server.properties').content_string.splitlines()
        assert 'listener.name.controller.ssl.client.auth=required' in properties, name
        assert [line for line in properties if line.startswith('listener.security.protocol.map=')][0].endswith(
            'CONTROLLER:SSL'), name
        assert {'User:%s' % node for node in nodes} <= set(super_users(properties)), name
        assert 'User:ANONYMOUS' not in super_users(properties), name
        address = cluster.address(name)
        refused = refusals(address, CONTROLLER_PORT, without_certificate)
        figure('KRaft: controller %s on %d ; %s' % (name, CONTROLLER_PORT, listed(refused)))
        assert 7 not in refused.values(), (name, refused)
        assert api_versions_answer(address, CONTROLLER_PORT, with_certificate) == 7, name


def test_no_broker_listener_answers_a_plaintext_or_unauthenticated_client(cluster, tls_files, contexts):
    """INTERNAL answers only a client with a node's certificate; CLIENTS (SCRAM over TLS) refuses a plaintext client,
    a TLS client that does not log in and a wrong password; nothing listens in plaintext anywhere."""
    without_certificate, with_certificate = contexts
    on_clients = dict(security_protocol='SASL_SSL', ssl_cafile=tls_files['ca.crt'], sasl_mechanism='SCRAM-SHA-512',
                      sasl_plain_username='alice', sasl_plain_password='not-her-password')
    for name in cluster.hosts('kafka'):
        address = cluster.address(name)
        answers = {'INTERNAL ' + key: value for key, value in refusals(address, INTERNAL, without_certificate).items()}
        answers['CLIENTS plaintext'] = api_versions_answer(address, CLIENTS)
        figure('KRaft: broker %s ; %s' % (name, listed(answers)))
        assert 7 not in answers.values(), (name, answers)
        assert api_versions_answer(address, INTERNAL, with_certificate) == 7, name
        for refused in (dict(security_protocol='SSL', ssl_cafile=tls_files['ca.crt']), on_clients):
            with pytest.raises(KafkaError):
                KafkaAdminClient(bootstrap_servers=['%s:%d' % (address, CLIENTS)], bootstrap_timeout_ms=6000,
                                 request_timeout_ms=6000, **refused).close()


def test_the_course_users_and_acls_are_enforced(cluster, tls_files):
    """playbooks/course.yml made the students' SCRAM users and ACLs on KRaft (the idempotence step found nothing to
    change, the users checked by a real login), and the brokers enforce them."""
    assert_the_students_are_isolated(cluster, CLIENTS, 'SASL_SSL', tls_files['ca.crt'])


def test_another_password_for_the_brokers_stored_user_is_refused_before_anything_changes(cluster):
    """The brokers' SCRAM user is in the metadata log; a run declaring another password logs in with it, is refused
    and restarts nothing (running brokers keep the stored password)."""
    pid = 'systemctl show --property=MainPID --value kafka'
    before = {name: cluster.host(name).check_output(pid) for name in cluster.hosts('kafka')}
    run = cluster.playbook('playbooks/kafka.yml', extra_vars={'kafka_inter_broker_sasl_password': 'another-password-1'})
    assert run.rc != 0
    assert 'The metadata log holds another password for kafka-broker' in ' '.join(run.output.split()), run.tail()
    assert 'another-password-1' not in run.output
    assert {name: cluster.host(name).check_output(pid) for name in cluster.hosts('kafka')} == before


def test_the_exact_round_trip_with_acks_all(cluster, admin, tls):
    topic = 'kraft-round-trip-%s' % uuid.uuid4().hex[:8]
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3)])
    sent = ['%s-%05d' % (topic, n) for n in range(1000)]
    producer = KafkaProducer(bootstrap_servers=cluster.bootstrap_servers(), acks='all', enable_idempotence=True, **tls)
    for value in sent:
        producer.send(topic, value.encode())
    producer.flush(timeout=60)
    producer.close()
    consumer = KafkaConsumer(topic, bootstrap_servers=cluster.bootstrap_servers(), group_id=None, **tls,
                             auto_offset_reset='earliest', consumer_timeout_ms=15000)
    received = []
    for record in consumer:
        received.append(record.value.decode())
        if len(received) == len(sent):
            break
    # Exactly these records: the topic is new, so its end offsets count every record it holds.
    stored = sum(consumer.end_offsets([TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]).values())
    consumer.close()
    assert sorted(received) == sent and stored == len(sent)


def test_a_killed_active_controller_loses_nothing_acknowledged(cluster, admin, tls):
    ids = node_ids(cluster)
    topic = 'kraft-controller-kill-%s' % uuid.uuid4().hex[:8]
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3)])
    load = LoadGenerator(cluster.bootstrap_servers(), topic, rate=200, **tls).start()
    time.sleep(10)
    leader = quorum(admin)['leader']
    host = cluster.host(ids[leader])
    killed = time.monotonic()
    host.run_expect([0], 'systemctl kill -s KILL kafka; systemctl stop kafka')
    new = wait_for(lambda: (lambda q: q['leader'] if q['leader'] not in (-1, leader) else None)(quorum(admin)),
                   60, 'a new quorum leader replaces controller %d' % leader)
    elected = time.monotonic() - killed
    time.sleep(10)
    host.run_expect([0], 'systemctl start kafka')
    wait_for(lambda: all(v['caught_up'] for v in quorum(admin)['voters']), 120,
             'controller %d caught up again' % leader)
    time.sleep(5)
    load.stop()
    figures = check(load, cluster.bootstrap_servers(), **tls)
    gap = load.longest_gap()
    figure('| KRaft: active controller %d (%s) killed | %d acked | %d lost | %d duplicated | new leader %d after %.1f s '
           '| longest gap %.1f s |' % (leader, ids[leader], figures['acked'], figures['lost'], figures['duplicates'],
                                       new, elected, gap))
    assert figures['acked'] > 0 and figures['failed'] == 0, figures
    assert figures['lost'] == 0 and figures['duplicates'] == 0 and figures['mismatched'] == 0, figures


def test_a_rolling_restart_takes_controllers_first_the_active_one_last_and_loses_nothing(cluster, admin, tls):
    ids = node_ids(cluster)
    nodes = sorted(ids.values())
    controllers = cluster.hosts('kafka_controller')
    pid = 'systemctl show --property=MainPID --value kafka'
    before = {name: cluster.host(name).check_output(pid) for name in nodes}
    topic = 'kraft-roll-%s' % uuid.uuid4().hex[:8]
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3)])
    load = LoadGenerator(cluster.bootstrap_servers(), topic, rate=200, **tls).start()
    leader = ids[quorum(admin)['leader']]
    try:
        run = cluster.playbook('playbooks/rolling-restart.yml')
    finally:
        load.stop()
    assert run.rc == 0, run.tail()
    figures = check(load, cluster.bootstrap_servers(), **tls)
    figure('| KRaft: rolling restart of %d nodes | %d acked | %d lost | %d duplicated | longest gap %.1f s |'
           % (len(nodes), figures['acked'], figures['lost'], figures['duplicates'], load.longest_gap()))
    assert figures['acked'] > 0 and figures['failed'] == 0, figures
    assert figures['lost'] == 0 and figures['duplicates'] == 0 and figures['mismatched'] == 0, figures
    after = {name: cluster.host(name).check_output(pid) for name in nodes}
    assert [name for name in nodes if after[name] == before[name]] == []
    # One at a time, in this order: the controllers (the quorum's leader the last of them), then the brokers.
    order = sorted(nodes, key=lambda name: run.output.index('Read the cluster state after restarting %s' % name))
    assert set(order[:len(controllers)]) == set(controllers) and order[len(controllers) - 1] == leader, order


def test_phase_2_of_the_upgrade_reads_the_features_on_the_mutual_tls_listener(cluster):
    """playbooks/upgrade-kafka-kraft.yml phase 2 on this cluster, every node on its release: kafka-features (root's
    launcher, the broker's certificate on INTERNAL) finds metadata.version at the release's; nothing changes."""
    run = cluster.playbook('playbooks/upgrade-kafka-kraft.yml', extra_vars={'upgrade_phase': 2})
    assert run.rc == 0 and run.changed == 0, run.tail()
    release = cluster.variables(cluster.hosts('kafka')[0])['kafka_version'].rsplit('.', 1)[0]
    said = ' '.join(run.output.split())
    assert 'metadata.version is %s' % release in said and 'the upgrade is complete.' in said, run.tail()


def test_the_course_commands_still_run_without_zookeeper(cluster):
    """`kafka-topics --zookeeper HOST:2181` of the course material reaches this cluster's brokers when there is no
    ZooKeeper to ask (one notice on stderr); `--broker-list` and the console tools of Kafka 4 work unchanged."""
    host = cluster.host(cluster.hosts('kafka')[0])
    topic = 'kraft-course-%s' % uuid.uuid4().hex[:8]
    created = host.run('kafka-topics --zookeeper %s:2181 --create --topic %s --partitions 3 --replication-factor 3'
                       % (cluster.hosts('kafka_controller')[0], topic))
    assert created.rc == 0, created.stderr
    assert "Kafka 3 tools have no --zookeeper; using --bootstrap-server" in created.stderr
    assert "this cluster's brokers from /etc/kafka-cli/cluster.json" in created.stderr
    assert topic in host.check_output('kafka-topics --list').split()
    lines = ['course line %d' % i for i in range(100)]
    host.run_expect([0], "printf '%%s\\n' %s > /tmp/%s.txt" % (' '.join("'%s'" % line for line in lines), topic))
    brokers = ','.join(cluster.bootstrap_servers())
    # No PLAINTEXT listener here: with --broker-list root names its client settings; without brokers the launcher adds
    # them (root's certificate on INTERNAL), as --command-config on Kafka 4.2+ (the old option warns on stdout).
    host.run_expect([0], 'kafka-console-producer --broker-list %s --topic %s --command-config %s < /tmp/%s.txt'
                    % (brokers, topic, ROOT_CLIENT, topic))
    received = host.run_expect([0], 'kafka-console-consumer --topic %s --from-beginning --max-messages 100 '
                                    '--timeout-ms 60000' % topic)
    assert sorted(received.stdout.splitlines()) == sorted(lines)


def sign_with_the_scenarios_ca(cluster, name, directory):
    """A key and a certificate for `name` as an operator's own PKI would hand them over: an RSA key (the role's CA
    makes EC keys on the node), made and signed on the controller by the scenario's CA, which the other nodes trust."""
    ca = {key: os.path.join(cluster.ca_dir(), key) for key in ('ca.crt', 'ca.key')}
    files = {key: str(directory / key) for key in ('node.key', 'node.csr', 'node.crt')}
    names = 'subjectAltName=DNS:%s,IP:%s' % (name, cluster.address(name))
    subprocess.run(['openssl', 'req', '-new', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=%s' % name,
                    '-addext', names, '-keyout', files['node.key'], '-out', files['node.csr']],
                   check=True, capture_output=True)
    with open(os.path.join(os.path.dirname(cluster.inventory), '..', 'students', 'kafka-ca.passphrase')) as f:
        passphrase = f.read().split()[0]
    subprocess.run(['openssl', 'x509', '-req', '-in', files['node.csr'], '-CA', ca['ca.crt'], '-CAkey', ca['ca.key'],
                    '-passin', 'env:CA_PASSPHRASE', '-set_serial', str(int(time.time())), '-days', '30',
                    '-copy_extensions', 'copy', '-out', files['node.crt']],
                   check=True, capture_output=True, env=dict(os.environ, CA_PASSPHRASE=passphrase))
    return dict(files, **{'ca.crt': ca['ca.crt']})


def served_certificate(address, port, context):
    with socket.create_connection((address, port), timeout=10) as raw:
        with context.wrap_socket(raw, server_hostname=address) as tls_socket:
            return tls_socket.getpeercert(binary_form=True)


def test_a_broker_takes_your_own_certificate_files_through_the_gates_under_load(cluster, admin, tls, contexts,
                                                                                tmp_path):
    """The second way to get certificates (issue 14): PEM files on the controller, for one host only.
    playbooks/kafka.yml --limit on a pure broker (the others' addresses come from facts, gathered for the hosts the
    limit leaves out) installs them and restarts that broker alone through the gates, under an acks=all load: 0 lost,
    0 duplicated. The broker then serves exactly the supplied certificate and holds the supplied key (kafka, 0600);
    no line of the key is in the run's output, also with --diff. A second run changes nothing."""
    name = [host for host in cluster.hosts('kafka') if host not in cluster.hosts('kafka_controller')][0]
    own = sign_with_the_scenarios_ca(cluster, name, tmp_path)
    only_here = "{{ '%s' if inventory_hostname == '" + name + "' else '' }}"
    extra_vars = {variable: only_here % own[file] for variable, file in (
        ('kafka_tls_cert_file', 'node.crt'), ('kafka_tls_key_file', 'node.key'), ('kafka_tls_ca_file', 'ca.crt'))}
    pid = 'systemctl show --property=MainPID --value kafka'
    before = {host: cluster.host(host).check_output(pid) for host in cluster.hosts('kafka')}
    topic = 'kraft-own-certificate-%s' % uuid.uuid4().hex[:8]
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3)])
    load = LoadGenerator(cluster.bootstrap_servers(), topic, rate=200, **tls).start()
    try:
        run = cluster.playbook('playbooks/kafka.yml', '--limit', name, '--diff', extra_vars=extra_vars)
    finally:
        load.stop()
    assert run.rc == 0, run.tail()
    figures = check(load, cluster.bootstrap_servers(), **tls)
    figure('| KRaft: %s switched to your own certificate files (--limit) | %d acked | %d lost | %d duplicated '
           '| longest gap %.1f s |' % (name, figures['acked'], figures['lost'], figures['duplicates'],
                                       load.longest_gap()))
    assert figures['acked'] > 0 and figures['failed'] == 0, figures
    assert figures['lost'] == 0 and figures['duplicates'] == 0 and figures['mismatched'] == 0, figures
    after = {host: cluster.host(host).check_output(pid) for host in cluster.hosts('kafka')}
    assert [host for host in after if (after[host] != before[host]) != (host == name)] == [], (before, after)
    with open(own['node.crt']) as f:
        supplied = ssl.PEM_cert_to_DER_cert(f.read())
    assert served_certificate(cluster.address(name), INTERNAL, contexts[1]) == supplied
    with open(own['node.key']) as f:
        key = f.read()
    installed = cluster.host(name).file('/etc/kafka/tls/node.key')
    assert (installed.user, installed.mode, installed.content_string.strip()) == ('kafka', 0o600, key.strip())
    assert [line for line in key.splitlines()[1:-1] if line in run.output] == []
    again = cluster.playbook('playbooks/kafka.yml', '--limit', name, extra_vars=extra_vars)
    assert again.rc == 0 and again.changed == 0, again.tail()
