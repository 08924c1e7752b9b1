# -*- coding: utf-8 -*-
"""Validation and planning for Kafka topics as pure functions (no I/O, no kafka-python).

The engine reads the cluster into a plain ``state`` dict, these functions turn the
desired topics plus that state into a ``plan`` dict, and the engine applies the plan.

state = {
    'brokers': [1, 2, 3],                                   # live broker ids
    'topics': {name: {'internal': bool,
                      'partitions': {index: {'leader': id, 'replicas': [ids], 'isr': [ids]}}}},
    'reassigning': {name: {index: {'adding': [ids], 'removing': [ids]}}},
    'overrides': {name: {key: value}},                      # the topic's OWN overrides only
    'config_types': {key: 'LONG'},                          # as reported by the broker
    'broker_defaults': {key: value},                        # values topics inherit
}
"""

from __future__ import annotations

import difflib
import re

MAX_NAME_LENGTH = 249
LEGAL_NAME = re.compile(r'^[a-zA-Z0-9._-]+$')

# Names Kafka, Confluent, Schema Registry and Kafka Connect (default names) own.
INTERNAL_NAMES = frozenset(['_schemas', 'connect-configs', 'connect-offsets', 'connect-status'])
INTERNAL_PREFIXES = ('__', '_confluent')

# A CreateTopics request is split so that no request carries more partitions than this
# (KRaft controllers reject requests above 10,000 records).
CREATE_CHUNK_PARTITIONS = 2000

MIN_ISR = 'min.insync.replicas'

# Topic configs of Kafka 3.9 and their types; the broker's own report wins when a topic
# can be described, this list covers an empty cluster.
KNOWN_TOPIC_CONFIGS = {
    'cleanup.policy': 'LIST',
    'compression.gzip.level': 'INT',
    'compression.lz4.level': 'INT',
    'compression.type': 'STRING',
    'compression.zstd.level': 'INT',
    'delete.retention.ms': 'LONG',
    'file.delete.delay.ms': 'LONG',
    'flush.messages': 'LONG',
    'flush.ms': 'LONG',
    'follower.replication.throttled.replicas': 'LIST',
    'index.interval.bytes': 'INT',
    'leader.replication.throttled.replicas': 'LIST',
    'local.retention.bytes': 'LONG',
    'local.retention.ms': 'LONG',
    'max.compaction.lag.ms': 'LONG',
    'max.message.bytes': 'INT',
    'message.downconversion.enable': 'BOOLEAN',
    'message.format.version': 'STRING',
    'message.timestamp.after.max.ms': 'LONG',
    'message.timestamp.before.max.ms': 'LONG',
    'message.timestamp.difference.max.ms': 'LONG',
    'message.timestamp.type': 'STRING',
    'min.cleanable.dirty.ratio': 'DOUBLE',
    'min.compaction.lag.ms': 'LONG',
    'min.insync.replicas': 'INT',
    'preallocate': 'BOOLEAN',
    'remote.log.copy.disable': 'BOOLEAN',
    'remote.log.delete.on.disable': 'BOOLEAN',
    'remote.storage.enable': 'BOOLEAN',
    'retention.bytes': 'LONG',
    'retention.ms': 'LONG',
    'segment.bytes': 'INT',
    'segment.index.bytes': 'INT',
    'segment.jitter.ms': 'LONG',
    'segment.ms': 'LONG',
    'unclean.leader.election.enable': 'BOOLEAN',
}

INT_RANGES = {
    'SHORT': (-2 ** 15, 2 ** 15 - 1),
    'INT': (-2 ** 31, 2 ** 31 - 1),
    'LONG': (-2 ** 63, 2 ** 63 - 1),
}
INTEGER = re.compile(r'^-?[0-9]+$')


