# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The rolling-restart gate of kafka_cluster_health: pure functions of the cluster state."""

from __future__ import annotations

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_cluster_state import MIN_ISR, effective_config


def partition_list(state):
    """Every partition of ``state`` with the min.insync.replicas its topic runs with, sorted."""
    partitions = []
    for name, topic in state['topics'].items():
        min_isr = int(effective_config(state, name, MIN_ISR) or 1)
        for index, p in topic['partitions'].items():
            partitions.append({
                'topic': name,
                'partition': index,
                'leader': p['leader'],
                'replicas': list(p['replicas']),
                'isr': list(p['isr']),
                'min_insync_replicas': min_isr,
            })
    partitions.sort(key=lambda p: (p['topic'], p['partition']))
    return partitions


def assess(brokers, controller, partitions, broker_id=None, allow_unprotected=False):
    """The module's result from the cluster state.

    Stopping ``broker_id`` is unsafe when anything is under-replicated, when a partition it
    hosts would fall below min.insync.replicas without it (a blocker), and, unless
    ``allow_unprotected``, when it hosts partitions whose replication factor is not above
    their min.insync.replicas: they stop taking acks=all writes (or go offline) while it is down.
    """
    result = {
        'changed': False,
        'brokers': brokers,
        'controller': controller if controller is not None else -1,
        'partitions': len(partitions),
        'under_replicated': [p for p in partitions if len(p['isr']) < len(p['replicas'])],
        'under_min_isr': [p for p in partitions if len(p['isr']) < p['min_insync_replicas']],
        'offline': [p for p in partitions if p['leader'] < 0],
    }
    if broker_id is None:
        return result
    hosted = [p for p in partitions if broker_id in p['replicas']]
    unprotected = [p for p in hosted if len(p['replicas']) <= p['min_insync_replicas']]
    blockers = [p for p in hosted if p not in unprotected
                and len([r for r in p['isr'] if r != broker_id]) < p['min_insync_replicas']]
    reasons = []
    if result['under_replicated']:
        reasons.append('%d partition(s) are under-replicated (first: %s)'
                       % (len(result['under_replicated']), _name(result['under_replicated'][0])))
    if blockers:
        reasons.append('%d partition(s) would fall below min.insync.replicas without broker %d (first: %s)'
                       % (len(blockers), broker_id, _name(blockers[0])))
    if unprotected and not allow_unprotected:
        reasons.append('%d partition(s) on broker %d have a replication factor not above their min.insync.replicas, '
                       'so acks=all writes to them fail (or they go offline) while it is down: %s; '
                       'set allow_unprotected to accept that'
                       % (len(unprotected), broker_id, _by_topic(unprotected)))
    result.update({
        'registered': broker_id in brokers,
        'blockers': blockers,
        'unprotected': unprotected,
        'safe_to_stop': not reasons,
        'reason': '; '.join(reasons),
    })
    return result


# A voter is caught up while it last reached the leader's log end within the fetch timeout of the quorum
# (controller.quorum.fetch.timeout.ms, 2 s by default): Strimzi's rule for rolling KRaft controllers.
CAUGHT_UP_MS = 2000


def quorum_state(response):
    """The metadata quorum from a DescribeQuorum response (kafka-python's describe_metadata_quorum)."""
    partition = response['topics'][0]['partitions'][0]
    if partition.get('error'):
        raise ValueError('DescribeQuorum: %s' % partition['error'])
    voters = partition['current_voters']
    leader = next((v for v in voters if v['replica_id'] == partition['leader_id']), None)
    return {
        'leader': partition['leader_id'] if leader else -1,
        'leader_epoch': partition['leader_epoch'],
        'high_watermark': partition['high_watermark'],
        'voters': [{
            'id': v['replica_id'],
            'log_end_offset': v['log_end_offset'],
            'lag': leader['log_end_offset'] - v['log_end_offset'] if leader else None,
            'caught_up': bool(leader) and v['last_caught_up_timestamp'] >= 0
            and leader['last_caught_up_timestamp'] - v['last_caught_up_timestamp'] <= CAUGHT_UP_MS,
        } for v in voters],
    }


def assess_controller(result, quorum, controller_id):
    """Add the quorum and the gate of controller ``controller_id`` to a result of assess().

    It is back when the quorum has a leader and every voter is caught up; it may stop when, without it,
    a majority of the voters is still caught up.
    """
    voters = quorum['voters']
    ids = [v['id'] for v in voters]
    lagging = [v['id'] for v in voters if not v['caught_up']]
    others_caught_up = [v for v in voters if v['caught_up'] and v['id'] != controller_id]
    reasons = [result['reason']] if result.get('reason') else []
    if quorum['leader'] < 0:
        reasons.append('the metadata quorum has no leader')
    if controller_id not in ids:
        reasons.append('controller %d is not a voter of the metadata quorum (voters %s)' % (controller_id, ids))
    if len(others_caught_up) < len(voters) // 2 + 1:
        reasons.append('without controller %d only %d of the %d voters would be caught up, not a majority (lagging: %s)'
                       % (controller_id, len(others_caught_up), len(voters), lagging))
    result.update({
        'quorum': quorum,
        'registered': result.get('registered', True) and quorum['leader'] >= 0 and controller_id in ids and not lagging,
        'safe_to_stop': not reasons,
        'reason': '; '.join(reasons),
    })
    return result


def _name(p):
    return '%s-%d isr=%s replicas=%s min.insync.replicas=%d' % (
        p['topic'], p['partition'], p['isr'], p['replicas'], p['min_insync_replicas'])


def _by_topic(partitions):
    """'t-0, t-1 (RF 1, min.insync.replicas 1), u-0 (RF 2, ...)': every partition, grouped by topic."""
    groups = {}
    for p in partitions:
        groups.setdefault(p['topic'], []).append(p)
    return ', '.join('%s (RF %d, min.insync.replicas %d)' % (
        ', '.join('%s-%d' % (name, p['partition']) for p in parts),
        min(len(p['replicas']) for p in parts), parts[0]['min_insync_replicas'])
        for name, parts in sorted(groups.items()))
