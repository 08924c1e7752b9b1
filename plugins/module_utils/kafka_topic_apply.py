# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Performs a topic plan (see kafka_topic_plan) against the cluster.

The broker first validates the whole plan (validate_only); the Applier then performs it phase
by phase (deletes, creates, configs, partition increases, replication-factor changes), records
every operation it performed in ``applied`` and raises ApplyError at the first failure. It never
changes the plan: what it performs is what was planned, or it fails saying what it did.
"""

from __future__ import annotations

import time

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    MAX_BACKOFF, AlterConfigOp, ConfigResource, Errors, TopicPartition)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import PlanError

# A CreateTopics request is split so that no request carries more partitions than this
# (KRaft controllers reject requests above 10,000 records).
CREATE_CHUNK_PARTITIONS = 2000
POLL_INTERVAL = 0.2
# What a validate_only create of a name asks for when only "is the name free?" matters:
# one replica can always be placed, so the answer is not about the replication factor.
NAME_PROBE = {'num_partitions': 1, 'replication_factor': 1, 'configs': {}}


class ApplyError(Exception):
    pass


def create_chunks(creates, limit=CREATE_CHUNK_PARTITIONS):
    """Split {name: spec} into dicts carrying at most ``limit`` partitions each
    (a single larger topic gets a request of its own)."""
    chunks, current, size = [], {}, 0
    for name, spec in creates.items():
        partitions = max(spec['num_partitions'], 1)
        if current and size + partitions > limit:
            chunks.append(current)
            current, size = {}, 0
        current[name] = spec
        size += partitions
    if current:
        chunks.append(current)
    return chunks


def _per_topic(admin, send, items):
    """Run ``send(items) -> [(name, error_code, message)]``, retry the topics that failed
    with a retriable error and return {name: (error class, message)} for the rest.

    A per-topic timeout is not a failure: the broker carries on and we wait for the result.
    """
    failures, delay = {}, 0.5
    for attempt in range(admin.retries + 1):
        retry = {}
        for name, code, message in send(items):
            error = Errors.for_code(code)
            if error in (Errors.NoError, Errors.RequestTimedOutError):
                continue
            if error.retriable and attempt < admin.retries:
                retry[name] = items[name]
            else:
                failures[name] = (error, message or error.description)
        if not retry:
            break
        time.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF)
        items = retry
    return failures


def _create(admin, specs, validate_only, unanswered=None):
    """CreateTopics. ``unanswered`` (a set) collects the names of requests that were sent but
    whose answer was lost, so the request was sent again."""
    def send(items):
        attempts = []
        result = admin.call('create_topics', items, timeout_ms=admin.timeout_ms, validate_only=validate_only,
                            raise_errors=False, on_attempt=lambda: attempts.append(1))
        if unanswered is not None and len(attempts) > 1:
            unanswered.update(items)
        return [(r['name'], r['error_code'], r.get('error_message')) for r in result['topics']]
    return _per_topic(admin, send, specs)


def _create_partitions(admin, specs, validate_only):
    def send(items):
        # kafka-python takes a bare count unless replicas are placed explicitly
        request = dict((n, s if 'assignments' in s else s['count']) for n, s in items.items())
        result = admin.call('create_partitions', request, timeout_ms=admin.timeout_ms,
                            validate_only=validate_only, raise_errors=False)
        return [(r.name, r.error_code, r.error_message) for r in result.results]
    return _per_topic(admin, send, specs)


def _alter_configs(admin, config_ops, validate_only):
    resources = [ConfigResource('TOPIC', name, dict(
        (key, (AlterConfigOp.SET, value) if value is not None else (AlterConfigOp.DELETE, None))
        for key, value in ops.items())) for name, ops in config_ops.items()]
    # Incremental SET/DELETE touches only the listed keys; keys are already validated.
    result = admin.call('alter_configs', resources, validate_only=validate_only,
                        raise_on_unknown=False, incremental=True)
    return dict((name, outcome) for name, outcome in result.get('topic', {}).items() if outcome != 'OK')


def names_taken(admin, names):
    """The names a create would be refused for because the topic exists. In ZooKeeper mode
    that includes a topic whose deletion has started but not ended: the metadata no longer
    lists it, but ZooKeeper still holds it until the deletion ends."""
    if not names:
        return set()
    taken = set()
    for chunk in create_chunks(dict((n, NAME_PROBE) for n in sorted(names))):
        failures = _create(admin, chunk, True)
        taken.update(n for n, (error, _) in failures.items() if error is Errors.TopicAlreadyExistsError)
    return taken


def validate_on_server(admin, plan):
    """Let the broker validate creates, config changes and partition increases without
    applying them. Returns the planned creates whose names turn out to be taken; raises
    PlanError for every other rejection."""
    errors, taken = [], []
    for chunk in create_chunks(plan['creates']):
        for name, (error, message) in sorted(_create(admin, chunk, True).items()):
            if error is Errors.TopicAlreadyExistsError:
                taken.append(name)
            else:
                errors.append('topic %r: the broker rejects the creation: %s' % (name, message))
    if plan['config_ops']:
        for name, outcome in sorted(_alter_configs(admin, plan['config_ops'], True).items()):
            errors.append('topic %r: the broker rejects the config change: %s' % (name, outcome))
    if plan['partition_increases']:
        for name, (error, message) in sorted(_create_partitions(admin, plan['partition_increases'], True).items()):
            errors.append('topic %r: the broker rejects the partition increase: %s' % (name, message))
    if errors:
        raise PlanError(errors)
    return taken


def wait_until(what, pending, timeout, interval=POLL_INTERVAL):
    """Poll ``pending()`` (a collection of names) until it is empty; ApplyError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        left = pending()
        if not left:
            return
        if time.monotonic() > deadline:
            raise ApplyError('timed out after %ds waiting for %s: %s' % (timeout, what, ', '.join(sorted(left))))
        time.sleep(interval)


