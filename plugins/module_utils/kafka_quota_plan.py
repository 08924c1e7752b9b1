# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Validation and planning for Kafka client quotas: pure functions, no I/O, no kafka-python, no Ansible.

A quota entity is an ``Entity(user, client_id)``; each part is None (not part of the entity),
DEFAULT (Kafka's default entity of that type, a null name on the wire) or a name. Its quotas are
a dict {key: float}, keys from KEYS. kafka_quota_apply reads the cluster into {Entity: quotas}
and turns a plan into AlterClientQuotas entries. The plan:

plan = {
    'alterations': [(Entity, {key: value, or None to remove the key})],   # sorted by entity
    'expected': {Entity: quotas after the run ({} when deleted)},
    'changes': [{'action': create|update|delete, 'entity': label, 'before': {}, 'after': {}[, 'reason']}],
}

``changes`` has one item per alteration, in the same order.
"""

from __future__ import annotations

import re
from collections import namedtuple

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import PlanError, prune_errors


class _Default:
    """Kafka's default entity of a type (``<default>`` in ZooKeeper, a null name on the wire)."""

    def __repr__(self):
        return 'DEFAULT'


DEFAULT = _Default()

# The quota keys of user and client-id entities (QuotaConfig.isClientOrUserQuotaConfig) and
# whether the broker stores them as whole numbers (LONG) or as doubles.
INTEGRAL_KEYS = ('producer_byte_rate', 'consumer_byte_rate')
KEYS = INTEGRAL_KEYS + ('request_percentage', 'controller_mutation_rate')
LONG_MAX = 2 ** 63 - 1
STATES = ('present', 'absent')

Entity = namedtuple('Entity', 'user client_id')


def _part_key(part):
    return (0, '') if part is None else (1, '') if part is DEFAULT else (2, part)


def entity_sort_key(entity):
    """Users first (by name, the default before names), then client-id-only entities."""
    return (entity.user is None, _part_key(entity.user), _part_key(entity.client_id))


def _part_label(kind, part):
    return 'default %s' % kind if part is DEFAULT else '%s %r' % (kind, part)


def entity_label(entity):
    """``user 'alice', client-id 'app'``, ``default user``, ``user 'alice', default client-id``..."""
    return ', '.join(_part_label(kind, part) for kind, part in (('user', entity.user), ('client-id', entity.client_id))
                     if part is not None)


def format_value(value):
    """1048576.0 -> '1048576', 12.5 -> '12.5'."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def quotas_view(quotas):
    """Quotas as the module returns them: the byte rates as integers, the others as floats."""
    return dict((k, int(v) if k in INTEGRAL_KEYS else float(v)) for k, v in sorted(quotas.items()))


def quotas_text(quotas):
    """One ``key: value`` line per quota, sorted; for diffs."""
    return ''.join('%s: %s\n' % (k, format_value(v)) for k, v in sorted(quotas.items()))


def entry_label(index):
    return 'quotas[%d]' % index


def _name_problem(kind, option, name):
    if not isinstance(name, str) or not name:
        return '%s must be a non-empty name' % option
    if name != name.strip():
        return '%s %r has leading or trailing white space' % (option, name)
    if name == '<default>':
        return "%s '<default>' is how ZooKeeper spells the default entity: write default_%s: true" % (option, option)
    if kind == 'user' and name.startswith('User:'):
        return ('user %r is a principal: quotas take the bare user name, %r (as the broker authenticates it)'
                % (name, name[len('User:'):]))
    return None


def _part(kind, option, entry, errors):
    """The entity part named ``option`` of an entry (None, DEFAULT or a name); problems go to errors."""
    name, default = entry.get(option), entry.get('default_' + option)
    if name is not None and default:
        errors.append('%s and default_%s exclude each other' % (option, option))
        return None
    if default:
        return DEFAULT
    if name is None:
        return None
    problem = _name_problem(kind, option, name)
    if problem:
        errors.append(problem)
        return None
    return name


def value_problem(key, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return '%s must be a number, got %r' % (key, value)
    if value != value or value in (float('inf'), float('-inf')):
        return '%s must be a finite number, got %r' % (key, value)
    if value <= 0:
        return '%s must be greater than 0, got %s' % (key, format_value(value))
    if key in INTEGRAL_KEYS:
        if not float(value).is_integer():
            return '%s is a whole number of bytes per second, got %r' % (key, value)
        if value > LONG_MAX:
            return '%s must be at most %d, got %s' % (key, LONG_MAX, format_value(value))
    return None


def parse_entry(index, entry):
    """((Entity, state, {key: float}), errors) for one declared entry; every problem is named."""
    errors = []
    state = entry.get('state') or 'present'
    user = _part('user', 'user', entry, errors)
    client_id = _part('client-id', 'client_id', entry, errors)
    if not errors and user is None and client_id is None:
        errors.append('an entry needs user, default_user, client_id or default_client_id')
    if state not in STATES:
        errors.append('unknown state %r (one of: %s)' % (state, ', '.join(STATES)))
    quotas = {}
    for key in KEYS:
        value = entry.get(key)
        if value is None:
            continue
        problem = value_problem(key, value)
        if problem:
            errors.append(problem)
        else:
            quotas[key] = float(value)
    if state == 'present' and all(entry.get(k) is None for k in KEYS):
        errors.append('state present needs at least one quota (%s); to remove every quota of the entity '
                      'use state: absent' % ', '.join(KEYS))
    if state == 'absent' and any(entry.get(k) is not None for k in KEYS):
        errors.append('state absent removes every quota of the entity: declare no values (to remove one '
                      'key, leave it out of a present entry)')
    if errors:
        return None, ['%s: %s' % (entry_label(index), e) for e in errors]
    return (Entity(user, client_id), state, quotas), []


def validate_prune(prune):
    """Errors of the prune options (None: no pruning)."""
    return prune_errors(prune, 'every quota of the cluster')


def declare(entries, prune=None):
    """({Entity: (state, quotas)}, errors): the declared entities, or every problem of the input."""
    declared, where, errors = {}, {}, []
    for index, entry in enumerate(entries):
        parsed, entry_errors = parse_entry(index, entry)
        errors.extend(entry_errors)
        if parsed is None:
            continue
        entity, state, quotas = parsed
        if entity in declared:
            errors.append('%s: %s is already declared in %s'
                          % (entry_label(index), entity_label(entity), where[entity]))
            continue
        declared[entity] = (state, quotas)
        where[entity] = entry_label(index)
    errors.extend(validate_prune(prune))
    return (declared if not errors else {}), errors


def prune_name(entity):
    """The name an entity is matched by for pruning: its user name, or, when it has no named user,
    its client id; None for entities made of defaults only (never pruned)."""
    for part in entity:
        if part is not None and part is not DEFAULT:
            return part
    return None


def in_prune_scope(entity, prune):
    name = prune_name(entity)
    if name is None:
        return False
    if prune.get('prefix') and not name.startswith(prune['prefix']):
        return False
    if prune.get('regex') and not re.fullmatch(prune['regex'], name):
        return False
    return True


def _alteration(before, after):
    """{key: new value or None (remove)} turning ``before`` into ``after``; only known keys."""
    ops = dict((k, v) for k, v in after.items() if before.get(k) != v)
    ops.update((k, None) for k in before if k in KEYS and k not in after)
    return ops


def build_plan(declared, current, prune=None):
    """The plan from the declared {Entity: (state, quotas)} and the cluster's {Entity: quotas}.
    Keys outside KEYS that the cluster reports are left alone. Raises PlanError when pruning
    would delete more than prune['max_deletions'] entities."""
    current = dict((e, dict((k, v) for k, v in q.items() if k in KEYS)) for e, q in current.items())
    current = dict((e, q) for e, q in current.items() if q)
    targets = {}
    for entity, (state, quotas) in declared.items():
        targets[entity] = (dict(quotas) if state == 'present' else {}, 'state is absent' if state == 'absent' else None)
    pruned = []
    if prune is not None:
        pruned = sorted((e for e in current if e not in declared and in_prune_scope(e, prune)), key=entity_sort_key)
        if len(pruned) > prune['max_deletions']:
            raise PlanError(['prune: would delete the quotas of %d entities, more than prune_max_deletions (%d): %s'
                             % (len(pruned), prune['max_deletions'], '; '.join(entity_label(e) for e in pruned))])
        targets.update((e, ({}, 'pruned: not declared')) for e in pruned)
    alterations, expected, changes = [], {}, []
    for entity in sorted(targets, key=entity_sort_key):
        after, reason = targets[entity]
        before = current.get(entity, {})
        ops = _alteration(before, after)
        if not ops:
            continue
        alterations.append((entity, ops))
        expected[entity] = after
        action = 'delete' if not after else 'create' if not before else 'update'
        change = {'action': action, 'entity': entity_label(entity),
                  'before': quotas_view(before), 'after': quotas_view(after)}
        if action == 'delete':
            change['reason'] = reason
        changes.append(change)
    return {'alterations': alterations, 'expected': expected, 'changes': changes}


def diff(current, plan):
    """Ansible diff mode: one before/after document per changed entity."""
    return [{'before_header': entity_label(entity), 'after_header': entity_label(entity),
             'before': quotas_text(dict((k, v) for k, v in current.get(entity, {}).items() if k in KEYS)),
             'after': quotas_text(plan['expected'][entity])}
            for entity, _ in plan['alterations']]


def pending(expected, current):
    """Labels of the entities whose quotas (known keys) on the cluster are not yet ``expected``."""
    return [entity_label(e) for e in sorted(expected, key=entity_sort_key)
            if dict((k, v) for k, v in current.get(e, {}).items() if k in KEYS) != expected[e]]
