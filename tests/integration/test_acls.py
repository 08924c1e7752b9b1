# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""kafka_acls against a real cluster, run through Ansible.

Needs KAFKA_BOOTSTRAP_SERVERS and brokers that run an authorizer (authorizer.class.name);
without one every test is skipped, saying so. The principals and resource names of this module
carry a unique tag, and every ACL of those principals is deleted at the end. The state of the
cluster is read with kafka-python directly, not with the module's code.
"""

import time
import uuid

import kafka.errors as Errors
import pytest
from kafka.admin import (ACL, ACLFilter, ACLOperation, ACLPermissionType, ACLResourcePatternType, KafkaAdminClient,
                         ResourcePattern, ResourcePatternFilter, ResourceType)

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_acl_apply import Applier
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_acl_plan import Binding
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import KafkaAdmin
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_apply import ApplyError

EVERYTHING = ACLFilter(principal=None, host=None, operation=ACLOperation.ANY, permission_type=ACLPermissionType.ANY,
                       resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY))


def ok(result):
    assert not result.get('failed'), result.get('msg')
    return result


def acls_of(admin, tag):
    """{(resource type, name, pattern, principal, host, permission, operation)} of the tagged principals,
    in lower case like the module's options."""
    acls, _ = admin.describe_acls(EVERYTHING)
    return set((a.resource_pattern.resource_type.name.lower(), a.resource_pattern.resource_name,
                a.resource_pattern.pattern_type.name.lower(), a.principal, a.host,
                a.permission_type.name.lower(), a.operation.name.lower())
               for a in acls if tag in a.principal)


def settled(admin, tag, expected=None, timeout=30):
    """The tagged ACLs once several reads in a row agree (and equal ``expected`` if given): each
    read may be answered by another broker, which learns of changes a moment later."""
    deadline, last, agreeing = time.monotonic() + timeout, None, 0
    while agreeing < 5:
        current = acls_of(admin, tag)
        agreeing = agreeing + 1 if current == last and (expected is None or current == expected) else 0
        last = current
        assert time.monotonic() < deadline, 'the ACLs did not settle: %s' % sorted(current)
        time.sleep(0.2)
    return last


def add(admin, *bindings):
    """Set-up without the module under test."""
    result = admin.create_acls([ACL(principal=p, host=h, operation=ACLOperation[o.upper()],
                                    permission_type=ACLPermissionType[perm.upper()],
                                    resource_pattern=ResourcePattern(ResourceType[t.upper()], n,
                                                                     ACLResourcePatternType[pt.upper()]))
                                for t, n, pt, p, h, perm, o in bindings])
    assert result['failed'] == []


@pytest.fixture(scope='module')
def authorizer(admin):
    try:
        admin.describe_acls(EVERYTHING)
    except Errors.SecurityDisabledError:
        pytest.skip('the brokers run no authorizer (describe_acls answers SECURITY_DISABLED): kafka_acls needs '
                    'an authorizer (kafka_authorizer_enabled)')


@pytest.fixture
def tag(admin, authorizer):
    """A unique tag for the principals and resource names of one test; its ACLs are deleted at the end."""
    value = 'it-acl-%s' % uuid.uuid4().hex[:8]
    yield value
    acls, _ = admin.describe_acls(EVERYTHING)
    doomed = [a for a in acls if value in a.principal]
    if doomed:
        admin.delete_acls(doomed)


