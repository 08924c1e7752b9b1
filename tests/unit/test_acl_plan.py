# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""ACL declarations, plans and diffs: pure functions, exact plans and exact messages."""

import pytest

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_acl_plan import (
    OPERATIONS, SUPPORTED_OPERATIONS, Binding, PlanError, binding_line, build_plan, declare, diff, expand_entry,
    host_problem, principal_problem, validate_prune)


def entry(principals=('User:alice',), operations=('read',), resource_type='topic', resource_name='orders',
          pattern_type='literal', permission='allow', host='*', state='present'):
    """An entry as Ansible hands it over: every option present, defaults filled in."""
    return {'principals': list(principals), 'operations': list(operations), 'resource_type': resource_type,
            'resource_name': resource_name, 'pattern_type': pattern_type, 'permission': permission,
            'host': host, 'state': state}


def binding(principal='User:alice', operation='read', resource_type='topic', resource_name='orders',
            pattern_type='literal', permission='allow', host='*'):
    return Binding(resource_type, resource_name, pattern_type, principal, host, permission, operation)


def declared(*entries, **kwargs):
    result, errors = declare(list(entries), **kwargs)
    assert errors == []
    return result


def errors_of(*entries, **kwargs):
    result, errors = declare(list(entries), **kwargs)
    assert result == {}, 'invalid input must declare nothing'
    return errors


def prune(prefix=None, regex=None, principals=(), max_deletions=10):
    return {'prefix': prefix, 'regex': regex, 'principals': list(principals), 'max_deletions': max_deletions}


# ---------------------------------------------------------------- the vocabulary

def test_operations_are_the_union_of_what_the_resource_types_take():
    assert OPERATIONS == ('all', 'alter', 'alter_configs', 'cluster_action', 'create', 'delete', 'describe',
                          'describe_configs', 'idempotent_write', 'read', 'write')
    assert sorted(SUPPORTED_OPERATIONS) == ['cluster', 'group', 'topic', 'transactional_id']


def test_binding_line_says_everything_and_sorts_by_resource():
    assert binding_line(binding()) == "topic 'orders' (literal): allow User:alice read from *"
    assert binding_line(binding('User:bob', 'write', 'group', 'app-', 'prefixed', 'deny', '10.0.0.1')) == \
        "group 'app-' (prefixed): deny User:bob write from 10.0.0.1"
    unsorted = [binding(resource_name='b'), binding('User:zed', resource_name='a'), binding(resource_name='a')]
    assert [binding_line(b) for b in sorted(unsorted)] == [
        "topic 'a' (literal): allow User:alice read from *",
        "topic 'a' (literal): allow User:zed read from *",
        "topic 'b' (literal): allow User:alice read from *"]


@pytest.mark.parametrize('principal, ok', [
    ('User:alice', True),
    ('User:*', True),
    ('Group:admins', True),
    ('User:CN=app,OU=Kafka,O=Example', True),
    ('User:CN=app, OU=Kafka', True),
    ('alice', False),
    ('User:', False),
    (':alice', False),
    ('User: alice', False),
    ('User:alice ', False),
    ('User:alice\n', False),
    ('1User:alice', False),
    ('OU=Kafka', False),          # what is left of a DN given as a string and split by Ansible
    (None, False),
])
def test_principal_form(principal, ok):
    problem = principal_problem(principal)
    assert (problem is None) is ok
    if not ok:
        assert problem == ('principal %r is not of the form Type:name, for example User:alice (a string is split '
                           'at commas by Ansible: give principals as a YAML list)' % (principal,))


@pytest.mark.parametrize('host, ok', [
    ('*', True), ('10.1.2.3', True), ('::1', True), ('fe80::1', True),
    ('kafka1.example.com', False), ('10.1.2.300', False), ('10.0.0.0/8', False), ('', False),
])
def test_host_is_the_wildcard_or_an_ip_address(host, ok):
    assert (host_problem(host) is None) is ok
    if not ok:
        assert host_problem(host) == 'host %r is neither * nor an IP address' % host


# ---------------------------------------------------------------- expanding and validating entries

def test_an_entry_expands_into_one_binding_per_principal_and_operation():
    bindings, errors = expand_entry(0, entry(principals=['User:a', 'User:b'], operations=['read', 'describe']))
    assert errors == []
    assert bindings == [(binding('User:a', 'read'), 'present'), (binding('User:a', 'describe'), 'present'),
                        (binding('User:b', 'read'), 'present'), (binding('User:b', 'describe'), 'present')]


