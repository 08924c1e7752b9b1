"""playbooks/topics.yml applies `kafka_topics` from vars, with the module on a broker node
(the default) or on the controller. Runs under `molecule verify` (it needs the inventory)."""

import uuid

import pytest
from kafka import KafkaAdminClient


def apply_topics(cluster, extra_vars):
    run = cluster.playbook('playbooks/topics.yml', extra_vars=extra_vars)
    assert run.rc == 0, run.tail()
    return run.changed


@pytest.mark.parametrize('where', ['broker node', 'controller'])
def test_topics_from_vars_are_applied_then_unchanged(cluster, where):
    name = 'playbook-%s-%s' % (where.split()[0], uuid.uuid4().hex[:6])
    extra = {'kafka_topics': [{'name': name, 'partitions': 4, 'replication_factor': 3,
                               'configs': {'retention.ms': 3600000}}]}
    if where == 'controller':
        # The controller holds no broker certificate: it connects to the PLAINTEXT listener.
        extra.update(kafka_modules_on_controller=True, kafka_admin_listener='PLAINTEXT')
    admin = KafkaAdminClient(bootstrap_servers=cluster.bootstrap_servers())
    try:
        assert apply_topics(cluster, extra) == 1
        topic = admin.describe_topics([name])[0]
        assert len(topic['partitions']) == 4
        assert all(len(p['replica_nodes']) == 3 for p in topic['partitions'])
        assert apply_topics(cluster, extra) == 0
    finally:
        admin.delete_topics([name])
        admin.close()