class PlanError(Exception):
    """Invalid input; carries every problem found, each naming its topic."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__('; '.join(self.errors))


def is_internal(name, flagged=False):
    """True for topics the module must never delete (flagged: the broker says internal)."""
    return flagged or name in INTERNAL_NAMES or name.startswith(INTERNAL_PREFIXES)


def metric_name(name):
    # Kafka refuses topics whose names differ only by '.' versus '_' (metric names clash).
    return name.replace('.', '_')


def name_problem(name):
    """Return why a topic name is illegal, or None."""
    if not isinstance(name, str) or not name:
        return 'name must be a non-empty string'
    if len(name) > MAX_NAME_LENGTH:
        return 'name is %d characters long, the maximum is %d' % (len(name), MAX_NAME_LENGTH)
    if name in ('.', '..'):
        return "name cannot be '.' or '..'"
    if not LEGAL_NAME.match(name):
        return 'name contains illegal characters (allowed: a-z A-Z 0-9 . _ -)'
    return None


def canonical_value(ctype, value):
    """Return the string the broker stores for ``value`` of config type ``ctype``.

    Accepts YAML values (bool, int, float, list) and broker strings alike, so both
    sides of a comparison go through here. Raises ValueError with the reason.
    """
    if ctype == 'BOOLEAN':
        if isinstance(value, bool):
            return 'true' if value else 'false'
        if isinstance(value, str) and value.strip().lower() in ('true', 'false'):
            return value.strip().lower()
        raise ValueError('expects a boolean (true or false)')
    if ctype in INT_RANGES:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValueError('expects an integer (%s)' % ctype)
        if isinstance(value, str):
            if not INTEGER.match(value.strip()):
                raise ValueError('expects an integer (%s)' % ctype)
            value = int(value)
        low, high = INT_RANGES[ctype]
        if not low <= value <= high:
            raise ValueError('is out of range for %s (%d..%d)' % (ctype, low, high))
        return str(value)
    if ctype == 'DOUBLE':
        if isinstance(value, bool):
            raise ValueError('expects a number (DOUBLE)')
        try:
            return repr(float(value))
        except (TypeError, ValueError):
            raise ValueError('expects a number (DOUBLE)')
    if ctype == 'LIST':
        if isinstance(value, str):
            value = value.split(',')
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in value):
            raise ValueError('expects a list of strings or a comma-separated string')
        return ','.join(str(v).strip() for v in value if str(v).strip())
    # STRING, CLASS, PASSWORD and types newer than this code
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('expects a string')
    return str(value)


def broker_value(ctype, value):
    """Canonical form of a value read from the broker (never fails)."""
    try:
        return canonical_value(ctype, value)
    except ValueError:
        return value


def validate_topics(topics, prune=None):
    """Checks that need no cluster: names, duplicates, numbers, internal deletes, prune scope.

    topics: list of {'name', 'partitions', 'replication_factor', 'configs', 'state'}.
    prune: None or {'prefix', 'regex', 'max_deletions'}.
    Returns the list of error messages (empty when valid).
    """
    errors = []
    seen = {}
    for item in topics:
        name = item.get('name')
        label = "topic %r" % (name,)
        problem = name_problem(name)
        if problem:
            errors.append('%s: %s' % (label, problem))
            continue
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 2:
            errors.append('%s: listed more than once' % label)
        if item.get('state', 'present') == 'absent':
            if is_internal(name):
                errors.append('%s: internal topic, it can never be deleted' % label)
            continue
        for key in ('partitions', 'replication_factor'):
            value = item.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                errors.append('%s: %s must be an integer >= 1, got %r' % (label, key, value))
        configs = item.get('configs')
        if configs is not None and not isinstance(configs, dict):
            errors.append('%s: configs must be a mapping of config names to values' % label)

    if prune is not None:
        if not prune.get('prefix') and not prune.get('regex'):
            errors.append('prune: requires prune_prefix or prune_regex; refusing to prune the whole cluster')
        if prune.get('regex'):
            try:
                re.compile(prune['regex'])
            except re.error as e:
                errors.append('prune: prune_regex %r is not a valid regular expression: %s' % (prune['regex'], e))
        if prune.get('max_deletions', 0) < 0:
            errors.append('prune: prune_max_deletions must be >= 0')
    return errors


def config_schema(state):
    schema = dict(KNOWN_TOPIC_CONFIGS)
    schema.update(state.get('config_types', {}))
    return schema


def normalise_configs(label, configs, schema):
    """Return ({key: canonical string or None}, errors) for a topic's desired configs."""
    result, errors = {}, []
    for key, value in sorted((configs or {}).items()):
        if key not in schema:
            hint = difflib.get_close_matches(key, schema, n=1)
            errors.append('%s: unknown config %r%s' % (label, key, " (did you mean %r?)" % hint[0] if hint else ''))
            continue
        if value is None:
            result[key] = None
            continue
        try:
            result[key] = canonical_value(schema[key], value)
        except ValueError as e:
            errors.append('%s: config %r %s, got %r' % (label, key, e, value))
    return result, errors