def test_create_then_rerun_is_unchanged(ansible, admin, tag):
    app, ops = 'User:%s-app' % tag, 'User:%s-ops' % tag
    acls = [
        {'principals': [app, ops], 'operations': ['read', 'describe'], 'resource_type': 'topic',
         'resource_name': tag + '.', 'pattern_type': 'prefixed'},
        {'principals': [app], 'operations': ['read'], 'resource_type': 'group', 'resource_name': tag + '-g'},
        {'principals': [app], 'operations': ['idempotent_write'], 'resource_type': 'cluster'},
        {'principals': [app], 'operations': ['write'], 'resource_type': 'transactional_id',
         'resource_name': tag + '-tx', 'host': '127.0.0.1'},
        {'principals': [ops], 'operations': ['all'], 'permission': 'deny', 'resource_type': 'topic',
         'resource_name': tag + '.secret'},
    ]
    first = ok(ansible('kafka_acls', {'acls': acls}))
    assert first['changed'] is True
    assert [c['action'] for c in first['changes']] == ['create'] * 8
    assert "topic '%s.secret' (literal): deny %s all from *" % (tag, ops) in [c['acl'] for c in first['changes']]
    assert settled(admin, tag) == {
        ('topic', tag + '.', 'prefixed', app, '*', 'allow', 'read'),
        ('topic', tag + '.', 'prefixed', app, '*', 'allow', 'describe'),
        ('topic', tag + '.', 'prefixed', ops, '*', 'allow', 'read'),
        ('topic', tag + '.', 'prefixed', ops, '*', 'allow', 'describe'),
        ('group', tag + '-g', 'literal', app, '*', 'allow', 'read'),
        ('cluster', 'kafka-cluster', 'literal', app, '*', 'allow', 'idempotent_write'),
        ('transactional_id', tag + '-tx', 'literal', app, '127.0.0.1', 'allow', 'write'),
        ('topic', tag + '.secret', 'literal', ops, '*', 'deny', 'all'),
    }

    again = ok(ansible('kafka_acls', {'acls': acls}, diff=True))
    assert again['changed'] is False and again['changes'] == []
    assert again['diff']['before'] == again['diff']['after']


def test_check_mode_predicts_the_run_and_changes_nothing(ansible, admin, tag):
    keep, old = 'User:%s-keep' % tag, 'User:%s-old' % tag
    add(admin, ('topic', tag, 'literal', keep, '*', 'allow', 'read'), ('topic', tag, 'literal', old, '*', 'allow', 'read'))
    before = settled(admin, tag)
    acls = [{'principals': [keep], 'operations': ['read', 'write'], 'resource_type': 'topic', 'resource_name': tag},
            {'principals': [old], 'operations': ['read'], 'resource_type': 'topic', 'resource_name': tag,
             'state': 'absent'}]

    predicted = ok(ansible('kafka_acls', {'acls': acls}, check=True, diff=True))
    assert predicted['changed'] is True
    assert predicted['changes'] == [
        {'action': 'create', 'acl': "topic '%s' (literal): allow %s write from *" % (tag, keep)},
        {'action': 'delete', 'acl': "topic '%s' (literal): allow %s read from *" % (tag, old),
         'reason': 'state is absent'}]
    new_line = "topic '%s' (literal): allow %s write from *\n" % (tag, keep)
    old_line = "topic '%s' (literal): allow %s read from *\n" % (tag, old)
    assert new_line not in predicted['diff']['before'] and new_line in predicted['diff']['after']
    assert old_line in predicted['diff']['before'] and old_line not in predicted['diff']['after']
    assert settled(admin, tag) == before

    done = ok(ansible('kafka_acls', {'acls': acls}))
    assert done['changes'] == predicted['changes']
    assert settled(admin, tag) == {('topic', tag, 'literal', keep, '*', 'allow', 'read'),
                                   ('topic', tag, 'literal', keep, '*', 'allow', 'write')}


