# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""One run of kafka_acls against the cluster: read the ACLs, plan (kafka_acl_plan), apply, verify.

The input was validated before this runs. Failures are raised as KafkaModuleError; the module
calls fail_json/exit_json.
"""

from __future__ import annotations

import traceback

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_acl_plan import (
    Binding, PlanError, binding_line, build_plan, diff)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import (
    Errors, KafkaModuleError, apply_reporting, connect)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_apply import ApplyError, wait_until
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_engine import INVALID

try:
    from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType,
                             ResourcePattern, ResourcePatternFilter, ResourceType)
except ImportError:
    # connect() reports the missing library before any of these is used.
    ACL = ACLFilter = ACLOperation = ACLPermissionType = ACLResourcePatternType = None
    ResourcePattern = ResourcePatternFilter = ResourceType = None

NO_AUTHORIZER = ('the brokers run no authorizer (SECURITY_DISABLED), so they keep no ACLs: set authorizer.class.name '
                 'on every node first (kafka_authorizer_enabled of the role kafka_ansible.cluster.kafka)')


def to_acl(b):
    """kafka-python ACL of a Binding (also usable as the exact filter that deletes it)."""
    return ACL(principal=b.principal, host=b.host, operation=ACLOperation[b.operation.upper()],
               permission_type=ACLPermissionType[b.permission.upper()],
               resource_pattern=ResourcePattern(ResourceType[b.resource_type.upper()], b.resource_name,
                                                ACLResourcePatternType[b.pattern_type.upper()]))


def from_acl(acl):
    pattern = acl.resource_pattern
    return Binding(pattern.resource_type.name.lower(), pattern.resource_name, pattern.pattern_type.name.lower(),
                   acl.principal, acl.host, acl.permission_type.name.lower(), acl.operation.name.lower())


def read_bindings(admin):
    """Every ACL binding of the cluster, as a set of Bindings (one DescribeAcls request)."""
    everything = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY,
                           permission_type=ACLPermissionType.ANY,
                           resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))
    acls, _ = admin.call('describe_acls', everything)
    return set(from_acl(acl) for acl in acls)


class Applier:
    """Creates, then deletes, then checks that the cluster shows the result; records every
    binding it changed in ``applied`` and raises ApplyError at the first failure.

    Creates come first: the state in between (old plus new bindings) allows nothing that neither
    the old nor the new ACLs allow, whereas deleting first could drop a deny before its
    replacement exists. A failed create stops the run before any delete for the same reason.
    """

    def __init__(self, admin, plan, wait_timeout):
        self.admin = admin
        self.plan = plan
        self.wait_timeout = wait_timeout
        self.applied = []
        self.warnings = []

    def run(self):
        self.creates()
        self.deletes()
        self.verify()

    def creates(self):
        acls = [to_acl(b) for b in self.plan['creates']]
        if not acls:
            return
        result = self.admin.call('create_acls', acls)
        # kafka-python returns the ACLs that succeeded and, in request order, the errors of the others
        succeeded = set(id(acl) for acl in result['succeeded'])
        failed = [b for b, acl in zip(self.plan['creates'], acls) if id(acl) not in succeeded]
        self.applied.extend({'action': 'create', 'acl': binding_line(b)}
                            for b, acl in zip(self.plan['creates'], acls) if id(acl) in succeeded)
        if failed:
            raise ApplyError('; '.join('create of %s failed: %s (%s)'
                                       % (binding_line(b), error.message, error.description)
                                       for b, error in zip(failed, result['failed'])))

    def deletes(self):
        if not self.plan['deletes']:
            return
        # each filter is a complete binding, so it matches exactly that binding
        results = self.admin.call('delete_acls', [to_acl(b) for b in self.plan['deletes']])
        failures = []
        for b, (_, matched, error) in zip(self.plan['deletes'], results):
            if error is not Errors.NoError:
                failures.append('delete of %s failed: %s (%s)' % (binding_line(b), error.message, error.description))
                continue
            self.applied.append({'action': 'delete', 'acl': binding_line(b)})
            if not matched:
                self.warnings.append('%s was already gone when it was to be deleted' % binding_line(b))
        if failures:
            raise ApplyError('; '.join(failures))

    def verify(self):
        """Wait until the cluster shows every create and no delete. kafka-python drops the error
        codes of single bindings in a DeleteAcls answer, and another broker's view can lag
        behind the one that answered: this check is what proves the run did its work."""
        if not self.applied:
            return
        creates, deletes = set(self.plan['creates']), set(self.plan['deletes'])

        def not_yet():
            current = read_bindings(self.admin)
            return [binding_line(b) for b in sorted((creates - current) | (deletes & current))]
        wait_until('the cluster to show the changed ACL bindings', not_yet, self.wait_timeout)


def run_acls(params, declared, prune, check_mode=False, with_diff=False):
    """(task result, warnings) of one run for validated input. Raises KafkaModuleError."""
    admin = connect(params)
    try:
        try:
            current = read_bindings(admin)
        except Errors.SecurityDisabledError:
            raise KafkaModuleError('Cannot read the ACLs, nothing was changed: ' + NO_AUTHORIZER)
        except Exception as e:
            raise KafkaModuleError('Cannot read the ACLs, nothing was changed: %s' % e,
                                   exception=traceback.format_exc())
        try:
            plan = build_plan(declared, current, prune)
        except PlanError as e:
            raise KafkaModuleError(INVALID + str(e), errors=e.errors)
        applier = Applier(admin, plan, params['wait_timeout'])
        if not check_mode:
            apply_reporting(applier, plan['changes'], 'ACL changes')
    finally:
        admin.close()
    result = dict(changed=bool(plan['changes']), changes=plan['changes'])
    if with_diff:
        result['diff'] = diff(current, plan)
    return result, applier.warnings