def test_defaults_when_options_are_missing():
    """The pure layer does not rely on Ansible filling in the defaults."""
    bindings, errors = expand_entry(0, {'principals': ['User:a'], 'operations': ['read'], 'resource_type': 'topic',
                                        'resource_name': 't'})
    assert errors == []
    assert bindings == [(binding('User:a', 'read', resource_name='t'), 'present')]


def test_the_cluster_is_named_kafka_cluster_by_default():
    bindings, errors = expand_entry(0, entry(operations=['idempotent_write'], resource_type='cluster',
                                             resource_name=None))
    assert errors == []
    assert bindings == [(binding(operation='idempotent_write', resource_type='cluster',
                                 resource_name='kafka-cluster'), 'present')]


@pytest.mark.parametrize('resource_type, operations', sorted(SUPPORTED_OPERATIONS.items()))
def test_every_operation_kafka_defines_for_a_type_is_accepted(resource_type, operations):
    name = 'kafka-cluster' if resource_type == 'cluster' else 'x'
    bindings, errors = expand_entry(0, entry(operations=('all',) + operations, resource_type=resource_type,
                                             resource_name=name))
    assert errors == []
    assert len(bindings) == len(operations) + 1


@pytest.mark.parametrize('resource_type, operation', [
    ('group', 'write'), ('group', 'alter'), ('transactional_id', 'read'), ('topic', 'cluster_action'),
    ('topic', 'idempotent_write'), ('cluster', 'read'), ('cluster', 'write'), ('cluster', 'delete'),
])
def test_an_operation_the_type_does_not_take_is_refused(resource_type, operation):
    name = 'kafka-cluster' if resource_type == 'cluster' else 'x'
    errors = errors_of(entry(operations=[operation], resource_type=resource_type, resource_name=name))
    assert errors == ['acls[0]: operation %r does not apply to resource_type %s (it takes: all, %s)'
                      % (operation, resource_type, ', '.join(SUPPORTED_OPERATIONS[resource_type]))]


def test_every_bad_entry_is_named_and_nothing_is_declared():
    errors = errors_of(
        entry(),                                                                   # acls[0] is fine
        entry(principals=['alice'], operations=['reed'], host='kafka1'),
        entry(resource_type='topics', pattern_type='prefix', permission='permit', state='gone'),
        entry(principals=[], operations=[]),
        entry(operations=['alter'], resource_type='cluster', resource_name='my-cluster', pattern_type='prefixed'),
        entry(resource_name=None),
        entry(resource_name='*', pattern_type='prefixed'),
        entry(resource_name='bad topic'),
    )
    assert errors == [
        "acls[1]: principal 'alice' is not of the form Type:name, for example User:alice (a string is split at "
        "commas by Ansible: give principals as a YAML list)",
        "acls[1]: host 'kafka1' is neither * nor an IP address",
        "acls[1]: unknown operation 'reed' (did you mean 'read'?) (one of: %s)" % ', '.join(OPERATIONS),
        "acls[2]: unknown resource_type 'topics' (did you mean 'topic'?) (one of: topic, group, cluster, "
        "transactional_id)",
        "acls[2]: unknown pattern_type 'prefix' (did you mean 'prefixed'?) (one of: literal, prefixed)",
        "acls[2]: unknown permission 'permit' (one of: allow, deny)",
        "acls[2]: unknown state 'gone' (one of: present, absent)",
        'acls[3]: principals must list at least one principal',
        'acls[3]: operations must list at least one operation',
        "acls[4]: the cluster resource is named 'kafka-cluster', got 'my-cluster'",
        'acls[4]: the cluster resource takes pattern_type literal',
        'acls[5]: resource_name is required for resource_type topic',
        "acls[6]: '*' is the wildcard of literal patterns; a prefixed '*' matches nothing",
        "acls[7]: topic name 'bad topic' contains characters no topic can have (allowed: a-z A-Z 0-9 . _ -)",
    ]


def test_names_of_groups_and_transactional_ids_are_free_form():
    assert declared(entry(resource_type='group', resource_name='my group/1'),
                    entry(resource_type='transactional_id', resource_name='tx 1', operations=['write']))


def test_wildcards_are_literal_patterns():
    assert declared(entry(resource_name='*'), entry(principals=['User:*'], resource_name='t'))


