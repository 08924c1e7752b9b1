# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The rolling-restart gate of kafka_cluster_health: a pure function of the cluster state."""

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_health import assess, partition_list


def part(partition, replicas, isr, min_isr=2, topic='t', leader=None):
    return {'topic': topic, 'partition': partition, 'leader': isr[0] if leader is None and isr else (leader or -1),
            'replicas': replicas, 'isr': isr, 'min_insync_replicas': min_isr}


def test_full_isr_is_safe_to_stop_any_broker():
    parts = [part(0, [1, 2, 3], [1, 2, 3]), part(1, [2, 3, 1], [2, 3, 1])]
    for broker in (1, 2, 3):
        result = assess([1, 2, 3], 2, parts, broker)
        assert result['safe_to_stop'] and result['registered'] and not result['blockers']
        assert result['reason'] == ''


def test_a_partition_at_min_isr_blocks_the_broker_in_its_isr():
    parts = [part(0, [1, 2, 3], [1, 2]), part(1, [2, 3, 1], [2, 3, 1])]
    result = assess([1, 2], 1, parts, 1)
    assert not result['safe_to_stop'] and result['registered']
    assert [p['partition'] for p in result['blockers']] == [0]
    assert [p['partition'] for p in result['under_replicated']] == [0]
    assert 'would fall below min.insync.replicas without broker 1' in result['reason']
    assert 'under-replicated' in result['reason']


def test_any_under_replicated_partition_refuses():
    # broker 3 hosts nothing of topic t, but the cluster is not whole
    parts = [part(0, [1, 2, 4], [1, 2]), part(1, [3, 1, 2], [3, 1, 2], topic='u')]
    result = assess([1, 2, 3], 1, parts, 3)
    assert not result['safe_to_stop'] and not result['blockers']


def test_unprotected_partitions_block_unless_accepted():
    # defect 5: RF 1, or RF 2 with min.insync.replicas 2, cannot stay writable through a restart
    parts = [part(0, [1], [1], min_isr=1), part(1, [1], [1], min_isr=1),
             part(0, [1, 2], [1, 2], min_isr=2, topic='u'), part(0, [2, 3, 1], [2, 3, 1], topic='v')]
    result = assess([1, 2, 3], 1, parts, 1)
    assert not result['safe_to_stop']
    assert result['reason'] == (
        '3 partition(s) on broker 1 have a replication factor not above their min.insync.replicas, so acks=all '
        'writes to them fail (or they go offline) while it is down: t-0, t-1 (RF 1, min.insync.replicas 1), '
        'u-0 (RF 2, min.insync.replicas 2); set allow_unprotected to accept that')
    assert [(p['topic'], p['partition']) for p in result['unprotected']] == [('t', 0), ('t', 1), ('u', 0)]
    assert not result['blockers']

    accepted = assess([1, 2, 3], 1, parts, 1, allow_unprotected=True)
    assert accepted['safe_to_stop'] and accepted['reason'] == ''
    assert len(accepted['unprotected']) == 3
    # a broker that hosts none of them is not concerned
    assert assess([1, 2, 3], 1, parts, 3)['safe_to_stop']


def test_without_broker_id_only_the_cluster_is_reported():
    parts = [part(0, [1, 2, 3], [1], min_isr=2), part(1, [1, 2, 3], [], leader=-1)]
    result = assess([1], None, parts)
    assert 'safe_to_stop' not in result and result['controller'] == -1
    assert len(result['under_min_isr']) == 2 and len(result['offline']) == 1


def test_partition_list_uses_the_effective_min_insync_replicas():
    state = {
        'brokers': [1, 2], 'controller': 1, 'reassigning': {}, 'config_types': {},
        'topics': {'b': {'internal': False, 'partitions': {0: {'leader': 1, 'replicas': [1, 2], 'isr': [1, 2]}}},
                   'a': {'internal': False, 'partitions': {1: {'leader': 2, 'replicas': [2], 'isr': [2]},
                                                           0: {'leader': 1, 'replicas': [1], 'isr': [1]}}}},
        'overrides': {'a': {'min.insync.replicas': '1'}, 'b': {}},
        'broker_defaults': {'min.insync.replicas': '2'},
    }
    assert [(p['topic'], p['partition'], p['min_insync_replicas']) for p in partition_list(state)] == [
        ('a', 0, 1), ('a', 1, 1), ('b', 0, 2)]
