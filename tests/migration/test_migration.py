"""The ZooKeeper -> KRaft migration (molecule/migration, issue 11) under one acks=all load, phase by phase.

site.yml deployed Kafka 3.9.2 on ZooKeeper (mzk1, brokers mb1-mb3); the controllers mc1-mc3 are deployed by
playbooks/migrate-to-kraft.yml. The tests run in order and share one load: each phase alone up to the stop before
the finalize, a second run that changes nothing, the rollback from there (the last reversible phase), then the
whole migration again in one run with the finalize, the upgrade to Kafka 4, and ZooKeeper retired. ACLs are on all
along (ZooKeeper's authorizer, then KRaft's): the course's two students keep their SCRAM users and ACLs in every
phase. Figures: stdout and .cache/migration/figures.md.
"""

import os
import re
import time
import uuid

import pytest
from kafka import KafkaAdminClient
from kafka.admin import (ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, ConfigResource,
                         ConfigResourceType, NewTopic, ResourcePatternFilter, ResourceType)

from lib.load import LoadGenerator, check
from lib.students import assert_the_students_are_isolated

PROJECT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FIGURES = os.path.join(PROJECT, '.cache', 'migration', 'figures.md')
UPGRADE_TO = '4.4.0'
# The ZkMigrationState metric's values (Kafka's enum).
MIGRATION, PRE_MIGRATION, POST_MIGRATION = 1, 2, 3


def figure(line):
    print(line)
    os.makedirs(os.path.dirname(FIGURES), exist_ok=True)
    with open(FIGURES, 'a') as f:
        f.write(line + '\n')


@pytest.fixture(scope='module')
def story(cluster):
    """The topics whose ids and configs must survive, and the load that runs through every phase."""
    if os.path.exists(FIGURES):
        os.remove(FIGURES)
    figure('| Phase | playbook | acked during it | longest gap |')
    figure('|---|---|---|---|')
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers())
    kept = 'migration-kept-%s' % uuid.uuid4().hex[:8]
    admin.create_topics([NewTopic(kept, num_partitions=5, replication_factor=3,
                                  topic_configs={'retention.ms': '3600000', 'cleanup.policy': 'compact'})])
    load_topic = 'migration-load-%s' % uuid.uuid4().hex[:8]
    admin.create_topics([NewTopic(load_topic, num_partitions=3, replication_factor=3)])
    admin.close()
    time.sleep(2)
    before = cluster_state(cluster, [kept, load_topic])
    state = {'topics': [kept, load_topic], 'before': before, 'cluster_id': before['cluster_id'],
             'nodes': cluster.hosts('kafka') + cluster.hosts('kafka_controller')}
    assert_the_students_are_isolated(cluster)
    state['load'] = LoadGenerator(cluster.bootstrap_servers(), load_topic, rate=200).start()
    yield state
    if not state['load']._stop.is_set():
        state['load'].stop()


def cluster_state(cluster, topics):
    """The cluster id, every ACL, and each topic's id, partition count and the configs set on it, from a new client."""
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers())
    try:
        described = {t['name']: t for t in admin.describe_topics(topics)}
        configs = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t) for t in topics])
        acls, error = admin.describe_acls(ACLFilter(
            principal=None, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
            resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY)))
        assert error.errno == 0, error
        return {'cluster_id': admin.describe_cluster()['cluster_id'],
                'acls': sorted((acl.principal, acl.host, acl.operation.name, acl.permission_type.name,
                                acl.resource_pattern.resource_type.name, acl.resource_pattern.resource_name,
                                acl.resource_pattern.pattern_type.name) for acl in acls),
                'topics': {topic: {'id': str(described[topic].get('topic_id')), 'partitions': len(described[topic]['partitions']),
                                   'configs': {key: entry['value'] for key, entry in configs['topic'][topic].items()
                                               if entry.get('config_source') == 'DYNAMIC_TOPIC_CONFIG'}}
                           for topic in topics}}
    finally:
        admin.close()


