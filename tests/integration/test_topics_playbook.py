"""playbooks/topics.yml applies `kafka_topics` from vars, with the module on a broker node
(the default) or on the controller. Runs under `molecule verify` (it needs the inventory)."""

import json
import os
import subprocess
import uuid

import pytest
from kafka import KafkaAdminClient

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def apply_topics(cluster, extra_vars):
    result = subprocess.run(
        ['ansible-playbook', 'playbooks/topics.yml', '-i', cluster.inventory, '-e', json.dumps(extra_vars)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, ANSIBLE_NOCOLOR='1'))
    assert result.returncode == 0, result.stdout + result.stderr
    recap = [line for line in result.stdout.splitlines() if 'changed=' in line]
    return sum(int(line.split('changed=')[1].split()[0]) for line in recap)


@pytest.mark.parametrize('where', ['broker node', 'controller'])
def test_topics_from_vars_are_applied_then_unchanged(cluster, where):
    name = 'playbook-%s-%s' % (where.split()[0], uuid.uuid4().hex[:6])
    extra = {'kafka_topics': [{'name': name, 'partitions': 4, 'replication_factor': 3,
                               'configs': {'retention.ms': 3600000}}]}
    if where == 'controller':
        extra.update(kafka_topics_on_controller=True, kafka_topics_bootstrap_servers=cluster.bootstrap_servers())
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
