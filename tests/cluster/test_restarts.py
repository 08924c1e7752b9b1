"""Restarts are decided by what the services read, and go through the gates (issue 9: 5, 6, 13)."""

import uuid

import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic

RELEASE_MARKER = '/opt/kafka/.archive.sha512'


def main_pids(cluster, unit='kafka'):
    return dict((name, cluster.host(name).run('systemctl show --property=MainPID --value %s' % unit).stdout.strip())
                for name in cluster.hosts('kafka'))


@pytest.fixture(scope='module')
def admin(cluster):
    client = KafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers())
    yield client
    client.close()


def test_a_touch_restarts_nothing(cluster):
    before = main_pids(cluster)
    for name in cluster.hosts('kafka'):
        cluster.host(name).run('touch /etc/kafka/server.properties /etc/systemd/system/kafka.service')
    run = cluster.playbook('playbooks/kafka.yml')
    assert run.rc == 0, run.tail()
    assert run.changed == 0, run.tail()
    assert main_pids(cluster) == before


def test_a_release_from_another_archive_is_unpacked_again_and_restarted_through_the_gates(cluster):
    target = cluster.hosts('kafka')[0]
    host = cluster.host(target)
    expected = host.file(RELEASE_MARKER).content_string
    # As if this version had been unpacked from other bytes, and not completely.
    host.run('echo 0000 > %s && rm -f /opt/kafka/bin/kafka-topics.sh' % RELEASE_MARKER)
    before = main_pids(cluster)
    run = cluster.playbook('playbooks/kafka.yml')
    assert run.rc == 0, run.tail()
    assert 'Restart the service on the node, %s' % target in run.output, run.tail()
    assert host.file(RELEASE_MARKER).content_string == expected
    assert host.file('/opt/kafka/bin/kafka-topics.sh').exists
    after = main_pids(cluster)
    assert after[target] != before[target]
    assert all(after[name] == before[name] for name in before if name != target)
    again = cluster.playbook('playbooks/kafka.yml')
    assert again.rc == 0 and again.changed == 0, again.tail()


def test_rolling_restart_refuses_brokers_holding_partitions_without_margin(cluster, admin):
    """RF 1 on every broker: each restart would take a partition offline, so the first is refused."""
    ids = [cluster.broker_id(name) for name in cluster.hosts('kafka')]
    topic = 'no-margin-%s' % uuid.uuid4().hex[:6]
    admin.create_topics([NewTopic(topic, replica_assignments=dict((i, [b]) for i, b in enumerate(ids)))])
    before = main_pids(cluster)
    try:
        run = cluster.playbook('playbooks/rolling-restart.yml', '--tags', 'kafka')
        assert run.rc != 0, run.tail()
        assert 'Refusing to restart' in run.output and topic in run.output, run.tail()
        assert main_pids(cluster) == before
    finally:
        admin.delete_topics([topic])
