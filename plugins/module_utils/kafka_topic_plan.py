# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Validation and planning for Kafka topics: pure functions, no I/O, no kafka-python, no Ansible.

kafka_cluster_state reads the cluster into a ``state`` dict (its docstring shows the shape),
these functions turn the desired topics plus that state into a ``plan`` dict, and
kafka_topic_apply performs the plan:

plan = {
    'changes': [{'topic', 'action': create|update|delete, 'before', 'after'[, 'reason']}],
    'warnings': [str],
    'deletes': [name],
    'creates': {name: {'num_partitions', 'replication_factor', 'configs'}},
    'config_ops': {name: {key: value, or None to delete the override}},
    'partition_increases': {name: {'count'[, 'assignments']}},
    'reassignments': {name: {partition: [replicas]}},
}
"""

from __future__ import annotations

import difflib
import re
from collections import namedtuple

MAX_NAME_LENGTH = 249
LEGAL_NAME = re.compile(r'[a-zA-Z0-9._-]+')

# Names Kafka, Confluent, Schema Registry and Kafka Connect (default names) own: never deleted.
INTERNAL_NAMES = frozenset(['_schemas', 'connect-configs', 'connect-offsets', 'connect-status'])
INTERNAL_PREFIXES = ('__', '_confluent')

# Topics of frameworks that pruning never deletes (they can still be deleted by listing them
# with state absent). Kafka Streams names its internal topics <application.id>-...-changelog
# and -repartition; MirrorMaker 2 uses heartbeats, <alias>.heartbeats,
# <alias>.checkpoints.internal, mm2-offset-syncs.<alias>.internal and, as a dedicated cluster,
# mm2-configs/-offsets/-status.<alias>.internal; a Kafka Connect cluster keeps its configs,
# offsets and status in topics that carry the word "connect" by convention
# (connect-configs, connect-cluster-offsets, docker-connect-status, ...).
STREAMS_SUFFIXES = ('-changelog', '-repartition')
MM2_NAMES = re.compile(r'(?:.+\.)?heartbeats|.+\.checkpoints\.internal|mm2-(?:offset-syncs|configs|offsets|status)\..+')
CONNECT_STORAGE = re.compile(r'(?:.*[._-])?connect(?:[._-].*)?-(?:configs|offsets|status)')

MIN_ISR = 'min.insync.replicas'
DEFAULT_RF = 'default.replication.factor'

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

# LIST configs whose order means nothing to Kafka: compared as sets.
UNORDERED_LISTS = frozenset(['cleanup.policy', 'follower.replication.throttled.replicas',
                             'leader.replication.throttled.replicas'])

INT_RANGES = {
    'SHORT': (-2 ** 15, 2 ** 15 - 1),
    'INT': (-2 ** 31, 2 ** 31 - 1),
    'LONG': (-2 ** 63, 2 ** 63 - 1),
}
INTEGER = re.compile(r'-?[0-9]+')


class PlanError(Exception):
    """Invalid input; carries every problem found, each naming its topic."""

    def __init__(self, errors):
        self.errors = list(errors)
        super().__init__('; '.join(self.errors))


def is_internal(name, flagged=False):
    """True for topics the module must never delete (flagged: the broker says internal)."""
    return flagged or name in INTERNAL_NAMES or name.startswith(INTERNAL_PREFIXES)


def prune_protection(name, flagged=False):
    """Why pruning never deletes topic ``name`` (a short label), or None when it may."""
    if is_internal(name, flagged):
        return 'internal topic'
    if name.startswith('_'):
        return "topic (name starts with '_')"
    if name.endswith(STREAMS_SUFFIXES):
        return 'Kafka Streams topic'
    if MM2_NAMES.fullmatch(name):
        return 'MirrorMaker 2 topic'
    if CONNECT_STORAGE.fullmatch(name):
        return 'Kafka Connect storage topic'
    return None


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
    # fullmatch: with match and '$', a trailing newline would pass
    if not LEGAL_NAME.fullmatch(name):
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
            if not INTEGER.fullmatch(value.strip()):
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

    return errors + prune_errors(prune, 'the whole cluster')


def prune_errors(prune, everything, scopes=('prefix', 'regex')):
    """Errors of the prune options of any of the modules (None: no pruning). ``everything`` names what
    an unscoped prune would delete; ``scopes`` are the options of which one is required."""
    if prune is None:
        return []
    errors = []
    if not any(prune.get(scope) for scope in scopes):
        names = ['prune_' + scope for scope in scopes]
        errors.append('prune: requires %s or %s; refusing to prune %s' % (', '.join(names[:-1]), names[-1], everything))
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


def same_value(key, ctype, current, wanted):
    """Whether the broker's ``current`` value of ``key`` equals the canonical ``wanted``."""
    current = broker_value(ctype, current)
    if ctype == 'LIST' and key in UNORDERED_LISTS:
        return set(current.split(',')) - {''} == set(wanted.split(',')) - {''}
    return current == wanted


