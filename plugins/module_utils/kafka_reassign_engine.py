# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""One run of kafka_reassignment, from module parameters to the task result.

Order: validate the input, read the cluster (assignment, racks, min.insync.replicas), plan
(kafka_reassign_plan), then, unless in check mode, apply (kafka_reassign_apply) and read the
throttles back. Failures are raised as KafkaModuleError; the module calls fail_json/exit_json.
"""

from __future__ import annotations

import re
import traceback

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_cluster_state import (
    MIN_ISR, effective_config, read_configs, read_metadata)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    ConfigResource, KafkaModuleError, connect)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_reassign_apply import (
    BROKER_THROTTLES, TOPIC_THROTTLES, Reassigner)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_reassign_plan import (
    ReassignPlanError, counts, plan_balance, plan_drain, validate_request)

INVALID = 'Invalid input, nothing was changed: '


def read_layout(admin, topics=None, topic_regex=None, include_internal=True, allow_busy=False):
    """(layout, state) for the topics in scope; raises ReassignPlanError for unknown topics and
    for reassignments already in progress (planning around them would double-count)."""
    state = read_metadata(admin)
    names = sorted(state['topics'])
    errors = ['topic %r does not exist' % n for n in topics or [] if n not in state['topics']]
    if topics:
        names = [n for n in names if n in topics]
    if topic_regex:
        names = [n for n in names if re.fullmatch(topic_regex, n)]
    if not include_internal:
        names = [n for n in names if not state['topics'][n]['internal']]
    busy = sorted('%s-%d' % (n, p) for n in names for p in state['reassigning'].get(n, {}))
    if busy and not allow_busy:
        errors.append('a partition reassignment is already in progress for %s; run again when it has finished '
                      '(kafka_reassignment mode report lists them)' % ', '.join(busy))
    if errors:
        raise ReassignPlanError(errors)
    read_configs(admin, state, names, keys=[MIN_ISR])
    racks = dict((b['broker_id'], b.get('rack')) for b in admin.call('describe_cluster')['brokers'])
    layout = {
        'assignment': dict((n, dict((i, list(p['replicas'])) for i, p in state['topics'][n]['partitions'].items()))
                           for n in names),
        'racks': racks,
        'min_isr': dict((n, int(effective_config(state, n, MIN_ISR) or 1)) for n in names),
    }
    return layout, state


def throttles_left(admin, brokers, topics):
    """Every replication throttle set on a live broker or a topic, as 'broker 1: key=value'."""
    resources = [ConfigResource('BROKER', str(b), list(BROKER_THROTTLES)) for b in brokers]
    resources += [ConfigResource('TOPIC', t, list(TOPIC_THROTTLES)) for t in topics]
    if not resources:
        return []
    described = admin.call('describe_configs', resources, config_filter='all')
    left = []
    for kind, own in (('broker', 'DYNAMIC_BROKER_CONFIG'), ('topic', 'DYNAMIC_TOPIC_CONFIG')):
        for name, entries in sorted(described.get(kind, {}).items()):
            for key, entry in sorted(entries.items()):
                if entry.get('config_source') == own and entry.get('value') not in (None, ''):
                    left.append('%s %s: %s=%s' % (kind, name, key, entry['value']))
    return left


def per_broker(layout, live):
    """[{'broker', 'replicas', 'leaders', 'live'}] over the brokers that are live or hold replicas."""
    replicas, leaders = counts(layout['assignment']), counts(layout['assignment'], leaders=True)
    return [{'broker': b, 'replicas': replicas.get(b, 0), 'leaders': leaders.get(b, 0), 'live': b in live}
            for b in sorted(set(replicas) | set(live))]


def _plan(params, layout, live):
    mode, brokers = params['mode'], params['brokers']
    if mode == 'drain':
        known = set(live) | set(counts(layout['assignment']))
        unknown = sorted(set(brokers) - known)
        if unknown:
            raise ReassignPlanError(['brokers %s are neither live nor hold a replica of the topics in scope' % unknown])
        return plan_drain(layout, brokers)
    return plan_balance(layout, brokers or None)


def _keyed(mapping):
    """JSON object keys are strings: broker ids as such, sorted."""
    return dict((str(b), n) for b, n in sorted(mapping.items()))


def _report(plan):
    result = dict((key, plan[key]) for key in ('moves', 'replica_moves', 'leader_changes', 'lower_bound'))
    for key in ('replicas_before', 'replicas_after', 'leaders_before', 'leaders_after'):
        result[key] = _keyed(plan[key])
    return result


def diff_entries(plan):
    """One before/after pair per partition that moves, in ``topic-partition: [replicas]`` lines."""
    def lines(side):
        return ''.join('%s-%d: %s\n' % (m['topic'], m['partition'], m[side]) for m in plan['moves'])
    return [{'before_header': 'replicas', 'after_header': 'replicas', 'before': lines('before'), 'after': lines('after')}]


def _validate(params, live=None):
    errors = validate_request(params['mode'], params['brokers'], params['batch_size'], params['throttle'],
                              params['topic_regex'], live)
    if errors:
        raise ReassignPlanError(errors)


def run_reassignment(params, check_mode=False, diff=False):
    """The task result of one kafka_reassignment run. Raises KafkaModuleError."""
    try:
        _validate(params)
    except ReassignPlanError as e:
        raise KafkaModuleError(INVALID + str(e), errors=e.errors)
    admin = connect(params)
    try:
        return _run(admin, params, check_mode, diff)
    finally:
        admin.close()


def _run(admin, params, check_mode, diff):
    try:
        live = sorted(b['broker_id'] for b in admin.call('describe_cluster')['brokers'])
        _validate(params, live)
        if params['mode'] == 'report':
            layout, state = read_layout(admin, params['topics'], params['topic_regex'], params['include_internal'],
                                        allow_busy=True)
            return dict(changed=False, brokers=live, per_broker=per_broker(layout, live),
                        reassigning=sorted('%s-%d' % (t, p) for t, parts in state['reassigning'].items() for p in parts),
                        throttles_left=throttles_left(admin, live, sorted(state['topics'])))
        layout, state = read_layout(admin, params['topics'], params['topic_regex'], params['include_internal'])
        plan = _plan(params, layout, live)
    except ReassignPlanError as e:
        raise KafkaModuleError(INVALID + str(e), errors=e.errors)
    except KafkaModuleError:
        raise
    except Exception as e:
        raise KafkaModuleError('Kafka request failed, nothing was changed: %s' % e, exception=traceback.format_exc())
    result = dict(changed=bool(plan['moves']), brokers=live, batches=-(-len(plan['moves']) // params['batch_size']),
                  per_broker=per_broker(layout, live), **_report(plan))
    if diff:
        result['diff'] = diff_entries(plan)
    if check_mode or not plan['moves']:
        return result
    reassigner = Reassigner(admin, live, params['batch_size'], params['throttle'], params['wait_timeout'])
    try:
        reassigner.run(plan['moves'])
        election_errors = reassigner.elect_preferred_leaders(plan['moves']) if params['elect_leaders'] else []
        left = throttles_left(admin, live, sorted(state['topics']))
    except Exception as e:  # say what was applied, whatever broke; the throttles are gone already
        raise KafkaModuleError('Failed after %d of %d partition reassignment(s) finished (see applied): %s'
                               % (len(reassigner.applied), len(plan['moves']), e),
                               changed=bool(reassigner.applied), applied=reassigner.applied, moves=plan['moves'],
                               exception=traceback.format_exc())
    if election_errors:
        raise KafkaModuleError('Every reassignment finished, but the preferred leader election failed for %s'
                               % '; '.join(election_errors), changed=True, applied=reassigner.applied,
                               moves=plan['moves'])
    result['throttles_left'] = left
    return result