def test_a_binding_declared_twice_is_refused():
    errors = errors_of(entry(operations=['read', 'describe']), entry(operations=['read']),
                       entry(principals=['User:alice', 'User:alice'], resource_name='t'))
    assert errors == [
        "acls[1]: topic 'orders' (literal): allow User:alice read from * is declared more than once (also in acls[0])",
        "acls[2]: topic 't' (literal): allow User:alice read from * is declared more than once (twice in this entry)",
    ]


def test_a_binding_declared_present_and_absent_is_refused():
    errors = errors_of(entry(), entry(state='absent'))
    assert errors == ["acls[1]: topic 'orders' (literal): allow User:alice read from * is declared absent here "
                      "and present in acls[0]"]


def test_an_allow_that_a_declared_deny_cancels_is_refused():
    errors = errors_of(entry(operations=['read', 'write']), entry(operations=['write'], permission='deny'))
    assert errors == ["acls[0]: topic 'orders' (literal): allow User:alice write from * has no effect, acls[1] "
                      "denies it (a deny always wins)"]


def test_allow_and_deny_that_differ_otherwise_are_fine():
    assert declared(entry(resource_name='*'), entry(permission='deny'),                 # deny one topic only
                    entry(operations=['write'], host='10.0.0.1', permission='deny'),  # from one host only
                    entry(operations=['write']),
                    entry(operations=['describe']), entry(operations=['describe'], permission='deny', state='absent'))


# ---------------------------------------------------------------- prune scope

def test_prune_needs_a_scope_and_valid_options():
    assert validate_prune(None) == []
    assert validate_prune(prune(prefix='app.')) == []
    assert validate_prune(prune(principals=['User:a'])) == []
    assert validate_prune(prune()) == [
        'prune: requires prune_prefix, prune_regex or prune_principals; refusing to prune every ACL of the cluster']
    assert validate_prune(prune(regex='(', principals=['bob'], max_deletions=-1)) == [
        "prune: prune_regex '(' is not a valid regular expression: missing ), unterminated subpattern at position 0",
        'prune: prune_max_deletions must be >= 0',
        "prune: principal 'bob' is not of the form Type:name, for example User:alice (a string is split at commas "
        "by Ansible: give principals as a YAML list)"]


def test_prune_errors_come_with_the_entry_errors():
    result, errors = declare([entry(principals=['x'])], prune=prune())
    assert result == {}
    assert [e.split(':')[0] for e in errors] == ['acls[0]', 'prune']


# ---------------------------------------------------------------- plans

def test_only_missing_bindings_are_created():
    wanted = declared(entry(principals=['User:a', 'User:b'], operations=['read', 'write']))
    current = {binding('User:a', 'read'), binding('User:b', 'write')}
    plan = build_plan(wanted, current)
    assert plan == {
        'creates': [binding('User:a', 'write'), binding('User:b', 'read')],
        'deletes': [],
        'changes': [{'action': 'create', 'acl': "topic 'orders' (literal): allow User:a write from *"},
                    {'action': 'create', 'acl': "topic 'orders' (literal): allow User:b read from *"}],
    }


def test_nothing_to_do_when_the_cluster_matches():
    wanted = declared(entry(operations=['read', 'write']), entry(principals=['User:old'], state='absent'))
    plan = build_plan(wanted, {binding(operation='read'), binding(operation='write'), binding('User:x')})
    assert plan == {'creates': [], 'deletes': [], 'changes': []}


def test_a_binding_differs_in_every_field():
    """Near misses are other bindings: each field is compared exactly."""
    wanted = declared(entry())
    near = {binding('User:Alice'), binding(host='10.0.0.1'), binding(operation='all'),
            binding(permission='deny'), binding(resource_type='group'), binding(resource_name='Orders'),
            binding(pattern_type='prefixed')}
    assert build_plan(wanted, near)['creates'] == [binding()]


def test_absent_deletes_only_existing_bindings():
    wanted = declared(entry(operations=['read', 'write'], state='absent'))
    plan = build_plan(wanted, {binding(operation='write')})
    assert plan['deletes'] == [binding(operation='write')]
    assert plan['changes'] == [{'action': 'delete', 'acl': "topic 'orders' (literal): allow User:alice write from *",
                                'reason': 'state is absent'}]


def cluster_acls():
    return {
        binding('User:app', 'read', resource_name='app.orders'),
        binding('User:app', 'write', resource_name='app.', pattern_type='prefixed'),
        binding('User:app', 'read', 'group', 'app-consumers'),
        binding('User:other', 'read', resource_name='app.orders'),
        binding('User:other', 'read', resource_name='other'),
        binding('User:app', 'idempotent_write', 'cluster', 'kafka-cluster'),
        binding('User:app', 'describe_tokens', 'user', 'User:app'),           # a type this module leaves alone
    }


