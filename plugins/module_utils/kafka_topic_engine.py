# -*- coding: utf-8 -*-
"""Reads the cluster, applies a topic plan and runs the kafka_topic(s) modules.

Order of a run: validate the input, read the cluster in a few batched calls, build one
plan, have the broker validate it (validate_only), then apply: deletes, creates,
configs, partition increases, replication-factor changes. Nothing is changed before
every check has passed.
"""

from __future__ import annotations

import time
import traceback

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    MAX_BACKOFF, AlterConfigOp, ConfigResource, Errors, KafkaAdmin, TopicPartition)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import (
    PlanError, build_plan, create_chunks, diff_entries, validate_topics)

# Argument spec of one topic, shared by kafka_topic (top level) and kafka_topics (list items).
TOPIC_OPTIONS = dict(
    name=dict(type='str', required=True),
    partitions=dict(type='int'),
    replication_factor=dict(type='int'),
    configs=dict(type='dict'),
    state=dict(type='str', default='present', choices=['present', 'absent']),
)

ENGINE_OPTIONS = dict(
    allow_replication_factor_change=dict(type='bool', default=False),
    wait_timeout=dict(type='int', default=300),
)

UNKNOWN_TOPIC = 3
TOPIC_SOURCE = 'DYNAMIC_TOPIC_CONFIG'
POLL_INTERVAL = 0.2


class ApplyError(Exception):
    pass


def read_cluster(admin, config_topics=()):
    """The cluster as a plain ``state`` dict (see kafka_topic_plan) in four requests:
    metadata, brokers, ongoing reassignments, and one DescribeConfigs for all the topics
    in ``config_topics`` that exist."""
    state = read_metadata(admin)
    read_configs(admin, state, config_topics)
    return state


def read_metadata(admin):
    """Topics with their partitions, live brokers and ongoing reassignments; no configs yet."""
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
    return {
        'brokers': sorted(b['broker_id'] for b in admin.call('describe_cluster')['brokers']),
        'topics': topics,
        'reassigning': reassigning,
        'overrides': {},
        'config_types': {},
        'broker_defaults': {},
    }


def read_configs(admin, state, config_topics):
    """Add the own overrides of ``config_topics`` to ``state``, plus config types and
    broker defaults, in one DescribeConfigs request."""
    wanted = [n for n in dict.fromkeys(config_topics) if n in state['topics']]
    # Describe one topic even when none is managed yet: it tells config types and broker defaults.
    names = wanted or sorted(state['topics'])[:1]
    if not names:
        return
    described = admin.call('describe_configs', [ConfigResource('TOPIC', n) for n in names],
                           config_filter='all').get('topic', {})
    for name, entries in described.items():
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


def _create(admin, specs, validate_only):
    def send(items):
        result = admin.call('create_topics', items, timeout_ms=admin.timeout_ms,
                            validate_only=validate_only, raise_errors=False)
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


def validate_on_server(admin, plan):
    """Let the broker validate creates, config changes and partition increases without
    applying them. Returns the names that turned out to exist already; raises PlanError."""
    errors, existing = [], []
    for chunk in create_chunks(plan['creates']):
        for name, (error, message) in sorted(_create(admin, chunk, True).items()):
            if error is Errors.TopicAlreadyExistsError:
                existing.append(name)
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
    return existing


def _wait(what, done, timeout):
    deadline = time.monotonic() + timeout
    while True:
        pending = done()
        if not pending:
            return
        if time.monotonic() > deadline:
            raise ApplyError('timed out after %ds waiting for %s: %s' % (timeout, what, ', '.join(sorted(pending))))
        time.sleep(POLL_INTERVAL)


class Applier:
    """Applies a plan phase by phase, recording every step in ``applied``."""

    def __init__(self, admin, plan, replan, wait_timeout):
        self.admin = admin
        self.plan = plan
        self.replan = replan
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
        failures = dict((n, f) for n, f in failures.items() if f[0] is not Errors.UnknownTopicOrPartitionError)
        self.applied.extend({'topic': n, 'action': 'delete'} for n in names if n not in failures)
        if failures:
            self._failed('delete', failures)

        # Deletion is asynchronous; a topic that is still marked for deletion cannot be recreated.
        def remaining():
            return set(names) & set(self.admin.call('list_topics'))
        _wait('the deletion of topics', remaining, self.wait_timeout)

    def creates(self):
        created, existing = [], []
        for chunk in create_chunks(self.plan['creates']):
            failures = _create(self.admin, chunk, False)
            existing += [n for n, f in failures.items() if f[0] is Errors.TopicAlreadyExistsError]
            done = [n for n in chunk if n not in failures]
            created += done
            self.applied.extend({'topic': n, 'action': 'create'} for n in done)
            failures = dict((n, f) for n, f in failures.items() if n not in existing)
            if failures:
                self._failed('create', failures)
        if created:
            self.admin.call('wait_for_topics', created, timeout_ms=self.wait_timeout * 1000)
        if existing:
            # Someone else (or auto-creation) made the topic meanwhile: reconcile it instead.
            self.replan(self.plan, existing)

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
        _wait('new partitions to get leaders', growing, self.wait_timeout)

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
        _wait('partition reassignments to finish', moving, self.wait_timeout)


def run_topics(module, topics, prune=None):
    """Shared body of kafka_topic and kafka_topics; exits the module."""
    errors = validate_topics(topics, prune)
    if errors:
        module.fail_json(msg='Invalid input, nothing was changed: ' + '; '.join(errors), errors=errors)
    allow_rf = module.params['allow_replication_factor_change']
    present = [t['name'] for t in topics if t['state'] == 'present']

    admin = KafkaAdmin(module)
    plan, applier = None, None

    def replan(plan, names):
        subset = [t for t in topics if t['name'] in names]
        fresh = build_plan(subset, read_cluster(admin, names), allow_rf)
        for key in ('config_ops', 'partition_increases', 'reassignments'):
            plan[key].update(fresh[key])
        plan['changes'] = [c for c in plan['changes'] if c['topic'] not in names] + fresh['changes']
        plan['warnings'] += fresh['warnings'] + [
            'topic %r: created by someone else meanwhile; reconciled it instead' % n for n in names]

    try:
        # A topic that appears between reading and validating is read again and updated instead.
        for _ in range(3):
            plan = build_plan(topics, read_cluster(admin, present), allow_rf, prune)
            if not validate_on_server(admin, plan):
                break
        if not module.check_mode:
            applier = Applier(admin, plan, replan, module.params['wait_timeout'])
            applier.run()
    except PlanError as e:
        if applier is None:
            module.fail_json(msg='Invalid input, nothing was changed: %s' % e, errors=e.errors)
        _fail_partial(module, plan, applier, e)
    except Exception as e:  # report what was applied, whatever broke
        if applier is None:
            module.fail_json(msg='Kafka request failed, nothing was changed: %s' % e, exception=traceback.format_exc())
        _fail_partial(module, plan, applier, e)
    finally:
        admin.close()

    for warning in plan['warnings']:
        module.warn(warning)
    result = dict(changed=bool(plan['changes']), changes=plan['changes'])
    if module._diff:
        result['diff'] = diff_entries(plan['changes'])
    module.exit_json(**result)


def _fail_partial(module, plan, applier, error):
    module.fail_json(
        msg='Failed after applying %d operations (see applied): %s' % (len(applier.applied), error),
        changed=bool(applier.applied), applied=applier.applied, changes=plan['changes'],
        exception=traceback.format_exc())