def migration_states(cluster):
    """ZkMigrationState and ActiveControllerCount of each controller, read from its metrics."""
    states = {}
    for name in cluster.hosts('kafka_controller'):
        text = cluster.host(name).check_output(
            'python3 -c "import urllib.request; print(urllib.request.urlopen(\'http://127.0.0.1:7071/metrics\').read().decode())"')
        values = dict(re.findall(r'(?m)^kafka_controller_kafkacontroller_(zkmigrationstate|activecontrollercount) (\S+)$',
                                 text))
        states[name] = {key: int(float(value)) for key, value in values.items()}
    return states


def run_phase(cluster, story, label, playbook='playbooks/migrate-to-kraft.yml', **extra_vars):
    load = story['load']
    start = time.monotonic()
    run = cluster.playbook(playbook, extra_vars=extra_vars, timeout=1800)
    end = time.monotonic()
    figure('| %s | %.0f s | %d | %.1f s |' % (label, end - start, len(load.acks_between(start, end)),
                                              load.longest_gap(start, end)))
    assert run.rc == 0, run.tail()
    return run


def broker_configs(cluster, broker, timeout=60):
    """The configuration broker `broker` loaded, asked of a new client (the story's may still know the brokers as
    they were before the last roll)."""
    deadline = time.monotonic() + timeout
    while True:
        admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers())
        try:
            result = admin.describe_configs([ConfigResource(ConfigResourceType.BROKER, str(broker))], config_filter='all')
            return {key: entry['value'] for key, entry in result['broker'][str(broker)].items()}
        except Exception:  # a broker still joining: ask again
            assert time.monotonic() < deadline, 'broker %s did not describe its configuration in %d s' % (broker, timeout)
            time.sleep(1)
        finally:
            admin.close()


def node_stages(cluster):
    stages = {}
    for name in cluster.hosts('kafka') + cluster.hosts('kafka_controller'):
        path = '/etc/kafka/server.properties'
        host = cluster.host(name)
        text = host.file(path).content_string if host.file(path).exists else ''
        lines = set(text.splitlines())
        stages[name] = ('none' if not text else
                        ('migration' if 'zookeeper.metadata.migration.enable=true' in lines else 'kraft')
                        if [line for line in lines if line.startswith('process.roles=')] else
                        ('hybrid' if 'zookeeper.metadata.migration.enable=true' in lines else 'zookeeper'))
    return stages


def test_controllers_phase_starts_the_quorum_in_migration_mode(cluster, story):
    run = run_phase(cluster, story, 'controllers (deployed, formatted with the ZooKeeper cluster id)',
                    kafka_migration_target='controllers')
    assert "The cluster is in phase zookeeper; this run: controllers." in ' '.join(run.output.split())
    states = migration_states(cluster)
    assert sorted(s['zkmigrationstate'] for s in states.values()) == [PRE_MIGRATION] * 3, states
    assert sum(s['activecontrollercount'] for s in states.values()) == 1, states
    for name in cluster.hosts('kafka_controller'):
        meta = cluster.host(name).file('/var/lib/kafka/data/meta.properties').content_string
        assert 'cluster.id=%s' % story['cluster_id'] in meta.splitlines(), name
    assert set(node_stages(cluster).values()) == {'zookeeper', 'migration'}


def test_hybrid_phase_rolls_the_brokers_and_the_metadata_is_migrated(cluster, story):
    run_phase(cluster, story, 'hybrid (brokers rolled in migration mode; metadata copied)', kafka_migration_target='hybrid')
    states = migration_states(cluster)
    assert [s['zkmigrationstate'] for s in states.values()] == [MIGRATION] * 3, states
    stages = node_stages(cluster)
    assert {stages[name] for name in cluster.hosts('kafka')} == {'hybrid'}


