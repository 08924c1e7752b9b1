# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""One run of kafka_topic / kafka_topics, from module parameters to the task result.

Order: validate the input, read the cluster in a few batched calls, build one plan, have the
broker validate it (validate_only), then apply it. Nothing is changed before every check has
passed. Failures are raised as KafkaModuleError; the module faces call fail_json/exit_json.
"""

from __future__ import annotations

import time
import traceback

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_cluster_state import read_cluster
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    MAX_BACKOFF, KafkaModuleError, apply_reporting, connect)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_apply import Applier, validate_on_server
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import (
    PlanError, build_plan, validate_topics)

INVALID = 'Invalid input, nothing was changed: '


def diff_entries(changes):
    """Ansible diff mode: one before/after pair per changed topic, changed keys only."""
    return [{'before_header': c['topic'], 'after_header': c['topic'], 'before': c['before'], 'after': c['after']}
            for c in changes]


def plan_against_cluster(admin, topics, prune, allow_rf_change, wait_timeout):
    """Read the cluster and plan until the broker accepts the plan; nothing is changed here.

    When a name planned as a create is taken although the metadata does not list it, the
    topic is being deleted (ZooKeeper holds it until the deletion ends) or was just created
    by someone else: wait, read and plan again, until ``wait_timeout``.
    """
    present = [t['name'] for t in topics if t['state'] == 'present']
    deadline, delay = time.monotonic() + wait_timeout, 0.5
    while True:
        plan = build_plan(topics, read_cluster(admin, present), allow_rf_change, prune)
        taken = validate_on_server(admin, plan)
        if not taken:
            return plan
        if time.monotonic() > deadline:
            raise PlanError(['topic %r: Kafka says it exists but its metadata does not list it; it is probably '
                             'still being deleted (waited %ds), retry later' % (name, wait_timeout)
                             for name in taken])
        time.sleep(delay)
        delay = min(delay * 2, MAX_BACKOFF)


def reconcile(admin, topics, prune, allow_rf_change, wait_timeout, check_mode):
    """Plan and (unless ``check_mode``) apply; returns the plan. Raises KafkaModuleError."""
    try:
        plan = plan_against_cluster(admin, topics, prune, allow_rf_change, wait_timeout)
    except PlanError as e:
        raise KafkaModuleError(INVALID + str(e), errors=e.errors)
    except Exception as e:
        raise KafkaModuleError('Kafka request failed, nothing was changed: %s' % e, exception=traceback.format_exc())
    if check_mode:
        return plan
    applier = Applier(admin, plan, wait_timeout)
    apply_reporting(applier, plan['changes'], 'operations')
    return plan


def run_topics(params, topics, prune=None, check_mode=False, diff=False):
    """The shared body of kafka_topic and kafka_topics: (task result, warnings).
    Raises KafkaModuleError."""
    errors = validate_topics(topics, prune)
    if errors:
        raise KafkaModuleError(INVALID + '; '.join(errors), errors=errors)
    admin = connect(params)
    try:
        plan = reconcile(admin, topics, prune, params['allow_replication_factor_change'],
                         params['wait_timeout'], check_mode)
    finally:
        admin.close()
    result = dict(changed=bool(plan['changes']), changes=plan['changes'])
    if diff:
        result['diff'] = diff_entries(plan['changes'])
    return result, plan['warnings']
