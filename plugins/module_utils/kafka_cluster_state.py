# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Reads the cluster into a plain ``state`` dict, for the topic modules and kafka_cluster_health.

state = {
    'brokers': [1, 2, 3],                                   # live broker ids
    'controller': 2,                                        # -1 when there is none
    'topics': {name: {'internal': bool,
                      'partitions': {index: {'leader': id, 'replicas': [ids], 'isr': [ids]}}}},
    'reassigning': {name: {index: {'adding': [ids], 'removing': [ids]}}},
    'overrides': {name: {key: value}},                      # the topic's OWN overrides only
    'config_types': {key: 'LONG'},                          # as reported by the broker
    'broker_defaults': {key: value},                        # what topics inherit, plus
                                                            # default.replication.factor and num.partitions
}
"""

from __future__ import annotations

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import ConfigResource

UNKNOWN_TOPIC = 3
TOPIC_SOURCE = 'DYNAMIC_TOPIC_CONFIG'
MIN_ISR = 'min.insync.replicas'
DEFAULT_RF = 'default.replication.factor'
# Broker settings a new topic or an inherited value depends on.
BROKER_DEFAULT_KEYS = [DEFAULT_RF, MIN_ISR, 'num.partitions']


def read_cluster(admin, config_topics=()):
    """The whole ``state`` in four requests: metadata, brokers, ongoing reassignments, and one
    DescribeConfigs for the topics in ``config_topics`` that exist plus the broker defaults."""
    state = read_metadata(admin)
    read_configs(admin, state, config_topics)
    return state


def read_metadata(admin):
    """Topics with their partitions, live brokers, controller and ongoing reassignments; no configs."""
    topics = {}
    for t in admin.call('describe_topics'):
        if t['error_code'] == UNKNOWN_TOPIC:
            continue
        topics[t['name']] = {
            'internal': bool(t.get('is_internal')),
            'partitions': dict((p['partition_index'], {
                'leader': p['leader_id'],
                'replicas': list(p['replica_nodes']),
                'isr': list(p['isr_nodes']),
            }) for p in t['partitions']),
        }
    reassigning = {}
    for tp, moving in admin.call('list_partition_reassignments').items():
        reassigning.setdefault(tp.topic, {})[tp.partition] = {
            'adding': moving['adding_replicas'], 'removing': moving['removing_replicas']}
    cluster = admin.call('describe_cluster')
    controller = cluster.get('controller_id')
    return {
        'brokers': sorted(b['broker_id'] for b in cluster['brokers']),
        'controller': controller if controller is not None else -1,
        'topics': topics,
        'reassigning': reassigning,
        'overrides': {},
        'config_types': {},
        'broker_defaults': {},
    }


def read_configs(admin, state, config_topics, keys=None):
    """Add to ``state`` the own overrides of ``config_topics`` (only ``keys`` when given), the
    config types and the broker defaults, in one DescribeConfigs call."""
    wanted = [n for n in dict.fromkeys(config_topics) if n in state['topics']]
    # Describe one topic even when none is managed yet: it tells the config types.
    names = wanted or sorted(state['topics'])[:1]
    resources = [ConfigResource('TOPIC', n, keys) for n in names]
    if state['brokers']:
        # default.replication.factor is no topic config: ask one live broker for it.
        resources.append(ConfigResource('BROKER', str(state['brokers'][0]), BROKER_DEFAULT_KEYS))
    if not resources:
        return
    described = admin.call('describe_configs', resources, config_filter='all')
    for entries in described.get('broker', {}).values():
        for key, entry in entries.items():
            if entry.get('value') is not None:
                state['broker_defaults'][key] = entry['value']
    for name, entries in described.get('topic', {}).items():
        own = {}
        for key, entry in entries.items():
            if entry.get('config_type') not in (None, 'UNKNOWN'):
                state['config_types'][key] = entry['config_type']
            if entry['config_source'] == TOPIC_SOURCE:
                own[key] = entry['value']
            else:
                state['broker_defaults'].setdefault(key, entry['value'])
        if name in wanted:
            state['overrides'][name] = own


def effective_config(state, name, key):
    """The value topic ``name`` runs with: its own override, else the broker default (or None)."""
    return state['overrides'].get(name, {}).get(key, state['broker_defaults'].get(key))
