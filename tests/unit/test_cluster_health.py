"""The rolling-restart gate of kafka_cluster_health: a pure function of the cluster state."""

from ansible_collections.kafka_ansible.cluster.plugins.modules.kafka_cluster_health import assess


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


def test_partitions_that_no_restart_can_keep_writable_do_not_block():
    parts = [part(0, [1], [1], min_isr=1), part(1, [1, 2], [1, 2], min_isr=2)]
    result = assess([1, 2], 1, parts, 1)
    assert result['safe_to_stop']
    assert len(result['unprotected']) == 2


def test_without_broker_id_only_the_cluster_is_reported():
    parts = [part(0, [1, 2, 3], [1], min_isr=2), part(1, [1, 2, 3], [], leader=-1)]
    result = assess([1], None, parts)
    assert 'safe_to_stop' not in result and result['controller'] == -1
    assert len(result['under_min_isr']) == 2 and len(result['offline']) == 1