def test_dual_write_phase_puts_the_brokers_on_kraft_and_stops_before_finalizing(cluster, story):
    run = run_phase(cluster, story, 'dual-write (brokers rolled into KRaft)')
    assert 'It stops before finalizing (irreversible)' in ' '.join(run.output.split())
    assert [s['zkmigrationstate'] for s in migration_states(cluster).values()] == [MIGRATION] * 3
    assert set(node_stages(cluster).values()) == {'kraft', 'migration'}
    for name in cluster.hosts('kafka'):
        configs = broker_configs(cluster, cluster.broker_id(name))
        assert configs['process.roles'] == 'broker', name
        assert not configs.get('zookeeper.connect'), name
        assert configs['authorizer.class.name'] == 'org.apache.kafka.metadata.authorizer.StandardAuthorizer', name
    assert_the_students_are_isolated(cluster)


def test_a_second_run_changes_nothing(cluster, story):
    run = run_phase(cluster, story, 'second run (nothing left before finalizing)')
    assert "The cluster is in phase dual-write; this run: dual-write." in ' '.join(run.output.split())
    assert run.changed == 0, run.tail()


def test_zookeeper_is_not_retired_before_the_finalize(cluster, story):
    run = cluster.playbook('playbooks/retire-zookeeper.yml', timeout=600)
    assert run.rc != 0
    assert "The cluster is in phase 'dual-write'" in ' '.join(run.output.split()), run.tail()
    assert cluster.host(cluster.hosts('zookeeper')[0]).service('zookeeper').is_running


def test_a_rollback_from_dual_write_returns_to_zookeeper(cluster, story):
    run = run_phase(cluster, story, 'rollback from dual-write (brokers to hybrid, controllers removed, '
                                    'znodes deleted, brokers to ZooKeeper)', playbook='playbooks/rollback-kraft-migration.yml')
    assert "The cluster is in phase dual-write; rolling it back to ZooKeeper." in ' '.join(run.output.split())
    stages = node_stages(cluster)
    assert {stages[name] for name in cluster.hosts('kafka')} == {'zookeeper'}, stages
    assert {stages[name] for name in cluster.hosts('kafka_controller')} == {'none'}, stages
    for name in cluster.hosts('kafka_controller'):
        assert not cluster.host(name).service('kafka').is_running, name
    assert broker_configs(cluster, 1)['authorizer.class.name'] == 'kafka.security.authorizer.AclAuthorizer'
    assert_the_students_are_isolated(cluster)
    # A broker is the controller again (ZooKeeper's /controller), and every broker is registered there.
    shell = '/opt/kafka/bin/zookeeper-shell.sh %s/kafka' % cluster.zookeeper_servers()[0]
    controller = cluster.host(cluster.hosts('kafka')[0]).check_output('%s get /controller 2>/dev/null || true' % shell)
    assert re.search(r'"brokerid":[123],', controller), controller
    again = run_phase(cluster, story, 'second rollback run', playbook='playbooks/rollback-kraft-migration.yml')
    assert again.changed == 0, again.tail()


def test_the_migration_again_in_one_run_with_the_finalize(cluster, story):
    run = run_phase(cluster, story, 'the whole migration again in one run, finalized', kafka_migration_finalize=True)
    assert ("The cluster is in phase zookeeper; this run: controllers, hybrid, dual-write, kraft."
            in ' '.join(run.output.split()))
    again = run_phase(cluster, story, 'second finalize run', kafka_migration_finalize=True)
    assert again.changed == 0, again.tail()
    assert [s['zkmigrationstate'] for s in migration_states(cluster).values()] == [POST_MIGRATION] * 3
    assert set(node_stages(cluster).values()) == {'kraft'}


def features(cluster):
    text = cluster.host(cluster.hosts('kafka')[0]).check_output(
        '/opt/kafka/bin/kafka-features.sh --bootstrap-server 127.0.0.1:9092 describe')
    return re.search(r'metadata\.version\s.*FinalizedVersionLevel:\s*(\S+)', text).group(1)


