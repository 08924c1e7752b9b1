# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""kafka_cluster_status against a fake admin client that answers like kafka-python 3.0.12 does
(shapes recorded from a live 3-broker cluster)."""

from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from ansible_collections.kafka_ansible.cluster.plugins.modules.kafka_cluster_status import cluster_status, report


class Resource:
    def __init__(self, name, value):
        self.resource_name = name
        self.configs = [{'name': 'min.insync.replicas', 'value': value}]


class Response:
    def __init__(self, resources):
        self.resources = resources


class OffsetInfo:
    def __init__(self, offset):
        self.offset = offset


def partition(index, leader, replicas, isr):
    return {'partition_index': index, 'leader_id': leader, 'replica_nodes': replicas, 'isr_nodes': isr}


class FakeAdmin:
    answers = {
        'describe_cluster': {'cluster_id': 'abc', 'controller_id': 2, 'brokers': [
            {'broker_id': 2, 'host': 'k2', 'port': 9092, 'rack': None},
            {'broker_id': 1, 'host': 'k1', 'port': 9092, 'rack': None}]},
        'describe_topics': [
            {'name': 'orders', 'error_code': 0, 'partitions': [
                partition(0, 1, [1, 2, 3], [1, 2, 3]), partition(1, 2, [2, 3, 1], [2, 1]),
                partition(2, 1, [1, 3, 2], [1]), partition(3, -1, [3, 1, 2], [3])]},
            {'name': 'logs', 'error_code': 0, 'partitions': [partition(0, 2, [2], [2])]}],
        'describe_configs': [Response([Resource('orders', '2'), Resource('logs', '1')])],
        'describe_log_dirs': [
            {'broker': 1, 'log_dirs': [{'error_code': 0, 'log_dir': '/data', 'total_bytes': 1000, 'usable_bytes': 250,
                                        'topics': [{'name': 'orders', 'partitions': [
                                            {'partition_index': 0, 'partition_size': 100},
                                            {'partition_index': 1, 'partition_size': 50}]}]}]},
            {'broker': 2, 'log_dirs': [{'error_code': 56, 'log_dir': '/bad', 'total_bytes': -1, 'usable_bytes': -1,
                                        'topics': []}]}],
        'list_groups': [{'group_id': 'billing', 'protocol_type': 'consumer', 'group_state': 'Empty'}],
        'list_group_offsets': {'billing': {
            TopicPartition('orders', 0): OffsetAndMetadata(30, '', -1),
            TopicPartition('orders', 1): OffsetAndMetadata(-1, '', -1)}},
        'list_partition_offsets': {TopicPartition('orders', 0): OffsetInfo(100)},
    }

    def call(self, method, *args, **kwargs):
        return self.answers[method]


def test_the_state_of_the_cluster():
    state = cluster_status(FakeAdmin())
    assert state['controller'] == 2 and state['cluster_id'] == 'abc'
    assert [(b['id'], b['controller'], b['leaders'], b['replicas']) for b in state['brokers']] == [
        (1, False, 2, 4), (2, True, 2, 5)]
    assert [(p['topic'], p['partition']) for p in state['under_replicated']] == [('orders', 1), ('orders', 2), ('orders', 3)]
    assert [(p['topic'], p['partition']) for p in state['offline']] == [('orders', 3)]
    # orders-2 has a leader and 1 in sync out of min.insync.replicas 2; offline orders-3 is reported as offline
    assert [(p['topic'], p['partition'], p['min_isr']) for p in state['under_min_isr']] == [('orders', 2, 2)]
    [data] = state['brokers'][0]['log_dirs']
    assert data == {'path': '/data', 'error': None, 'bytes': 150, 'partitions': 2,
                    'disk_used_bytes': 750, 'disk_total_bytes': 1000}
    [bad] = state['brokers'][1]['log_dirs']
    assert bad['error'] == '56' and bad['disk_total_bytes'] is None
    assert state['consumer_groups'] == [{'group': 'billing', 'state': 'Empty', 'topics': ['orders'],
                                         'partitions': 1, 'lag': 70}]


def test_the_report_fits_one_screen():
    lines = report(cluster_status(FakeAdmin()), max_listed=1)
    text = '\n'.join(lines)
    assert lines[0] == 'Kafka cluster abc: 2 brokers, controller 2; 2 topics, 5 partitions'
    assert '2 (C)' in text and 'disk 75% used of 1000 B' in text and 'OFFLINE (56)' in text
    assert 'under-replicated partitions: 3:' in text and '... and 2 more' in text
    assert 'billing (Empty): lag 70 on orders' in text
    assert len(lines) < 25


def test_configs_as_kafka_python_returns_them_with_a_filter():
    """describe_configs(config_filter=...) answers a dict by kind, name and key; brokers report their protocol."""
    admin = FakeAdmin()
    admin.answers = dict(FakeAdmin.answers, describe_configs={
        'topic': {'orders': {'min.insync.replicas': {'value': '2'}}, 'logs': {'min.insync.replicas': {'value': '1'}}},
        'broker': {'1': {'inter.broker.protocol.version': {'value': '3.8-IV0'}},
                   '2': {'inter.broker.protocol.version': {'value': '3.8'}}}})
    state = cluster_status(admin)
    assert [(p['topic'], p['partition']) for p in state['under_min_isr']] == [('orders', 2)]
    assert [(b['id'], b['inter_broker_protocol_version']) for b in state['brokers']] == [(1, '3.8-IV0'), (2, '3.8')]
