# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""One run of kafka_quotas against the cluster: read the client quotas, plan (kafka_quota_plan),
let the broker validate, apply, verify on every broker.

kafka-python 3.0.12 has no admin call for client quotas, so this module speaks the protocol:
DescribeClientQuotas (API 48) and AlterClientQuotas (API 49), sent through the admin client's
connection manager to the least-loaded broker (as Kafka's own admin client does), or to one given
broker when verifying. In ZooKeeper mode any broker answers both from ZooKeeper; each broker
applies a change to its throttling when ZooKeeper notifies it, a moment later.

The input was validated before this runs. Failures are raised as KafkaModuleError; the module
calls fail_json/exit_json.
"""

from __future__ import annotations

import traceback

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    Errors, KafkaModuleError, apply_reporting, connect, with_retries)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_quota_plan import (
    DEFAULT, Entity, PlanError, build_plan, diff, entity_label, entity_sort_key, pending)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_apply import ApplyError, wait_until
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import INVALID

try:
    from kafka.protocol.admin import AlterClientQuotasRequest, DescribeClientQuotasRequest
except ImportError:
    # connect() reports the missing library before any of these is used.
    AlterClientQuotasRequest = DescribeClientQuotasRequest = None

# Entity types on the wire, in the order of Entity's fields.
USER, CLIENT_ID = 'user', 'client-id'


def to_wire_entity(entity):
    """[(entity type, name or None for the default)] of an Entity."""
    return [(kind, None if part is DEFAULT else part)
            for kind, part in ((USER, entity.user), (CLIENT_ID, entity.client_id)) if part is not None]


def from_wire_entity(parts):
    """The Entity of [(entity type, name or None)], or None for entities this module does not manage
    (IP entities, or types a newer broker may add)."""
    found = {}
    for kind, name in parts:
        if kind not in (USER, CLIENT_ID) or kind in found:
            return None
        found[kind] = DEFAULT if name is None else name
    if not found:
        return None
    return Entity(found.get(USER), found.get(CLIENT_ID))


def describe_request():
    """Every quota entity: no filter component, not strict (IP entities come too, and are dropped)."""
    return DescribeClientQuotasRequest(components=[], strict=False)


def read_describe_response(response):
    """{Entity: {key: float}} of a DescribeClientQuotas answer; raises the broker's error."""
    error = Errors.for_code(response.error_code)
    if error is not Errors.NoError:
        raise error(response.error_message or error.description)
    current = {}
    for entry in response.entries or []:
        entity = from_wire_entity([(e.entity_type, e.entity_name) for e in entry.entity])
        if entity is not None:
            current[entity] = dict((v.key, float(v.value)) for v in entry.values)
    return current


def alter_request(alterations, validate_only):
    """An AlterClientQuotas request of [(Entity, {key: value or None to remove})]."""
    entry_type = AlterClientQuotasRequest.EntryData
    return AlterClientQuotasRequest(validate_only=validate_only, entries=[
        entry_type(entity=[entry_type.EntityData(entity_type=kind, entity_name=name)
                           for kind, name in to_wire_entity(entity)],
                   ops=[entry_type.OpData(key=key, value=0.0 if value is None else float(value), remove=value is None)
                        for key, value in sorted(ops.items())])
        for entity, ops in alterations])


def read_alter_response(alterations, response):
    """{Entity: message} of the entries the broker refused (or did not answer)."""
    answered = {}
    for entry in response.entries:
        entity = from_wire_entity([(e.entity_type, e.entity_name) for e in entry.entity])
        answered[entity] = (entry.error_code, entry.error_message)
    failed = {}
    for entity, _ in alterations:
        if entity not in answered:
            failed[entity] = 'the broker gave no answer for it'
            continue
        code, message = answered[entity]
        error = Errors.for_code(code)
        if error is not Errors.NoError:
            failed[entity] = '%s (%s)' % (error.message, message or error.description)
    return failed


class QuotaClient:
    """The two quota requests over a KafkaAdmin's connections, each retried on retriable errors.
    Retrying an alteration is safe: it sets absolute values and removes keys."""

    def __init__(self, admin):
        self.admin = admin

    @property
    def _manager(self):
        return self.admin.client._manager

    def _send(self, make_request, read, node_id=None):
        def attempt():
            response = self._manager.run(self._manager.send, make_request(), node_id)
            return read(response)
        return with_retries(attempt, self.admin.retries)

    def brokers(self):
        """The ids of the brokers the client knows from the cluster metadata."""
        return sorted(b.node_id for b in self._manager.cluster.brokers())

    def describe(self, node_id=None):
        return self._send(describe_request, read_describe_response, node_id)

    def alter(self, alterations, validate_only=False):
        return self._send(lambda: alter_request(alterations, validate_only),
                          lambda response: read_alter_response(alterations, response))


def _refusals(failed, template='%s: %s'):
    """One line per refused entity, in the plan's order."""
    return [template % (entity_label(e), message)
            for e, message in sorted(failed.items(), key=lambda item: entity_sort_key(item[0]))]


class Applier:
    """Applies a plan's alterations in one request, then waits until every broker shows them.
    Records the changes the broker accepted in ``applied``; raises ApplyError on a refusal."""

    def __init__(self, client, plan, wait_timeout):
        self.client = client
        self.plan = plan
        self.wait_timeout = wait_timeout
        self.applied = []
        self.warnings = []

    def validate(self):
        """The broker's own check of every alteration (validate_only: nothing is changed).
        Returns the refusals, one line per entity."""
        if not self.plan['alterations']:
            return []
        return _refusals(self.client.alter(self.plan['alterations'], validate_only=True))

    def run(self):
        if not self.plan['alterations']:
            return
        failed = self.client.alter(self.plan['alterations'])
        # the plan's changes are its alterations, one for one, in the same order
        self.applied = [change for (entity, _), change in zip(self.plan['alterations'], self.plan['changes'])
                        if entity not in failed]
        if failed:
            raise ApplyError('; '.join(_refusals(failed, 'alteration of the quotas of %s failed: %s')))
        self.verify()

    def verify(self):
        """Read the quotas back from every broker until each shows the result."""
        expected = self.plan['expected']

        def not_yet():
            left = []
            for node_id in self.client.brokers() or [None]:
                where = '' if node_id is None else ' (broker %s)' % node_id
                left.extend(label + where for label in pending(expected, self.client.describe(node_id)))
            return left
        wait_until('the brokers to show the changed client quotas', not_yet, self.wait_timeout)


def run_quotas(params, declared, prune, check_mode=False, with_diff=False):
    """(task result, warnings) of one run for validated input. Raises KafkaModuleError."""
    admin = connect(params)
    try:
        client = QuotaClient(admin)
        try:
            current = client.describe()
        except Exception as e:
            raise KafkaModuleError('Cannot read the client quotas, nothing was changed: %s' % e,
                                   exception=traceback.format_exc())
        try:
            plan = build_plan(declared, current, prune)
        except PlanError as e:
            raise KafkaModuleError(INVALID + str(e), errors=e.errors)
        applier = Applier(client, plan, params['wait_timeout'])
        try:
            refused = applier.validate()
        except Exception as e:
            raise KafkaModuleError('The broker could not validate the quota changes, nothing was changed: %s' % e,
                                   changes=plan['changes'], exception=traceback.format_exc())
        if refused:
            raise KafkaModuleError('The broker refused quota changes, nothing was changed: ' + '; '.join(refused),
                                   errors=refused, changes=plan['changes'])
        if not check_mode:
            apply_reporting(applier, plan['changes'], 'quota changes')
    finally:
        admin.close()
    result = dict(changed=bool(plan['changes']), changes=plan['changes'])
    if with_diff:
        result['diff'] = diff(current, plan)
    return result, applier.warnings