def test_the_migrated_cluster_upgrades_to_kafka_4_then_raises_metadata_version(cluster, story):
    upgrade = dict(playbook='playbooks/upgrade-kafka-kraft.yml', kafka_metadata_mode='kraft', kafka_version=UPGRADE_TO)
    run_phase(cluster, story, 'upgrade to %s, phase 1 (controllers, then brokers)' % UPGRADE_TO, **upgrade)
    release = 'readlink -f /opt/kafka'
    assert {cluster.host(name).check_output(release) for name in story['nodes']} == {'/opt/kafka_2.13-%s' % UPGRADE_TO}
    assert features(cluster).startswith('3.9-'), 'phase 1 must leave metadata.version'
    again = run_phase(cluster, story, 'second phase 1 run', **upgrade)
    assert again.changed == 0, again.tail()
    run_phase(cluster, story, 'upgrade phase 2 (metadata.version raised)', upgrade_phase=2, **upgrade)
    assert features(cluster).startswith(UPGRADE_TO.rsplit('.', 1)[0] + '-')
    again = run_phase(cluster, story, 'second phase 2 run', upgrade_phase=2, **upgrade)
    assert again.changed == 0, again.tail()


def assert_the_course_command_runs(cluster, story):
    """`kafka-topics --zookeeper` of the course, answered from the node's cluster file (with its notice)."""
    listed = cluster.host(cluster.hosts('kafka')[0]).run('kafka-topics --zookeeper %s --list' % cluster.zookeeper_servers()[0])
    assert listed.rc == 0, listed.stderr
    assert set(story['topics']) <= set(listed.stdout.split())
    assert "this cluster's brokers from /etc/kafka-cli/cluster.json" in listed.stderr


def test_the_course_commands_still_run(cluster, story):
    """ZooKeeper still runs but no broker is registered there any more. The course's playbook finds its topics,
    SCRAM users (checked by a real login) and ACLs as it made them on ZooKeeper: nothing to change."""
    assert_the_course_command_runs(cluster, story)
    course = cluster.playbook('playbooks/course.yml')
    assert course.rc == 0 and course.changed == 0, course.tail()
    assert_the_students_are_isolated(cluster)


def test_zookeeper_is_retired_after_the_finalize(cluster, story):
    member = cluster.host(cluster.hosts('zookeeper')[0])
    # A broker outside the inventory, registered in ZooKeeper, keeps it in service.
    zk_cli = '/opt/zookeeper/bin/zkCli.sh -server 127.0.0.1:2181 %s >/dev/null 2>&1'
    member.check_output(zk_cli % "create /kafka/brokers/ids/99 '{}'")
    refused = cluster.playbook('playbooks/retire-zookeeper.yml', timeout=600)
    assert refused.rc != 0 and 'Brokers 99 are registered in ZooKeeper' in ' '.join(refused.output.split()), refused.tail()
    assert member.service('zookeeper').is_running
    member.check_output(zk_cli % 'delete /kafka/brokers/ids/99')
    run_phase(cluster, story, 'ZooKeeper retired', playbook='playbooks/retire-zookeeper.yml')
    assert not member.service('zookeeper').is_running and not member.service('zookeeper').is_enabled
    assert member.file('/var/lib/zookeeper/version-2').is_directory, 'the data must be kept'
    again = run_phase(cluster, story, 'second retire run', playbook='playbooks/retire-zookeeper.yml')
    assert again.changed == 0, again.tail()
    # The course's command, with no ZooKeeper to ask at all.
    assert_the_course_command_runs(cluster, story)
    # A retired member left in the zookeeper group is refused, not started again.
    refused = cluster.playbook('playbooks/zookeeper.yml', timeout=600)
    assert refused.rc != 0 and 'was retired (playbooks/retire-zookeeper.yml)' in ' '.join(refused.output.split())
    assert not member.service('zookeeper').is_running


def test_nothing_acknowledged_was_lost_and_the_topics_are_unchanged(cluster, story):
    load = story['load']
    load.stop()
    figures = check(load, cluster.bootstrap_servers())
    after = cluster_state(cluster, story['topics'])
    figure('| whole story | %.0f s | %d acked, %d lost, %d duplicated | %.1f s |' % (
        load.stopped - load.started, figures['acked'], figures['lost'], figures['duplicates'], load.longest_gap()))
    assert figures['acked'] > 0 and figures['failed'] == 0, figures
    assert figures['lost'] == 0 and figures['duplicates'] == 0 and figures['mismatched'] == 0, figures
    assert after == story['before']