def test_prune_deletes_undeclared_bindings_in_scope_only():
    wanted = declared(entry(principals=['User:app'], resource_name='app.orders'))
    plan = build_plan(wanted, cluster_acls(), prune(prefix='app.'))
    assert plan['creates'] == []
    assert [c['acl'] for c in plan['changes']] == [
        "topic 'app.' (prefixed): allow User:app write from *",
        "topic 'app.orders' (literal): allow User:other read from *"]
    assert all(c['reason'] == 'pruned: not declared' for c in plan['changes'])


def test_prune_scope_options_must_all_match():
    wanted = declared()
    by_principal = build_plan(wanted, cluster_acls(), prune(principals=['User:app']))
    assert [binding_line(b) for b in by_principal['deletes']] == [
        "cluster 'kafka-cluster' (literal): allow User:app idempotent_write from *",
        "group 'app-consumers' (literal): allow User:app read from *",
        "topic 'app.' (prefixed): allow User:app write from *",
        "topic 'app.orders' (literal): allow User:app read from *"]
    both = build_plan(wanted, cluster_acls(), prune(regex=r'app\..*', principals=['User:app']))
    assert [binding_line(b) for b in both['deletes']] == [
        "topic 'app.' (prefixed): allow User:app write from *",
        "topic 'app.orders' (literal): allow User:app read from *"]
    assert build_plan(wanted, cluster_acls(), prune(regex='app'))['deletes'] == []   # the whole name must match


def test_prune_never_touches_other_resource_types():
    plan = build_plan(declared(), cluster_acls(), prune(regex='.*', max_deletions=100))
    assert len(plan['deletes']) == 6
    assert all(b.resource_type != 'user' for b in plan['deletes'])


def test_prune_above_the_maximum_is_refused_naming_the_bindings():
    with pytest.raises(PlanError) as e:
        build_plan(declared(), cluster_acls(), prune(principals=['User:other'], max_deletions=1))
    assert e.value.errors == [
        "prune: would delete 2 ACL bindings, more than prune_max_deletions (1): "
        "topic 'app.orders' (literal): allow User:other read from *; topic 'other' (literal): allow User:other read from *"]
    assert build_plan(declared(), cluster_acls(), prune(principals=['User:other'], max_deletions=2))['deletes']


def test_absent_deletes_do_not_count_against_the_prune_maximum():
    wanted = declared(entry(principals=['User:other'], resource_name='other', state='absent'))
    plan = build_plan(wanted, cluster_acls(), prune(principals=['User:other'], max_deletions=1))
    assert plan['changes'] == [
        {'action': 'delete', 'acl': "topic 'other' (literal): allow User:other read from *", 'reason': 'state is absent'},
        {'action': 'delete', 'acl': "topic 'app.orders' (literal): allow User:other read from *",
         'reason': 'pruned: not declared'}]
    assert plan['deletes'] == sorted(plan['deletes'])


def test_changes_are_in_the_order_applied_creates_first():
    wanted = declared(entry(principals=['User:new']), entry(principals=['User:other'], resource_name='other',
                                                              state='absent'))
    plan = build_plan(wanted, cluster_acls())
    assert [c['action'] for c in plan['changes']] == ['create', 'delete']


# ---------------------------------------------------------------- diff

def test_diff_lists_every_managed_binding_before_and_after_sorted():
    current = {binding('User:b'), binding('User:a'), binding('User:a', 'describe_tokens', 'user', 'User:a')}
    wanted = declared(entry(principals=['User:c']), entry(principals=['User:b'], state='absent'))
    assert diff(current, build_plan(wanted, current)) == {
        'before_header': 'ACL bindings', 'after_header': 'ACL bindings',
        'before': "topic 'orders' (literal): allow User:a read from *\n"
                  "topic 'orders' (literal): allow User:b read from *\n",
        'after': "topic 'orders' (literal): allow User:a read from *\n"
                 "topic 'orders' (literal): allow User:c read from *\n",
    }


def test_diff_of_a_no_op_is_equal():
    current = {binding()}
    result = diff(current, build_plan(declared(entry()), current))
    assert result['before'] == result['after'] == "topic 'orders' (literal): allow User:alice read from *\n"