def target_replicas(state, name):
    """{index: replicas} a topic ends up with: replicas being removed by an ongoing
    reassignment are not counted, otherwise the RF looks too high."""
    moving = state.get('reassigning', {}).get(name, {})
    result = {}
    for index, part in state['topics'][name]['partitions'].items():
        removing = moving.get(index, {}).get('removing', [])
        result[index] = [b for b in part['replicas'] if b not in removing]
    return result


def broker_load(state):
    """Replicas per live broker over the whole cluster, used to place new replicas."""
    load = dict((b, 0) for b in state['brokers'])
    for name in state['topics']:
        for replicas in target_replicas(state, name).values():
            for b in replicas:
                if b in load:
                    load[b] += 1
    return load


def pick_brokers(load, count, exclude=()):
    """The ``count`` least-loaded brokers not in ``exclude``; updates ``load``.

    Ties go round-robin to the brokers that follow the partition's first replica, so
    equally loaded brokers are filled evenly.
    """
    brokers = sorted(load)
    start = brokers.index(exclude[0]) + 1 if exclude and exclude[0] in load else 0
    order = brokers[start:] + brokers[:start]
    chosen = sorted((b for b in order if b not in exclude), key=lambda b: load[b])[:count]
    for b in chosen:
        load[b] += 1
    return chosen


def resize_replicas(replicas, leader, rf, load):
    """New replica list with ``rf`` entries that keeps existing replicas.

    Growing adds the least-loaded brokers at the end; shrinking keeps the current
    leader and then the preferred (first) replicas, in their original order.
    """
    if rf >= len(replicas):
        return list(replicas) + pick_brokers(load, rf - len(replicas), exclude=replicas)
    keep = [leader] if leader in replicas else []
    for b in replicas:
        if len(keep) < rf and b not in keep:
            keep.append(b)
    for b in replicas:
        if b not in keep and b in load:
            load[b] -= 1
    return [b for b in replicas if b in keep]


def prune_candidates(state, listed, prune):
    """(names to delete, internal names skipped) for topics in scope that are not listed."""
    regex = re.compile(prune['regex']) if prune.get('regex') else None
    doomed, skipped = [], []
    for name in sorted(state['topics']):
        if name in listed:
            continue
        if prune.get('prefix') and not name.startswith(prune['prefix']):
            continue
        if regex and not regex.fullmatch(name):
            continue
        if is_internal(name, state['topics'][name].get('internal', False)):
            skipped.append(name)
        else:
            doomed.append(name)
    return doomed, skipped


def _min_isr_check(label, desired, overrides, state, rf, errors, warnings):
    """min.insync.replicas above the RF accepts the topic but fails every acks=all produce."""
    if rf is None:
        return
    if desired.get(MIN_ISR) is not None:
        value, explicit = desired[MIN_ISR], True
    elif MIN_ISR not in desired and MIN_ISR in overrides:
        value, explicit = overrides[MIN_ISR], True
    else:
        value, explicit = state.get('broker_defaults', {}).get(MIN_ISR), False
    if value is None or int(value) <= rf:
        return
    if explicit:
        errors.append('%s: min.insync.replicas %s is greater than the replication factor %d '
                      '(every acks=all produce would fail)' % (label, value, rf))
    else:
        warnings.append('%s: the broker default min.insync.replicas %s is greater than the replication '
                        'factor %d, so producers with acks=all will fail' % (label, value, rf))


def _empty_plan():
    return {
        'changes': [],
        'warnings': [],
        'deletes': [],
        'creates': {},
        'config_ops': {},
        'partition_increases': {},
        'reassignments': {},
    }


