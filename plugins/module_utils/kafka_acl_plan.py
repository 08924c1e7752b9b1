# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Validation and planning for Kafka ACLs: pure functions, no I/O, no kafka-python, no Ansible.

The declared entries (the module's ``acls`` option) expand into single ACL bindings. A binding
is a ``Binding`` of lower-case names, as the module's options spell them; kafka_acl_apply turns
them into kafka-python objects and reads the cluster's ACLs back into Bindings. The plan:

plan = {
    'creates': [Binding],                      # sorted
    'deletes': [Binding],                      # sorted
    'changes': [{'action': create|delete, 'acl': one line[, 'reason']}],   # in the order applied
}
"""

from __future__ import annotations

import difflib
import ipaddress
import re
from collections import namedtuple

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import LEGAL_NAME, PlanError, prune_errors

# The only name of the cluster resource (Kafka refuses any other).
CLUSTER_NAME = 'kafka-cluster'
WILDCARD = '*'

# The operations Kafka defines for each resource type (AclEntry.supportedOperations, which
# kafka-acls.sh enforces); 'all' is valid for every type. The broker itself accepts any
# operation, so a binding it can never use is refused here.
SUPPORTED_OPERATIONS = {
    'topic': ('read', 'write', 'create', 'describe', 'delete', 'alter', 'describe_configs', 'alter_configs'),
    'group': ('read', 'describe', 'delete'),
    'cluster': ('create', 'cluster_action', 'describe_configs', 'alter_configs', 'idempotent_write',
                'alter', 'describe'),
    'transactional_id': ('describe', 'write'),
}
RESOURCE_TYPES = tuple(SUPPORTED_OPERATIONS)
OPERATIONS = ('all',) + tuple(sorted(set(op for ops in SUPPORTED_OPERATIONS.values() for op in ops)))
PATTERN_TYPES = ('literal', 'prefixed')
PERMISSIONS = ('allow', 'deny')
STATES = ('present', 'absent')

# Type:name, as Kafka's principal parser wants it (SecurityUtils.parseKafkaPrincipal).
PRINCIPAL = re.compile(r'[A-Za-z][A-Za-z0-9_-]*:\S(?:.*\S)?')

# One ACL binding. The field order is the sort order: by resource, then principal.
Binding = namedtuple('Binding', 'resource_type resource_name pattern_type principal host permission operation')


def binding_line(b):
    """One line that says everything about a binding; used in results and diffs."""
    return '%s %r (%s): %s %s %s from %s' % (
        b.resource_type, b.resource_name, b.pattern_type, b.permission, b.principal, b.operation, b.host)


def _choice_problem(what, value, choices):
    if value in choices:
        return None
    hint = difflib.get_close_matches(str(value), choices, n=1)
    return 'unknown %s %r%s (one of: %s)' % (what, value, " (did you mean %r?)" % hint[0] if hint else '',
                                            ', '.join(choices))


def principal_problem(principal):
    if not isinstance(principal, str) or not PRINCIPAL.fullmatch(principal):
        return ('principal %r is not of the form Type:name, for example User:alice '
                '(a string is split at commas by Ansible: give principals as a YAML list)' % (principal,))
    return None


def host_problem(host):
    if host == WILDCARD:
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        # the broker compares the client's IP address, so a host name would never match
        return 'host %r is neither * nor an IP address' % (host,)
    return None


def resource_problems(resource_type, name, pattern_type):
    """Why the resource (type already known) cannot be used, as a list of messages."""
    if resource_type == 'cluster':
        problems = []
        if name != CLUSTER_NAME:
            problems.append('the cluster resource is named %r, got %r' % (CLUSTER_NAME, name))
        if pattern_type != 'literal':
            problems.append('the cluster resource takes pattern_type literal')
        return problems
    if not isinstance(name, str) or not name:
        return ['resource_name is required for resource_type %s' % resource_type]
    if name == WILDCARD:
        return ["'*' is the wildcard of literal patterns; a prefixed '*' matches nothing"] \
            if pattern_type == 'prefixed' else []
    if resource_type == 'topic' and not LEGAL_NAME.fullmatch(name):
        return ['topic name %r contains characters no topic can have (allowed: a-z A-Z 0-9 . _ -)' % name]
    return []


def entry_label(index):
    return 'acls[%d]' % index


def expand_entry(index, entry):
    """([(Binding, state)], errors) for one declared entry; every problem is named."""
    label = entry_label(index)
    errors = []
    resource_type = entry.get('resource_type')
    pattern_type = entry.get('pattern_type') or 'literal'
    permission = entry.get('permission') or 'allow'
    state = entry.get('state') or 'present'
    host = entry.get('host') or WILDCARD
    name = entry.get('resource_name')
    if resource_type == 'cluster' and name is None:
        name = CLUSTER_NAME
    principals = entry.get('principals') or []
    operations = entry.get('operations') or []

    for what, value, choices in (('resource_type', resource_type, RESOURCE_TYPES),
                                 ('pattern_type', pattern_type, PATTERN_TYPES),
                                 ('permission', permission, PERMISSIONS),
                                 ('state', state, STATES)):
        problem = _choice_problem(what, value, choices)
        if problem:
            errors.append(problem)
    if not principals:
        errors.append('principals must list at least one principal')
    errors.extend(filter(None, (principal_problem(p) for p in principals)))
    problem = host_problem(host)
    if problem:
        errors.append(problem)
    if not operations:
        errors.append('operations must list at least one operation')
    for op in operations:
        problem = _choice_problem('operation', op, OPERATIONS)
        if problem:
            errors.append(problem)
        elif resource_type in SUPPORTED_OPERATIONS and op != 'all' and op not in SUPPORTED_OPERATIONS[resource_type]:
            errors.append('operation %r does not apply to resource_type %s (it takes: all, %s)'
                          % (op, resource_type, ', '.join(SUPPORTED_OPERATIONS[resource_type])))
    if resource_type in SUPPORTED_OPERATIONS and pattern_type in PATTERN_TYPES:
        errors.extend(resource_problems(resource_type, name, pattern_type))

    if errors:
        return [], ['%s: %s' % (label, e) for e in errors]
    return [(Binding(resource_type, name, pattern_type, p, host, permission, op), state)
            for p in principals for op in operations], []


def validate_prune(prune):
    """Errors of the prune options (None: no pruning)."""
    errors = prune_errors(prune, 'every ACL of the cluster', scopes=('prefix', 'regex', 'principals'))
    return errors + ['prune: ' + p for p in filter(None, (principal_problem(p) for p in (prune or {}).get('principals') or []))]


def declare(entries, prune=None):
    """({Binding: state}, errors): the declared bindings, or every problem of the input.

    Besides each entry's own problems: a binding declared twice, declared both present and
    absent, and an allow that a declared deny of the same binding makes useless (deny wins).
    """
    declared, where, errors = {}, {}, []
    for index, entry in enumerate(entries):
        bindings, entry_errors = expand_entry(index, entry)
        errors.extend(entry_errors)
        for binding, state in bindings:
            label = entry_label(index)
            if binding in declared:
                first = where[binding]
                if declared[binding] == state:
                    errors.append('%s: %s is declared more than once (%s)'
                                  % (label, binding_line(binding), 'also in %s' % first if first != label
                                     else 'twice in this entry'))
                else:
                    errors.append('%s: %s is declared %s here and %s in %s'
                                  % (label, binding_line(binding), state, declared[binding], first))
                continue
            declared[binding] = state
            where[binding] = label
    for binding, state in sorted(declared.items()):
        if binding.permission == 'allow' and state == 'present':
            deny = binding._replace(permission='deny')
            if declared.get(deny) == 'present':
                errors.append('%s: %s has no effect, %s denies it (a deny always wins)'
                              % (where[binding], binding_line(binding), where[deny]))
    errors.extend(validate_prune(prune))
    return (declared if not errors else {}), errors


def managed(bindings):
    """The bindings this module manages: other resource types (user, delegation_token) are
    left alone, whatever the scope."""
    return set(b for b in bindings if b.resource_type in RESOURCE_TYPES)


def in_prune_scope(binding, prune):
    """Whether ``binding`` is a prune candidate: it must match every scope option given."""
    if prune.get('prefix') and not binding.resource_name.startswith(prune['prefix']):
        return False
    if prune.get('regex') and not re.fullmatch(prune['regex'], binding.resource_name):
        return False
    if prune.get('principals') and binding.principal not in prune['principals']:
        return False
    return True


def build_plan(declared, current, prune=None):
    """The plan from the declared {Binding: state} and the cluster's current bindings.
    Raises PlanError when pruning would delete more than prune['max_deletions']."""
    current = managed(current)
    creates = sorted(b for b, state in declared.items() if state == 'present' and b not in current)
    removed = sorted(b for b, state in declared.items() if state == 'absent' and b in current)
    pruned = []
    if prune is not None:
        pruned = sorted(b for b in current if b not in declared and in_prune_scope(b, prune))
        if len(pruned) > prune['max_deletions']:
            raise PlanError(['prune: would delete %d ACL bindings, more than prune_max_deletions (%d): %s'
                             % (len(pruned), prune['max_deletions'], '; '.join(binding_line(b) for b in pruned))])
    changes = [{'action': 'create', 'acl': binding_line(b)} for b in creates]
    changes += [{'action': 'delete', 'acl': binding_line(b), 'reason': 'state is absent'} for b in removed]
    changes += [{'action': 'delete', 'acl': binding_line(b), 'reason': 'pruned: not declared'} for b in pruned]
    return {'creates': creates, 'deletes': sorted(removed + pruned), 'changes': changes}


def diff(current, plan):
    """Ansible diff mode: every managed binding before and after, one sorted line each."""
    before = managed(current)
    after = (before - set(plan['deletes'])) | set(plan['creates'])

    def text(bindings):
        return ''.join(binding_line(b) + '\n' for b in sorted(bindings))
    return {'before_header': 'ACL bindings', 'after_header': 'ACL bindings',
            'before': text(before), 'after': text(after)}
