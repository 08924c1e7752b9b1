# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Performs a reassignment plan (see kafka_reassign_plan): batch by batch, each behind a
replication throttle that is removed in a ``finally``, whatever happens; then a preferred leader
election of the partitions that moved."""

from __future__ import annotations

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    AlterConfigOp, ConfigResource, TopicPartition)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_reassign_plan import (
    batches, brokers_of, throttled_replicas)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_apply import ApplyError, wait_until

BROKER_THROTTLES = ('leader.replication.throttled.rate', 'follower.replication.throttled.rate')
TOPIC_THROTTLES = ('leader.replication.throttled.replicas', 'follower.replication.throttled.replicas')
PREFERRED = 0


class Reassigner:
    """Performs the moves of a plan; ``applied`` lists the moves whose reassignment finished."""

    def __init__(self, admin, live, batch_size, throttle, wait_timeout):
        self.admin = admin
        self.live = set(live)
        self.batch_size = batch_size
        self.throttle = throttle
        self.wait_timeout = wait_timeout
        self.applied = []
        self.throttled_brokers = set()
        self.throttled_topics = set()

    def run(self, moves):
        try:
            for batch in batches(moves, self.batch_size):
                self._set_throttles(batch)
                self._reassign(batch)
        finally:
            self._remove_throttles()

    def _alter(self, resources, what):
        result = self.admin.call('alter_configs', resources, raise_on_unknown=False, incremental=True)
        failed = ['%s %s: %s' % (kind, name, outcome) for kind, outcomes in sorted(result.items())
                  for name, outcome in sorted(outcomes.items()) if outcome != 'OK']
        if failed:
            raise ApplyError('%s failed: %s' % (what, '; '.join(failed)))

    def _set_throttles(self, batch):
        if not self.throttle:
            return
        # A broker that is down cannot take a dynamic config; it sends nothing anyway.
        brokers = [b for b in brokers_of(batch) if b in self.live]
        topics = throttled_replicas(batch)
        self.throttled_brokers.update(brokers)
        self.throttled_topics.update(topics)
        resources = [ConfigResource('BROKER', str(b), dict((k, (AlterConfigOp.SET, str(self.throttle)))
                                                           for k in BROKER_THROTTLES)) for b in brokers]
        resources += [ConfigResource('TOPIC', t, dict((k, (AlterConfigOp.SET, v)) for k, v in configs.items()))
                      for t, configs in sorted(topics.items())]
        self._alter(resources, 'setting the replication throttle')

    def _remove_throttles(self):
        resources = [ConfigResource('BROKER', str(b), dict((k, (AlterConfigOp.DELETE, None)) for k in BROKER_THROTTLES))
                     for b in sorted(self.throttled_brokers)]
        resources += [ConfigResource('TOPIC', t, dict((k, (AlterConfigOp.DELETE, None)) for k in TOPIC_THROTTLES))
                      for t in sorted(self.throttled_topics)]
        if resources:
            self._alter(resources, 'removing the replication throttle')

    def _reassign(self, batch):
        request = dict((TopicPartition(m['topic'], m['partition']), m['after']) for m in batch)
        result = self.admin.call('alter_partition_reassignments', request, timeout_ms=self.admin.timeout_ms)
        failed = ['%s-%d: %s' % (tp.topic, tp.partition, error.description)
                  for tp, error in sorted(result.items()) if error is not None]
        if failed:
            raise ApplyError('the broker refused the reassignment of %s' % '; '.join(failed))
        wanted = {}
        for m in batch:
            wanted.setdefault(m['topic'], []).append(m['partition'])

        def moving():
            return ['%s-%d' % (tp.topic, tp.partition) for tp in self.admin.call('list_partition_reassignments', wanted)]
        wait_until('the reassignment of a batch of %d partition(s) (it goes on in the cluster; run again when '
                   'it has finished)' % len(batch), moving, self.wait_timeout, interval=1.0)
        self.applied.extend(batch)

    def elect_preferred_leaders(self, moves):
        """Preferred leader election of the partitions that moved; returns the errors the broker
        gave (not needed elections are no error)."""
        if not moves:
            return []
        partitions = {}
        for m in moves:
            partitions.setdefault(m['topic'], []).append(m['partition'])
        response = self.admin.call('elect_leaders', PREFERRED, partitions,
                                   timeout_ms=self.admin.timeout_ms, raise_errors=False)
        errors = []
        for result in response.replica_election_results:
            for p in result.partition_result:
                # 0 none, 84 ELECTION_NOT_NEEDED: the preferred replica leads already
                if p.error_code not in (0, 84):
                    errors.append('%s-%d: error %d %s' % (result.topic, p.partition_id, p.error_code,
                                                          p.error_message or ''))
        return errors