class Applier:
    """Performs a plan phase by phase, recording every operation in ``applied``."""

    def __init__(self, admin, plan, wait_timeout):
        self.admin = admin
        self.plan = plan
        self.wait_timeout = wait_timeout
        self.applied = []

    def _failed(self, what, failures):
        raise ApplyError('; '.join('topic %r: %s failed: %s' % (name, what, message)
                                   for name, (error, message) in sorted(failures.items())))

    def run(self):
        self.deletes()
        self.creates()
        self.configs()
        self.partitions()
        self.replication_factors()

    def deletes(self):
        names = self.plan['deletes']
        if not names:
            return

        def send(items):
            result = self.admin.call('delete_topics', list(items), timeout_ms=self.admin.timeout_ms,
                                     raise_errors=False)
            return [(r['name'], r['error_code'], r.get('error_message')) for r in result['topics']]
        failures = _per_topic(self.admin, send, dict.fromkeys(names))
        # UNKNOWN_TOPIC: gone already, for example by our own attempt whose answer was lost
        failures = dict((n, f) for n, f in failures.items() if f[0] is not Errors.UnknownTopicOrPartitionError)
        self.applied.extend({'topic': n, 'action': 'delete'} for n in names if n not in failures)
        if failures:
            self._failed('delete', failures)

        # Deletion is asynchronous: wait until the metadata no longer lists the topics AND
        # their names are free, which in ZooKeeper mode comes later.
        def remaining():
            listed = set(names) & set(self.admin.call('list_topics'))
            return listed or names_taken(self.admin, names)
        wait_until('the deletion of topics', remaining, self.wait_timeout)

    def creates(self):
        created, unanswered = [], set()
        for chunk in create_chunks(self.plan['creates']):
            failures = _create(self.admin, chunk, False, unanswered)
            exists = set(n for n, (error, _) in failures.items() if error is Errors.TopicAlreadyExistsError)
            # The name was free when the plan was validated. TOPIC_ALREADY_EXISTS after a
            # request whose answer was lost means that request created the topic; after an
            # answered one, someone else created it meanwhile.
            ours = exists & unanswered
            done = [n for n in chunk if n not in failures or n in ours]
            created += done
            self.applied.extend({'topic': n, 'action': 'create'} for n in done)
            failures = dict((n, f) for n, f in failures.items() if n not in ours)
            for name in exists - ours:
                failures[name] = (Errors.TopicAlreadyExistsError,
                                  'someone else created it after the plan was made; this run did not '
                                  'create or change it, run again to reconcile it')
            if failures:
                self._failed('create', failures)
        if created:
            self.admin.call('wait_for_topics', created, timeout_ms=self.wait_timeout * 1000)

    def configs(self):
        ops = self.plan['config_ops']
        if not ops:
            return
        failures = _alter_configs(self.admin, ops, False)
        self.applied.extend({'topic': n, 'action': 'configs'} for n in ops if n not in failures)
        if failures:
            raise ApplyError('; '.join('topic %r: config change failed: %s' % item for item in sorted(failures.items())))

    def partitions(self):
        specs = self.plan['partition_increases']
        if not specs:
            return
        failures = _create_partitions(self.admin, specs, False)
        self.applied.extend({'topic': n, 'action': 'partitions'} for n in specs if n not in failures)
        if failures:
            self._failed('partition increase', failures)

        def growing():
            return set(t['name'] for t in self.admin.call('describe_topics', list(specs))
                       if len(t['partitions']) < specs[t['name']]['count']
                       or any(p['leader_id'] < 0 for p in t['partitions']))
        wait_until('new partitions to get leaders', growing, self.wait_timeout)

    def replication_factors(self):
        moves = self.plan['reassignments']
        if not moves:
            return
        request = dict((TopicPartition(name, index), replicas)
                       for name, parts in moves.items() for index, replicas in parts.items())
        result = self.admin.call('alter_partition_reassignments', request, timeout_ms=self.admin.timeout_ms)
        failures = dict((tp.topic, (error, '%s (partition %d)' % (error.description, tp.partition)))
                        for tp, error in result.items() if error is not None)
        self.applied.extend({'topic': n, 'action': 'replication_factor'} for n in moves if n not in failures)
        if failures:
            self._failed('replication factor change', failures)

        wanted = dict((name, sorted(parts)) for name, parts in moves.items())

        def moving():
            return set(tp.topic for tp in self.admin.call('list_partition_reassignments', wanted))
        wait_until('partition reassignments to finish', moving, self.wait_timeout)