def resize_replicas(replicas, rf, load, leader=None, isr=None):
    """New replica list with ``rf`` entries that keeps existing replicas; ``load`` holds the
    live brokers (and is updated). Raises ValueError when it cannot be done with live brokers.

    Growing adds the least-loaded brokers at the end. Shrinking keeps the leader, then the
    in-sync replicas, then the other replicas on live brokers, in their original order: a
    reassignment onto a dead broker could never finish.
    """
    if rf >= len(replicas):
        return list(replicas) + pick_brokers(load, rf - len(replicas), exclude=replicas)
    isr = replicas if isr is None else isr
    ranked = ([leader] if leader in replicas and leader in load else []) \
        + [b for b in replicas if b in isr and b in load] + [b for b in replicas if b in load]
    keep = list(dict.fromkeys(ranked))[:rf]
    if len(keep) < rf:
        raise ValueError('needs a replica on a dead broker (replicas %s, live brokers among them %s)'
                         % (replicas, [b for b in replicas if b in load]))
    for b in replicas:
        if b not in keep and b in load:
            load[b] -= 1
    return [b for b in replicas if b in keep]


def prune_candidates(state, listed, prune):
    """(names to delete, [(name, protection)] skipped) for topics in scope that are not listed."""
    regex = re.compile(prune['regex']) if prune.get('regex') else None
    doomed, skipped = [], []
    for name in sorted(state['topics']):
        if name in listed:
            continue
        if prune.get('prefix') and not name.startswith(prune['prefix']):
            continue
        if regex and not regex.fullmatch(name):
            continue
        protection = prune_protection(name, state['topics'][name].get('internal', False))
        if protection:
            skipped.append((name, protection))
        else:
            doomed.append(name)
    return doomed, skipped


# One topic being planned: the input item, 'topic <name>' for messages, its normalised configs.
Wish = namedtuple('Wish', 'item label configs')
# What every topic's planning shares: the cluster, the config types, the replicas per broker,
# the opt-in, and the plan and error list being built.
Planning = namedtuple('Planning', 'state schema load allow_rf_change plan errors')


def _min_isr_problem(label, rf, rf_origin, min_isr, min_isr_origin):
    """The message when ``min_isr`` > ``rf``: the topic accepts it but every acks=all produce fails."""
    if min_isr is None or rf is None or min_isr <= rf:
        return None
    return ('%s: min.insync.replicas %d%s is greater than the replication factor %d%s '
            '(every acks=all produce would fail)%s'
            % (label, min_isr, min_isr_origin, rf, rf_origin,
               '; set configs min.insync.replicas to at most %d' % rf if min_isr_origin else ''))


def _effective_min_isr(configs, overrides, state):
    """(min.insync.replicas the topic will run with, where it comes from for messages)."""
    if configs.get(MIN_ISR) is not None:
        return int(configs[MIN_ISR]), ''
    if MIN_ISR not in configs and MIN_ISR in overrides:
        return int(overrides[MIN_ISR]), " (the topic's override)"
    default = state['broker_defaults'].get(MIN_ISR)
    return (int(default), ' (inherited from the broker default)') if default is not None else (None, '')


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


def _plan_create(ctx, wish):
    name, rf, state = wish.item['name'], wish.item.get('replication_factor'), ctx.state
    brokers = len(state['brokers'])
    rf_origin = ''
    if rf is None and state['broker_defaults'].get(DEFAULT_RF) is not None:
        rf, rf_origin = int(state['broker_defaults'][DEFAULT_RF]), " (the broker's default.replication.factor)"
    if rf is not None and rf > brokers:
        ctx.errors.append('%s: replication_factor %d%s is greater than the number of live brokers (%d)'
                          % (wish.label, rf, rf_origin, brokers))
    problem = _min_isr_problem(wish.label, rf, rf_origin, *_effective_min_isr(wish.configs, {}, state))
    if problem:
        ctx.errors.append(problem)
    values = dict((k, v) for k, v in wish.configs.items() if v is not None)
    ctx.plan['creates'][name] = {
        'num_partitions': wish.item.get('partitions') or -1,
        'replication_factor': wish.item.get('replication_factor') or -1,
        'configs': values,
    }
    after = {
        'partitions': wish.item.get('partitions') or 'broker default',
        'replication_factor': wish.item.get('replication_factor') or 'broker default',
    }
    if values:
        after['configs'] = values
    ctx.plan['changes'].append({'topic': name, 'action': 'create', 'before': {}, 'after': after})