def _plan_create(item, label, configs, state, plan, errors):
    name = item['name']
    rf = item.get('replication_factor')
    brokers = len(state['brokers'])
    if rf is not None and rf > brokers:
        errors.append('%s: replication_factor %d is greater than the number of live brokers (%d)' % (label, rf, brokers))
    _min_isr_check(label, configs, {}, state, rf, errors, plan['warnings'])
    values = dict((k, v) for k, v in configs.items() if v is not None)
    plan['creates'][name] = {
        'num_partitions': item.get('partitions') or -1,
        'replication_factor': rf or -1,
        'configs': values,
    }
    after = {
        'partitions': item.get('partitions') or 'broker default',
        'replication_factor': rf or 'broker default',
    }
    if values:
        after['configs'] = values
    plan['changes'].append({'topic': name, 'action': 'create', 'before': {}, 'after': after})


def _plan_update(item, label, configs, state, schema, load, allow_rf_change, plan, errors):
    name = item['name']
    topic = state['topics'][name]
    internal = is_internal(name, topic.get('internal', False))
    current = target_replicas(state, name)
    before, after = {}, {}

    # configs: compare with the topic's own overrides only, never with inherited values
    overrides = state.get('overrides', {}).get(name, {})
    ops = {}
    for key, value in configs.items():
        if value is None:
            if key in overrides:
                ops[key] = None
        elif key not in overrides or broker_value(schema[key], overrides[key]) != value:
            ops[key] = value
    if ops:
        before['configs'] = dict((k, overrides[k]) for k in ops if k in overrides)
        after['configs'] = dict((k, v) for k, v in ops.items() if v is not None)
        plan['config_ops'][name] = ops

    count = len(current)
    wanted = item.get('partitions')
    rf = item.get('replication_factor')
    current_rf = min(len(r) for r in current.values()) if current else 0
    resize = [i for i in sorted(current) if rf is not None and len(current[i]) != rf]
    can_resize = False
    if resize:
        if not allow_rf_change:
            errors.append('%s: replication factor change %d -> %d requires allow_replication_factor_change: true'
                          % (label, current_rf, rf))
        elif rf > len(state['brokers']):
            errors.append('%s: replication_factor %d is greater than the number of live brokers (%d)'
                          % (label, rf, len(state['brokers'])))
        elif state.get('reassigning', {}).get(name):
            errors.append('%s: a partition reassignment is already in progress; retry when it has finished' % label)
        else:
            can_resize = True
    elif state.get('reassigning', {}).get(name):
        plan['warnings'].append('%s: a partition reassignment is in progress' % label)

    if wanted is not None and wanted < count:
        errors.append('%s: partitions cannot be decreased (current %d, requested %d); '
                      'Kafka cannot remove partitions and the module never recreates a topic' % (label, count, wanted))
    elif wanted is not None and wanted > count:
        if internal:
            errors.append('%s: internal topic, its partition count cannot be changed' % label)
        before['partitions'], after['partitions'] = count, wanted
        spec = {'count': wanted}
        if can_resize:
            # Kafka requires new partitions to have partition 0's RF: place them
            # explicitly, then resize them along with the others.
            added = dict((i, pick_brokers(load, len(current[0]))) for i in range(count, wanted))
            spec['assignments'] = [added[i] for i in sorted(added)]
            current = dict(current)
            current.update(added)
            resize += [i for i in sorted(added) if len(added[i]) != rf]
        plan['partition_increases'][name] = spec

    if can_resize:
        moves = {}
        for i in resize:
            leader = topic['partitions'][i]['leader'] if i in topic['partitions'] else current[i][0]
            moves[i] = resize_replicas(current[i], leader, rf, load)
        plan['reassignments'][name] = moves
        before['replication_factor'], after['replication_factor'] = current_rf, rf
        before['replicas'] = dict((str(i), current[i]) for i in resize if i < count)
        after['replicas'] = dict((str(i), moves[i]) for i in resize)

    check_rf = rf if rf is not None else (current_rf if MIN_ISR in configs else None)
    _min_isr_check(label, configs, overrides, state, check_rf, errors, plan['warnings'])

    if after or before:
        plan['changes'].append({'topic': name, 'action': 'update', 'before': before, 'after': after})


