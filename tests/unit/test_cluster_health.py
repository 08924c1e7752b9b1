# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The rolling-restart gate of kafka_cluster_health: a pure function of the cluster state."""

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_health import (
    assess, assess_controller, partition_list, quorum_state)


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


# KRaft: the metadata quorum, as kafka-python's describe_metadata_quorum returns it.
def quorum(leader=101, voters=((101, 500, 10_000), (102, 500, 9_900), (3, 480, 9_500))):
    return {'topics': [{'topic_name': '__cluster_metadata', 'partitions': [{
        'partition_index': 0, 'error': None, 'leader_id': leader, 'leader_epoch': 4, 'high_watermark': 500,
        'current_voters': [{'replica_id': i, 'replica_directory_id': None, 'log_end_offset': leo,
                            'last_fetch_timestamp': t, 'last_caught_up_timestamp': t} for i, leo, t in voters],
        'observers': []}]}]}


def test_the_quorum_lists_each_voters_lag_and_whether_it_caught_up_within_the_fetch_timeout():
    state = quorum_state(quorum(voters=((101, 500, 10_000), (102, 490, 8_000))))
    assert state['leader'] == 101 and state['high_watermark'] == 500
    assert state['voters'] == [{'id': 101, 'log_end_offset': 500, 'lag': 0, 'caught_up': True},
                               {'id': 102, 'log_end_offset': 490, 'lag': 10, 'caught_up': True}]
    state = quorum_state(quorum(voters=((101, 500, 10_000), (102, 400, 7_999), (3, 0, -1))))
    assert [v['caught_up'] for v in state['voters']] == [True, False, False]


def test_a_caught_up_quorum_lets_one_controller_stop_and_counts_as_registered():
    result = assess_controller(assess([1, 2, 3], 1, []), quorum_state(quorum()), 102)
    assert result['safe_to_stop'] and result['registered'] and result['reason'] == ''


def test_a_controller_may_not_stop_when_the_others_would_not_be_a_caught_up_majority():
    state = quorum_state(quorum(voters=((101, 500, 10_000), (102, 500, 10_000), (3, 10, 1_000))))
    result = assess_controller(assess([1, 2, 3], 1, []), state, 102)
    assert not result['safe_to_stop'] and not result['registered']
    assert 'without controller 102 only 1 of the 3 voters would be caught up, not a majority (lagging: [3])' in result['reason']


def test_without_a_leader_nothing_is_registered_or_safe():
    result = assess_controller(assess([1, 2, 3], 1, []), quorum_state(quorum(leader=-1)), 101)
    assert not result['registered'] and not result['safe_to_stop']
    assert 'the metadata quorum has no leader' in result['reason']


def test_a_combined_node_needs_both_gates():
    parts = [part(0, [1, 2, 3], [1, 2])]
    result = assess_controller(assess([1, 2], 1, parts, 3), quorum_state(quorum()), 3)
    assert not result['registered']
    assert 'under-replicated' in result['reason'] and result['quorum']['leader'] == 101