def _plan_update(ctx, wish):
    state, plan, errors, label = ctx.state, ctx.plan, ctx.errors, wish.label
    name = wish.item['name']
    topic = state['topics'][name]
    internal = is_internal(name, topic.get('internal', False))
    current = target_replicas(state, name)
    before, after = {}, {}

    # configs: compare with the topic's own overrides only, never with inherited values
    overrides = state['overrides'].get(name, {})
    ops = {}
    for key, value in wish.configs.items():
        if value is None:
            if key in overrides:
                ops[key] = None
        elif key not in overrides or not same_value(key, ctx.schema[key], overrides[key], value):
            ops[key] = value
    if ops:
        before['configs'] = dict((k, overrides[k]) for k in ops if k in overrides)
        after['configs'] = dict((k, v) for k, v in ops.items() if v is not None)
        plan['config_ops'][name] = ops

    count = len(current)
    wanted = wish.item.get('partitions')
    rf = wish.item.get('replication_factor')
    current_rf = min(len(r) for r in current.values()) if current else 0
    resize = [i for i in sorted(current) if rf is not None and len(current[i]) != rf]
    can_resize = False
    if resize:
        if not ctx.allow_rf_change:
            errors.append('%s: replication factor change %d -> %d requires allow_replication_factor_change: true'
                          % (label, current_rf, rf))
        elif rf > len(state['brokers']):
            errors.append('%s: replication_factor %d is greater than the number of live brokers (%d)'
                          % (label, rf, len(state['brokers'])))
        elif state['reassigning'].get(name):
            errors.append('%s: a partition reassignment is already in progress; retry when it has finished' % label)
        else:
            can_resize = True
    elif state['reassigning'].get(name):
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
            added = dict((i, pick_brokers(ctx.load, len(current[0]))) for i in range(count, wanted))
            spec['assignments'] = [added[i] for i in sorted(added)]
            current = dict(current)
            current.update(added)
            resize += [i for i in sorted(added) if len(added[i]) != rf]
        plan['partition_increases'][name] = spec

    if can_resize:
        moves = {}
        for i in resize:
            part = topic['partitions'].get(i, {})   # none yet for a partition added in this run
            try:
                moves[i] = resize_replicas(current[i], rf, ctx.load, part.get('leader'), part.get('isr'))
            except ValueError as e:
                errors.append('%s: partition %d: lowering the replication factor to %d %s' % (label, i, rf, e))
        plan['reassignments'][name] = moves
        before['replication_factor'], after['replication_factor'] = current_rf, rf
        before['replicas'] = dict((str(i), current[i]) for i in resize if i < count)
        after['replicas'] = dict((str(i), moves[i]) for i in resize if i in moves)

    if rf is not None or MIN_ISR in wish.configs:
        problem = _min_isr_problem(label, rf if rf is not None else current_rf, '',
                                   *_effective_min_isr(wish.configs, overrides, state))
        # A change that leads there is refused; a topic that is already so is only reported.
        if problem and (can_resize or resize or MIN_ISR in wish.configs):
            errors.append(problem)
        elif problem:
            plan['warnings'].append(problem.replace('would fail', 'fail'))

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
    ctx = Planning(state, config_schema(state), broker_load(state), allow_rf_change, plan, [])
    existing_metric_names = dict((metric_name(n), n) for n in state['topics'])
    creates, updates, pruned = [], [], []

    if prune is not None:
        doomed, skipped = prune_candidates(state, set(t['name'] for t in topics), prune)
        for name, protection in skipped:
            plan['warnings'].append('prune: %s %r is never pruned' % (protection, name))
        if len(doomed) > prune['max_deletions']:
            ctx.errors.append('prune: would delete %d topics, more than prune_max_deletions (%d): %s'
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
                ctx.errors.append('%s: internal topic, it can never be deleted' % label)
            elif exists:
                plan['deletes'].append(name)
                plan['changes'].append(_delete_change(state, name, 'state is absent'))
            continue
        configs, config_errors = normalise_configs(label, item.get('configs'), ctx.schema)
        ctx.errors.extend(config_errors)
        if exists:
            updates.append(Wish(item, label, configs))
            continue
        clash = existing_metric_names.get(metric_name(name))
        if clash and clash in leaving:
            # ZooKeeper keeps the old name until its deletion has ended, and the broker's
            # create validation refuses the twin until then.
            ctx.errors.append("%s: collides with topic %r ('.' and '_' are the same in Kafka metric names), "
                              "which this run deletes; Kafka refuses the new name until that deletion has "
                              "finished: delete %r in one run and create %r in a later one"
                              % (label, clash, clash, name))
            continue
        if clash:
            ctx.errors.append("%s: collides with topic %r ('.' and '_' are the same in Kafka metric names); "
                              "Kafka refuses to create it" % (label, clash))
            continue
        existing_metric_names[metric_name(name)] = name
        creates.append(Wish(item, label, configs))

    for name in pruned:
        plan['deletes'].append(name)
        plan['changes'].append(_delete_change(state, name, 'pruned: not listed'))
    for wish in creates:
        _plan_create(ctx, wish)
    for wish in updates:
        _plan_update(ctx, wish)

    if ctx.errors:
        raise PlanError(ctx.errors)
    return plan
