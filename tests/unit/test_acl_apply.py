# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The thin layer between ACL plans and kafka-python: conversions and how answers are read.

The conversions use the real kafka-python classes. ``FakeAdmin`` answers in kafka-python's
shapes (checked against kafka-python 3.0.12's kafka/admin/_acls.py); the real broker is the
integration test's job (tests/integration/test_acls.py).
"""

import itertools

import kafka.errors as Errors
import pytest
from kafka.admin import ACL, ACLFilter, ACLOperation, ACLResourcePatternType, ResourceType

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_acl_apply
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_acl_apply import (
    Applier, from_acl, run_acls, to_acl)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_acl_plan import (
    PATTERN_TYPES, PERMISSIONS, SUPPORTED_OPERATIONS, Binding, build_plan, declare)
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import KafkaModuleError
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_apply import ApplyError


def binding(principal='User:alice', operation='read', resource_name='orders', permission='allow'):
    return Binding('topic', resource_name, 'literal', principal, '*', permission, operation)


class FakeAdmin:
    """KafkaAdmin over an in-memory ACL store. ``refuse`` {Binding: error class} makes the
    broker refuse that create or delete; ``sticky`` bindings stay although their delete
    "succeeds" (the per-binding error kafka-python drops)."""

    retries, timeout_ms = 0, 1000

    def __init__(self, bindings=(), refuse=None, sticky=(), security_disabled=False):
        self.bindings = set(bindings)
        self.refuse = refuse or {}
        self.sticky = set(sticky)
        self.security_disabled = security_disabled
        self.calls = []
        self.closed = False

    def call(self, method, *args, **kwargs):
        self.calls.append(method)
        return getattr(self, method)(*args)

    def describe_acls(self, acl_filter):
        assert acl_filter.resource_pattern.resource_type == ResourceType.ANY
        if self.security_disabled:
            raise Errors.SecurityDisabledError('No Authorizer is configured on the broker')
        return [to_acl(b) for b in self.bindings], Errors.NoError

    def create_acls(self, acls):
        result = {'succeeded': [], 'failed': []}
        for acl in acls:
            b = from_acl(acl)
            if b in self.refuse:
                result['failed'].append(self.refuse[b])
            else:
                self.bindings.add(b)
                result['succeeded'].append(acl)
        return result

    def delete_acls(self, filters):
        results = []
        for acl_filter in filters:
            assert isinstance(acl_filter, ACLFilter)
            b = from_acl(acl_filter)
            if b in self.refuse:
                results.append((acl_filter, [], self.refuse[b]))
                continue
            matched = [acl_filter] if b in self.bindings else []
            if b not in self.sticky:
                self.bindings.discard(b)
            results.append((acl_filter, matched, Errors.NoError))
        return results

    def close(self):
        self.closed = True


def plan_for(current, *entries, prune=None):
    declared, errors = declare(list(entries), prune)
    assert errors == []
    return build_plan(declared, current, prune)


def entry(principals=('User:alice',), operations=('read',), resource_name='orders', state='present'):
    return {'principals': list(principals), 'operations': list(operations), 'resource_type': 'topic',
            'resource_name': resource_name, 'state': state}


# ---------------------------------------------------------------- conversions

def every_binding():
    for resource_type, operations in SUPPORTED_OPERATIONS.items():
        name = 'kafka-cluster' if resource_type == 'cluster' else 'x'
        for op, pattern, permission in itertools.product(('all',) + operations, PATTERN_TYPES, PERMISSIONS):
            yield Binding(resource_type, name, pattern, 'User:a', '10.0.0.1', permission, op)


def test_every_binding_survives_the_round_trip_through_kafka_python():
    bindings = list(every_binding())
    assert len(bindings) == 4 * (9 + 4 + 8 + 3)
    for b in bindings:
        acl = to_acl(b)
        assert isinstance(acl, ACL)
        assert from_acl(acl) == b


def test_to_acl_uses_kafka_python_enums():
    acl = to_acl(Binding('transactional_id', 'tx-', 'prefixed', 'User:a', '*', 'deny', 'write'))
    assert (acl.operation, acl.resource_pattern.resource_type, acl.resource_pattern.pattern_type) == (
        ACLOperation.WRITE, ResourceType.TRANSACTIONAL_ID, ACLResourcePatternType.PREFIXED)


# ---------------------------------------------------------------- applying

def test_applies_creates_then_deletes_and_verifies():
    admin = FakeAdmin({binding('User:old')})
    plan = plan_for(admin.bindings, entry(), entry(principals=['User:old'], state='absent'))
    applier = Applier(admin, plan, wait_timeout=0)
    applier.run()
    assert admin.calls == ['create_acls', 'delete_acls', 'describe_acls']
    assert admin.bindings == {binding()}
    assert applier.applied == [
        {'action': 'create', 'acl': "topic 'orders' (literal): allow User:alice read from *"},
        {'action': 'delete', 'acl': "topic 'orders' (literal): allow User:old read from *"}]
    assert applier.warnings == []


def test_a_refused_create_names_its_binding_and_stops_before_deletes():
    refused = binding('User:b')
    admin = FakeAdmin({binding('User:old')}, refuse={refused: Errors.InvalidRequestError})
    plan = plan_for(admin.bindings, entry(principals=['User:a', 'User:b', 'User:c']),
                    entry(principals=['User:old'], state='absent'))
    applier = Applier(admin, plan, wait_timeout=0)
    with pytest.raises(ApplyError) as e:
        applier.run()
    assert str(e.value) == ("create of topic 'orders' (literal): allow User:b read from * failed: INVALID_REQUEST (%s)"
                            % Errors.InvalidRequestError.description)
    assert [a['acl'] for a in applier.applied] == ["topic 'orders' (literal): allow User:a read from *",
                                                    "topic 'orders' (literal): allow User:c read from *"]
    assert 'delete_acls' not in admin.calls and binding('User:old') in admin.bindings


def test_a_refused_delete_is_reported_with_what_was_deleted():
    admin = FakeAdmin({binding('User:a'), binding('User:b')}, refuse={binding('User:b'): Errors.ClusterAuthorizationFailedError})
    plan = plan_for(admin.bindings, entry(principals=['User:a', 'User:b'], state='absent'))
    applier = Applier(admin, plan, wait_timeout=0)
    with pytest.raises(ApplyError) as e:
        applier.run()
    assert str(e.value).startswith("delete of topic 'orders' (literal): allow User:b read from * failed: "
                                   "CLUSTER_AUTHORIZATION_FAILED (")
    assert applier.applied == [{'action': 'delete', 'acl': "topic 'orders' (literal): allow User:a read from *"}]


def test_a_delete_that_matched_nothing_is_a_warning():
    admin = FakeAdmin()
    plan = {'creates': [], 'deletes': [binding()], 'changes': []}   # someone else deleted it after planning
    applier = Applier(admin, plan, wait_timeout=0)
    applier.run()
    assert applier.warnings == ["topic 'orders' (literal): allow User:alice read from * was already gone when it "
                                "was to be deleted"]


def test_a_binding_still_there_after_its_delete_fails_the_run():
    """kafka-python drops per-binding error codes of DeleteAcls: the verification catches them."""
    admin = FakeAdmin({binding()}, sticky={binding()})
    plan = plan_for(admin.bindings, entry(state='absent'))
    with pytest.raises(ApplyError) as e:
        Applier(admin, plan, wait_timeout=0).run()
    assert str(e.value) == ("timed out after 0s waiting for the cluster to show the changed ACL bindings: "
                            "topic 'orders' (literal): allow User:alice read from *")


# ---------------------------------------------------------------- one run

PARAMS = {'wait_timeout': 0}


@pytest.fixture
def cluster(monkeypatch):
    """Make run_acls connect to the FakeAdmin it returns."""
    def use(admin):
        monkeypatch.setattr(kafka_acl_apply, 'connect', lambda params: admin)
        return admin
    return use


def test_check_mode_returns_the_plan_and_changes_nothing(cluster):
    admin = cluster(FakeAdmin({binding('User:old')}))
    declared, _ = declare([entry(), entry(principals=['User:old'], state='absent')])
    result, warnings = run_acls(PARAMS, declared, None, check_mode=True, with_diff=True)
    assert admin.calls == ['describe_acls'] and admin.closed
    assert admin.bindings == {binding('User:old')}
    assert result['changed'] is True
    assert [c['action'] for c in result['changes']] == ['create', 'delete']
    assert result['diff']['before'] == "topic 'orders' (literal): allow User:old read from *\n"
    assert result['diff']['after'] == "topic 'orders' (literal): allow User:alice read from *\n"


def test_a_real_run_then_a_second_one_changes_nothing(cluster):
    admin = cluster(FakeAdmin())
    declared, _ = declare([entry(operations=['read', 'write'])])
    first, _ = run_acls(PARAMS, declared, None)
    second, _ = run_acls(PARAMS, declared, None)
    assert first['changed'] is True and len(first['changes']) == 2
    assert admin.bindings == {binding(operation='read'), binding(operation='write')}
    assert second == {'changed': False, 'changes': []}


def test_no_authorizer_is_a_clear_failure(cluster):
    admin = cluster(FakeAdmin(security_disabled=True))
    with pytest.raises(KafkaModuleError) as e:
        run_acls(PARAMS, {}, None)
    assert e.value.msg == ('Cannot read the ACLs, nothing was changed: the brokers run no authorizer '
                           '(SECURITY_DISABLED), so they keep no ACLs: set authorizer.class.name on every node first '
                           '(kafka_authorizer_enabled of the role kafka_ansible.cluster.kafka)')
    assert admin.closed


def test_a_prune_above_the_maximum_changes_nothing(cluster):
    admin = cluster(FakeAdmin({binding('User:a'), binding('User:b')}))
    prune = {'prefix': 'ord', 'regex': None, 'principals': [], 'max_deletions': 1}
    with pytest.raises(KafkaModuleError) as e:
        run_acls(PARAMS, {}, prune)
    assert e.value.msg.startswith('Invalid input, nothing was changed: prune: would delete 2 ACL bindings')
    assert admin.calls == ['describe_acls'] and len(admin.bindings) == 2


def test_a_failure_after_changes_began_says_what_was_applied(cluster):
    cluster(FakeAdmin(refuse={binding('User:b'): Errors.InvalidRequestError}))
    declared, _ = declare([entry(principals=['User:a', 'User:b'])])
    with pytest.raises(KafkaModuleError) as e:
        run_acls(PARAMS, declared, None)
    assert e.value.msg.startswith('Failed after applying 1 ACL changes (see applied): create of ')
    assert e.value.result['changed'] is True
    assert e.value.result['applied'] == [{'action': 'create', 'acl': "topic 'orders' (literal): allow User:a read from *"}]
    assert len(e.value.result['changes']) == 2
