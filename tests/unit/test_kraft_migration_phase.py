# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Where a node and the cluster are on the way from ZooKeeper to KRaft."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kafka_ansible.cluster.plugins.filter.kafka_node_stage import kafka_node_stage
from ansible_collections.kafka_ansible.cluster.plugins.filter.kraft_migration_phase import kraft_migration_phase

ZK = 'broker.id=1\nzookeeper.connect=zk1:2181\n'
MIGRATING = 'zookeeper.metadata.migration.enable=true\n'
KRAFT_BROKER = 'process.roles=broker\nnode.id=1\n'
CONTROLLER = 'process.roles=controller\nnode.id=101\n'


@pytest.mark.parametrize('text, stage', [
    ('', 'none'),
    ('# only a comment\n', 'none'),
    (ZK, 'zookeeper'),
    (ZK + 'zookeeper.metadata.migration.enable=false\n', 'zookeeper'),
    (ZK + MIGRATING, 'hybrid'),
    (CONTROLLER + MIGRATING + 'zookeeper.connect=zk1:2181\n', 'migration'),
    (CONTROLLER, 'kraft'),
    (KRAFT_BROKER, 'kraft'),
])
def test_a_nodes_stage_is_read_from_its_server_properties(text, stage):
    assert kafka_node_stage(text) == stage


CONTROLLERS = ['c1', 'c2', 'c3']


@pytest.mark.parametrize('brokers, controllers, phase', [
    ('none', 'none', 'new'),
    ('zookeeper', 'none', 'zookeeper'),
    ('zookeeper', 'migration', 'controllers'),
    ('hybrid', 'migration', 'hybrid'),
    ('kraft', 'migration', 'dual-write'),
    ('kraft', 'kraft', 'kraft'),
])
def test_the_clusters_phase_follows_kafkas_migration_guide(brokers, controllers, phase):
    stages = dict({'b1': brokers, 'b2': brokers}, **{host: controllers for host in CONTROLLERS})
    assert kraft_migration_phase(stages, CONTROLLERS) == phase


def test_a_node_not_deployed_yet_does_not_count():
    stages = {'b1': 'hybrid', 'b2': 'hybrid', 'b3': 'none', 'c1': 'migration', 'c2': 'migration', 'c3': 'none'}
    assert kraft_migration_phase(stages, CONTROLLERS) == 'hybrid'


@pytest.mark.parametrize('stages', [
    {'b1': 'hybrid', 'b2': 'zookeeper', 'c1': 'migration'},      # a broker roll stopped half way
    {'b1': 'kraft', 'b2': 'kraft', 'c1': 'kraft', 'c2': 'migration'},  # a finalize stopped half way
    {'b1': 'hybrid', 'c1': 'none'},                               # brokers migrating without controllers
])
def test_a_phase_left_half_done_is_refused_naming_every_node(stages):
    with pytest.raises(AnsibleFilterError, match='between two migration phases') as error:
        kraft_migration_phase(stages, CONTROLLERS)
    assert ', '.join('%s %s' % item for item in sorted(stages.items())) in str(error.value)


@pytest.mark.parametrize('stages, phase', [
    ({'b1': 'hybrid', 'b2': 'zookeeper', 'c1': 'migration'}, 'hybrid'),
    ({'b1': 'kraft', 'b2': 'hybrid', 'c1': 'migration'}, 'dual-write'),
    ({'b1': 'kraft', 'c1': 'kraft', 'c2': 'migration'}, 'kraft'),
])
def test_unfinished_gives_the_phase_to_finish(stages, phase):
    assert kraft_migration_phase(stages, ['c1', 'c2'], unfinished=True) == phase
