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