def _delete_change(state, name, reason):
    replicas = target_replicas(state, name)
    before = {
        'partitions': len(replicas),
        'replication_factor': min(len(r) for r in replicas.values()) if replicas else 0,
    }
    return {'topic': name, 'action': 'delete', 'reason': reason, 'before': before, 'after': {}}


def build_plan(topics, state, allow_rf_change=False, prune=None):
    """Compute the full plan, or raise PlanError listing every problem.

    Expects input that passed validate_topics(). Changes are ordered the way they
    are applied: deletes, creates, then updates.
    """
    plan = _empty_plan()
    errors = []
    schema = config_schema(state)
    load = broker_load(state)
    existing_metric_names = dict((metric_name(n), n) for n in state['topics'])
    creates, updates, pruned = [], [], []

    if prune is not None:
        doomed, skipped = prune_candidates(state, set(t['name'] for t in topics), prune)
        for name in skipped:
            plan['warnings'].append('prune: internal topic %r is never pruned' % name)
        if len(doomed) > prune['max_deletions']:
            errors.append('prune: would delete %d topics, more than prune_max_deletions (%d): %s'
                          % (len(doomed), prune['max_deletions'], ', '.join(doomed)))
        else:
            pruned = doomed
    leaving = set(t['name'] for t in topics if t.get('state', 'present') == 'absent') | set(pruned)

    for item in topics:
        name = item['name']
        label = 'topic %r' % name
        exists = name in state['topics']
        if item.get('state', 'present') == 'absent':
            if exists and is_internal(name, state['topics'][name].get('internal', False)):
                errors.append('%s: internal topic, it can never be deleted' % label)
            elif exists:
                plan['deletes'].append(name)
                plan['changes'].append(_delete_change(state, name, 'state is absent'))
            continue
        configs, config_errors = normalise_configs(label, item.get('configs'), schema)
        errors.extend(config_errors)
        if exists:
            updates.append((item, label, configs))
            continue
        clash = existing_metric_names.get(metric_name(name))
        if clash and clash not in leaving:
            errors.append("%s: collides with topic %r ('.' and '_' are the same in Kafka metric names); "
                          "Kafka refuses to create it" % (label, clash))
            continue
        existing_metric_names[metric_name(name)] = name
        creates.append((item, label, configs))

    for name in pruned:
        plan['deletes'].append(name)
        plan['changes'].append(_delete_change(state, name, 'pruned: not listed'))
    for item, label, configs in creates:
        _plan_create(item, label, configs, state, plan, errors)
    for item, label, configs in updates:
        _plan_update(item, label, configs, state, schema, load, allow_rf_change, plan, errors)

    if errors:
        raise PlanError(errors)
    return plan


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


def diff_entries(changes):
    """Ansible diff mode: one before/after pair per changed topic, changed keys only."""
    return [{'before_header': c['topic'], 'after_header': c['topic'], 'before': c['before'], 'after': c['after']}
            for c in changes]


def describe(state, names=None, pattern=None, include_internal=False):
    """The kafka_topic_info view of ``state``: {name: details}."""
    regex = re.compile(pattern) if pattern else None
    result = {}
    for name in sorted(state['topics']):
        topic = state['topics'][name]
        internal = is_internal(name, topic.get('internal', False))
        if names and name not in names:
            continue
        if regex and not regex.fullmatch(name):
            continue
        if internal and not include_internal and not names:
            continue
        moving = state.get('reassigning', {}).get(name, {})
        replicas = target_replicas(state, name)
        details = []
        for index in sorted(topic['partitions']):
            part = topic['partitions'][index]
            details.append({
                'partition': index,
                'leader': part['leader'],
                'replicas': part['replicas'],
                'isr': part['isr'],
                'adding_replicas': moving.get(index, {}).get('adding', []),
                'removing_replicas': moving.get(index, {}).get('removing', []),
            })
        result[name] = {
            'internal': internal,
            'partitions': len(details),
            'replication_factor': min(len(r) for r in replicas.values()) if replicas else 0,
            'configs': state.get('overrides', {}).get(name, {}),
            'partition_details': details,
        }
    return result
