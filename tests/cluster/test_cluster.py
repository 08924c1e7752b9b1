"""What `molecule verify` proves about the cluster deployed by site.yml."""

import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic

from lib.molecule_cluster import zookeeper_mode

MESSAGES = 10_000


@pytest.mark.parametrize('group, service', [('zookeeper', 'zookeeper'), ('kafka', 'kafka')])
def test_services_are_active_and_enabled(cluster, group, service):
    for name in cluster.hosts(group):
        unit = cluster.host(name).service(service)
        assert unit.is_running, cluster.host(name).run('journalctl -u %s -n 50 --no-pager' % service).stdout
        assert unit.is_enabled, name


def test_zookeeper_has_one_leader_and_two_followers(cluster):
    modes = sorted(zookeeper_mode(server) or 'not serving' for server in cluster.zookeeper_servers())
    assert modes == ['follower', 'follower', 'leader']


def test_zookeeper_myid_matches_the_inventory(cluster):
    for name in cluster.hosts('zookeeper'):
        myid = cluster.host(name).file('/var/lib/zookeeper/myid').content_string.strip()
        assert myid == str(cluster.variables(name)['zookeeper_id'])


def test_every_broker_is_registered_in_zookeeper(cluster):
    broker = cluster.host(cluster.hosts('kafka')[0])
    zookeeper = '%s:2181' % cluster.hosts('zookeeper')[0]
    listing = broker.check_output('/opt/kafka/bin/zookeeper-shell.sh %s ls /kafka/brokers/ids' % zookeeper)
    # The listing line; the shell may print its WatchedEvent line before or after it.
    registered = [line for line in listing.splitlines() if line.startswith('[')]
    expected = sorted(cluster.broker_id(name) for name in cluster.hosts('kafka'))
    assert registered == [str(expected)], listing


def test_every_broker_is_in_the_cluster_metadata(cluster, admin):
    ids = sorted(b['broker_id'] for b in admin.describe_cluster()['brokers'])
    assert ids == sorted(cluster.broker_id(name) for name in cluster.hosts('kafka'))


def test_brokers_run_with_the_configuration_the_variables_ask_for(cluster, admin):
    expected = {
        'min.insync.replicas': '2',
        'default.replication.factor': '3',
        'offsets.topic.replication.factor': '3',
        'transaction.state.log.replication.factor': '3',
        'transaction.state.log.min.isr': '2',
        'unclean.leader.election.enable': 'false',
        'auto.create.topics.enable': 'false',
    }
    overrides = cluster.variables(cluster.hosts('kafka')[0])['kafka_properties']
    expected.update({key: str(value) for key, value in overrides.items()})
    for name in cluster.hosts('kafka'):
        broker_id = cluster.broker_id(name)
        result = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, str(broker_id))],
                                        config_filter='all')
        loaded = {key: entry['value'] for key, entry in result['broker'][str(broker_id)].items()}
        # A setting the broker has no type for (super.users belongs to the authorizer) is reported with
        # its value hidden: that it was loaded is all that can be checked.
        hidden = [key for key in overrides if key in loaded and loaded[key] is None]
        assert {key: loaded.get(key) for key in expected if key not in hidden} == \
            {key: value for key, value in expected.items() if key not in hidden}, name
        assert loaded['broker.id'] == str(broker_id)
        assert loaded['zookeeper.connect'].endswith('/kafka')


def hard_limits(text):
    """{'Max open files': 100000, ...} from /proc/PID/limits (unlimited as infinity)."""
    result = {}
    for line in text.splitlines()[1:]:
        name, hard = line[:26].strip(), line[47:68].strip()
        result[name] = float('inf') if hard == 'unlimited' else int(hard)
    return result


def test_brokers_run_with_the_throughput_settings_of_their_node(cluster, admin):
    """Threads from the node's cores (never below Kafka's defaults), 1 MiB socket buffers, the unit's
    limits in the running process, and the kernel settings file (issue 13)."""
    for name in cluster.hosts('kafka'):
        host = cluster.host(name)
        cores = int(host.run('nproc').stdout)
        broker_id = str(cluster.broker_id(name))
        result = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, broker_id)], config_filter='all')
        loaded = {key: entry['value'] for key, entry in result['broker'][broker_id].items()}
        assert {key: loaded.get(key) for key in ('num.network.threads', 'num.io.threads', 'socket.send.buffer.bytes',
                                                 'socket.receive.buffer.bytes')} == {
            'num.network.threads': str(max(3, cores // 2)), 'num.io.threads': str(max(8, cores)),
            'socket.send.buffer.bytes': '1048576', 'socket.receive.buffer.bytes': '1048576'}, name
        # The unit asks for 100000 files and 65536 processes; no process can get more than PID 1's own
        # hard limit (a container's runtime sets one).
        pid = host.run('systemctl show --property=MainPID --value kafka').stdout.strip()
        limits, ceiling = (hard_limits(host.run('cat /proc/%s/limits' % p).stdout) for p in (pid, 1))
        assert limits['Max open files'] == min(100000, ceiling['Max open files']), limits
        assert limits['Max processes'] == min(65536, ceiling['Max processes']), limits
        sysctl = host.file('/etc/sysctl.d/60-kafka.conf').content_string
        for line in ('vm.max_map_count = 262144', 'vm.swappiness = 1', 'net.core.rmem_max = 1048576'):
            assert line in sysctl.splitlines(), sysctl


def test_server_properties_holds_exactly_the_rendered_keys(cluster):
    name = cluster.hosts('kafka')[0]
    text = cluster.host(name).file('/etc/kafka/server.properties').content_string
    keys = [line.split('=', 1)[0] for line in text.splitlines() if line and not line.startswith('#')]
    assert len(keys) == len(set(keys))
    assert set(cluster.variables(name)['kafka_properties']) <= set(keys)


def test_keyed_messages_round_trip_through_two_brokers(cluster, admin):
    """10,000 keyed messages, acks=all, RF 3: produced via one broker, read back via another."""
    brokers = cluster.hosts('kafka')
    topic = 'roundtrip-%s' % uuid.uuid4().hex[:8]
    admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=3)])
    try:
        sent = {'key-%05d' % i: 'value-%05d-%s' % (i, uuid.uuid4().hex) for i in range(MESSAGES)}
        producer = KafkaProducer(bootstrap_servers=cluster.bootstrap(brokers[0]), acks='all',
                                 enable_idempotence=True)
        futures = [producer.send(topic, key=k.encode(), value=v.encode()) for k, v in sent.items()]
        producer.flush(timeout=120)
        acked = [f.get(timeout=1) for f in futures]
        producer.close()
        assert len(acked) == MESSAGES

        consumer = KafkaConsumer(bootstrap_servers=cluster.bootstrap(brokers[1]), enable_auto_commit=False)
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        end = consumer.end_offsets(partitions)
        received = []
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            batch = consumer.poll(timeout_ms=2000)
            assert batch or all(consumer.position(tp) >= end[tp] for tp in partitions), 'consumer stalled'
            for records in batch.values():
                received.extend((r.key.decode(), r.value.decode()) for r in records)
        consumer.close()

        assert len(received) == MESSAGES
        assert dict(received) == sent
    finally:
        admin.delete_topics([topic])