def test_prune_is_scoped_and_capped(ansible, admin, tag):
    app, other = 'User:%s-app' % tag, 'User:%s-other' % tag
    scope = tag + '.p.'
    add(admin, ('topic', scope + 'keep', 'literal', app, '*', 'allow', 'read'),
        ('topic', scope + 'x', 'literal', app, '*', 'allow', 'read'),
        ('topic', scope, 'prefixed', other, '*', 'allow', 'write'),
        ('topic', tag + '.outside', 'literal', app, '*', 'allow', 'read'),
        ('group', scope + 'g', 'literal', app, '*', 'allow', 'read'))
    before = settled(admin, tag)
    declared = [{'principals': [app], 'operations': ['read'], 'resource_type': 'topic', 'resource_name': scope + 'keep'}]

    capped = ansible('kafka_acls', {'acls': declared, 'prune': True, 'prune_prefix': scope, 'prune_max_deletions': 2})
    assert capped.get('failed')
    assert capped['msg'].startswith('Invalid input, nothing was changed: prune: would delete 3 ACL bindings, '
                                    'more than prune_max_deletions (2): ')
    assert settled(admin, tag) == before

    by_principal = ok(ansible('kafka_acls', {'acls': declared, 'prune': True, 'prune_prefix': scope,
                                             'prune_principals': [app], 'prune_max_deletions': 2}))
    assert [(c['action'], c['acl'], c['reason']) for c in by_principal['changes']] == [
        ('delete', "group '%sg' (literal): allow %s read from *" % (scope, app), 'pruned: not declared'),
        ('delete', "topic '%sx' (literal): allow %s read from *" % (scope, app), 'pruned: not declared')]
    assert settled(admin, tag) == {('topic', scope + 'keep', 'literal', app, '*', 'allow', 'read'),
                                   ('topic', scope, 'prefixed', other, '*', 'allow', 'write'),
                                   ('topic', tag + '.outside', 'literal', app, '*', 'allow', 'read')}


def test_bad_input_is_refused_and_changes_nothing(ansible, admin, tag):
    app = 'User:%s-app' % tag
    add(admin, ('topic', tag, 'literal', app, '*', 'allow', 'read'))
    before = settled(admin, tag)
    result = ansible('kafka_acls', {'prune': True, 'prune_principals': [app], 'acls': [
        {'principals': [app], 'operations': ['write'], 'resource_type': 'topic', 'resource_name': tag},  # valid
        {'principals': [tag], 'operations': ['read'], 'resource_type': 'topic', 'resource_name': tag},
        {'principals': [app], 'operations': ['write'], 'resource_type': 'group', 'resource_name': tag},
        {'principals': [app], 'operations': ['alter'], 'resource_type': 'cluster', 'resource_name': tag},
        {'principals': [app], 'operations': ['read'], 'resource_type': 'topic', 'resource_name': tag,
         'host': 'localhost'},
    ]})
    assert result.get('failed'), result
    assert result['errors'] == [
        "acls[1]: principal '%s' is not of the form Type:name, for example User:alice (a string is split at commas "
        "by Ansible: give principals as a YAML list)" % tag,
        "acls[2]: operation 'write' does not apply to resource_type group (it takes: all, read, describe, delete)",
        "acls[3]: the cluster resource is named 'kafka-cluster', got '%s'" % tag,
        "acls[4]: host 'localhost' is neither * nor an IP address"]
    assert settled(admin, tag) == before


def test_a_broker_error_is_reported_with_what_was_done(bootstrap, admin, tag):
    # The module's validation refuses a cluster resource with another name, so the plan is made
    # by hand: the broker refuses that binding and creates the other one.
    app = 'User:%s-app' % tag
    good = Binding('topic', tag, 'literal', app, '*', 'allow', 'read')
    bad = Binding('cluster', tag, 'literal', app, '*', 'allow', 'alter')
    client = KafkaAdminClient(bootstrap_servers=bootstrap.split(','), client_id='it-acls')
    try:
        applier = Applier(KafkaAdmin(client, retries=3, timeout_ms=30000),
                          {'creates': [bad, good], 'deletes': [], 'changes': []}, wait_timeout=30)
        with pytest.raises(ApplyError) as e:
            applier.run()
    finally:
        client.close()
    assert str(e.value).startswith("create of cluster '%s' (literal): allow %s alter from * failed: INVALID_REQUEST"
                                   % (tag, app))
    assert applier.applied == [{'action': 'create', 'acl': "topic '%s' (literal): allow %s read from *" % (tag, app)}]
    assert settled(admin, tag) == {('topic', tag, 'literal', app, '*', 'allow', 'read')}
