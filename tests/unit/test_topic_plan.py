# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Validation and planning: pure functions, exact plans and exact messages."""

import pytest

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import (
    KNOWN_TOPIC_CONFIGS, PlanError, broker_load, build_plan, canonical_value, is_internal, name_problem,
    pick_brokers, prune_protection, resize_replicas, target_replicas, validate_topics)


def topic(name, partitions=None, replication_factor=None, configs=None, state='present'):
    return {'name': name, 'partitions': partitions, 'replication_factor': replication_factor,
            'configs': configs, 'state': state}


def cluster(topics=None, brokers=(1, 2, 3), overrides=None, reassigning=None, defaults=None,
            types=None, internal=()):
    """state with topics given as {name: [replicas of p0, replicas of p1, ...]};
    the first replica of each partition leads."""
    return {
        'brokers': list(brokers),
        'controller': brokers[0] if brokers else -1,
        'topics': dict((name, {
            'internal': name in internal,
            'partitions': dict((i, {'leader': r[0], 'replicas': list(r), 'isr': list(r)})
                               for i, r in enumerate(parts)),
        }) for name, parts in (topics or {}).items()),
        'reassigning': reassigning or {},
        'overrides': overrides or {},
        'config_types': types or {},
        'broker_defaults': defaults or {},
    }


def plan_error(*args, **kwargs):
    with pytest.raises(PlanError) as e:
        build_plan(*args, **kwargs)
    return e.value.errors


# ---------------------------------------------------------------- names and input

@pytest.mark.parametrize('name, problem', [
    ('orders', None),
    ('a.b_c-D9', None),
    ('x' * 249, None),
    ('x' * 250, 'name is 250 characters long, the maximum is 249'),
    ('bad name', 'name contains illegal characters (allowed: a-z A-Z 0-9 . _ -)'),
    ('bad/name', 'name contains illegal characters (allowed: a-z A-Z 0-9 . _ -)'),
    ('ünicode', 'name contains illegal characters (allowed: a-z A-Z 0-9 . _ -)'),
    ('.', "name cannot be '.' or '..'"),
    ('..', "name cannot be '.' or '..'"),
    # defect 10: '$' in a match() pattern let a trailing newline through
    ('orders\n', 'name contains illegal characters (allowed: a-z A-Z 0-9 . _ -)'),
    ('\norders', 'name contains illegal characters (allowed: a-z A-Z 0-9 . _ -)'),
    ('', 'name must be a non-empty string'),
    (None, 'name must be a non-empty string'),
])
def test_name_problem(name, problem):
    assert name_problem(name) == problem


def test_valid_input_has_no_errors():
    assert validate_topics([topic('a', 3, 3, {'retention.ms': 1}), topic('b', state='absent')]) == []


def test_every_error_is_reported_and_names_its_topic():
    errors = validate_topics([
        topic('bad name!'),
        topic('dup', 1),
        topic('dup', 2),
        topic('dup', 3),
        topic('zero', 0),
        topic('rf', 1, -1),
        topic('flag', True),
        topic('cfg', configs=['retention.ms']),
        topic('__consumer_offsets', state='absent'),
    ])
    assert errors == [
        "topic 'bad name!': name contains illegal characters (allowed: a-z A-Z 0-9 . _ -)",
        "topic 'dup': listed more than once",
        "topic 'zero': partitions must be an integer >= 1, got 0",
        "topic 'rf': replication_factor must be an integer >= 1, got -1",
        "topic 'flag': partitions must be an integer >= 1, got True",
        "topic 'cfg': configs must be a mapping of config names to values",
        "topic '__consumer_offsets': internal topic, it can never be deleted",
    ]


def test_too_long_name_message():
    assert validate_topics([topic('t' * 300)]) == [
        "topic '%s': name is 300 characters long, the maximum is 249" % ('t' * 300)]


def test_duplicate_with_different_states_is_an_error():
    assert validate_topics([topic('a'), topic('a', state='absent')]) == ["topic 'a': listed more than once"]


@pytest.mark.parametrize('name', [
    '__consumer_offsets', '__transaction_state', '__anything', '_confluent-metrics', '_confluent_balancer',
    '_schemas', 'connect-configs', 'connect-offsets', 'connect-status'])
def test_internal_topics_cannot_be_deleted(name):
    assert is_internal(name)
    assert validate_topics([topic(name, state='absent')]) == [
        "topic '%s': internal topic, it can never be deleted" % name]


@pytest.mark.parametrize('name', ['orders', '_private', 'connect-configs-2', 'my__topic', 'schemas'])
def test_ordinary_topics_are_not_internal(name):
    assert not is_internal(name)


def test_internal_flag_from_broker_wins():
    assert is_internal('whatever', flagged=True)


def test_partitions_of_absent_topics_are_not_checked():
    assert validate_topics([topic('gone', 0, 0, state='absent')]) == []


@pytest.mark.parametrize('prune, errors', [
    ({'prefix': 'app.', 'regex': None, 'max_deletions': 5}, []),
    ({'prefix': None, 'regex': r'app\..*', 'max_deletions': 5}, []),
    ({'prefix': None, 'regex': None, 'max_deletions': 5},
     ['prune: requires prune_prefix or prune_regex; refusing to prune the whole cluster']),
    ({'prefix': '', 'regex': '', 'max_deletions': 5},
     ['prune: requires prune_prefix or prune_regex; refusing to prune the whole cluster']),
    ({'prefix': None, 'regex': '(', 'max_deletions': 5},
     ["prune: prune_regex '(' is not a valid regular expression: missing ), unterminated subpattern at position 0"]),
    ({'prefix': 'a', 'regex': None, 'max_deletions': -1}, ['prune: prune_max_deletions must be >= 0']),
])
def test_prune_scope_is_required(prune, errors):
    assert validate_topics([topic('a')], prune) == errors


# ---------------------------------------------------------------- config values

@pytest.mark.parametrize('ctype, value, expected', [
    ('BOOLEAN', True, 'true'),
    ('BOOLEAN', False, 'false'),
    ('BOOLEAN', 'TRUE', 'true'),
    ('BOOLEAN', ' false ', 'false'),
    ('LONG', 604800000, '604800000'),
    ('LONG', '604800000', '604800000'),
    ('LONG', '-1', '-1'),
    ('LONG', -1, '-1'),
    ('LONG', 2 ** 63 - 1, '9223372036854775807'),
    ('INT', 1048576, '1048576'),
    ('SHORT', 7, '7'),
    ('DOUBLE', 0.5, '0.5'),
    ('DOUBLE', '0.50', '0.5'),
    ('DOUBLE', 1, '1.0'),
    ('DOUBLE', '1e-05', '1e-05'),
    ('LIST', ['delete', 'compact'], 'delete,compact'),
    ('LIST', 'compact, delete', 'compact,delete'),
    ('LIST', 'compact', 'compact'),
    ('LIST', [], ''),
    ('LIST', '0:1,0:2', '0:1,0:2'),
    ('STRING', 'lz4', 'lz4'),
    ('STRING', 3.0, '3.0'),
    ('CLASS', 'org.example.Policy', 'org.example.Policy'),
])
def test_canonical_value(ctype, value, expected):
    assert canonical_value(ctype, value) == expected


@pytest.mark.parametrize('ctype, value, reason', [
    ('BOOLEAN', 'yes', 'expects a boolean (true or false)'),
    ('BOOLEAN', 1, 'expects a boolean (true or false)'),
    ('LONG', 'abc', 'expects an integer (LONG)'),
    ('LONG', '7d', 'expects an integer (LONG)'),
    ('LONG', 1.5, 'expects an integer (LONG)'),
    ('LONG', True, 'expects an integer (LONG)'),
    ('LONG', [1], 'expects an integer (LONG)'),
    ('LONG', 2 ** 63, 'is out of range for LONG (-9223372036854775808..9223372036854775807)'),
    ('INT', 2 ** 31, 'is out of range for INT (-2147483648..2147483647)'),
    ('SHORT', 40000, 'is out of range for SHORT (-32768..32767)'),
    ('DOUBLE', 'half', 'expects a number (DOUBLE)'),
    ('DOUBLE', False, 'expects a number (DOUBLE)'),
    ('LIST', {'a': 1}, 'expects a list of strings or a comma-separated string'),
    ('LIST', [True], 'expects a list of strings or a comma-separated string'),
    ('STRING', True, 'expects a string'),
    ('STRING', {'a': 1}, 'expects a string'),
])
def test_canonical_value_rejects(ctype, value, reason):
    with pytest.raises(ValueError) as e:
        canonical_value(ctype, value)
    assert str(e.value) == reason


# ---------------------------------------------------------------- creates

def test_create_with_everything():
    plan = build_plan([topic('orders', 6, 3, {'retention.ms': 1000, 'cleanup.policy': ['compact', 'delete'],
                                              'unclean.leader.election.enable': False,
                                              'min.cleanable.dirty.ratio': 0.2, 'segment.ms': None})],
                      cluster())
    assert plan['creates'] == {'orders': {'num_partitions': 6, 'replication_factor': 3, 'configs': {
        'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '0.2', 'retention.ms': '1000',
        'unclean.leader.election.enable': 'false'}}}
    assert plan['changes'] == [{'topic': 'orders', 'action': 'create', 'before': {}, 'after': {
        'partitions': 6, 'replication_factor': 3, 'configs': {
            'cleanup.policy': 'compact,delete', 'min.cleanable.dirty.ratio': '0.2', 'retention.ms': '1000',
            'unclean.leader.election.enable': 'false'}}}]
    assert (plan['deletes'], plan['config_ops'], plan['partition_increases'], plan['reassignments']) == ([], {}, {}, {})


def test_create_with_broker_defaults():
    plan = build_plan([topic('t')], cluster())
    assert plan['creates'] == {'t': {'num_partitions': -1, 'replication_factor': -1, 'configs': {}}}
    assert plan['changes'][0]['after'] == {'partitions': 'broker default', 'replication_factor': 'broker default'}


def test_create_rf_above_live_brokers():
    assert plan_error([topic('t', 1, 4)], cluster()) == [
        "topic 't': replication_factor 4 is greater than the number of live brokers (3)"]


def test_create_min_insync_above_rf():
    assert plan_error([topic('t', 1, 2, {'min.insync.replicas': 3})], cluster()) == [
        "topic 't': min.insync.replicas 3 is greater than the replication factor 2 (every acks=all produce would fail)"]


def test_create_inheriting_a_too_high_min_insync_is_an_error():
    assert plan_error([topic('t', 1, 1)], cluster(defaults={'min.insync.replicas': '2'})) == [
        "topic 't': min.insync.replicas 2 (inherited from the broker default) is greater than the replication "
        "factor 1 (every acks=all produce would fail); set configs min.insync.replicas to at most 1"]


def test_create_without_rf_checks_min_insync_against_the_broker_default_rf():
    # defect 4: with no replication_factor the broker's default.replication.factor applies
    state = cluster(defaults={'default.replication.factor': '3', 'min.insync.replicas': '2'})
    assert plan_error([topic('t', configs={'min.insync.replicas': 5})], state) == [
        "topic 't': min.insync.replicas 5 is greater than the replication factor 3 (the broker's "
        "default.replication.factor) (every acks=all produce would fail)"]
    plan = build_plan([topic('t', configs={'min.insync.replicas': 3})], state)
    assert plan['creates']['t'] == {'num_partitions': -1, 'replication_factor': -1,
                                    'configs': {'min.insync.replicas': '3'}}


def test_create_without_rf_inheriting_both_defaults():
    state = cluster(defaults={'default.replication.factor': '1', 'min.insync.replicas': '2'})
    assert plan_error([topic('t')], state) == [
        "topic 't': min.insync.replicas 2 (inherited from the broker default) is greater than the replication "
        "factor 1 (the broker's default.replication.factor) (every acks=all produce would fail); "
        "set configs min.insync.replicas to at most 1"]


def test_create_with_a_default_rf_above_live_brokers():
    assert plan_error([topic('t')], cluster(brokers=(1, 2), defaults={'default.replication.factor': '3'})) == [
        "topic 't': replication_factor 3 (the broker's default.replication.factor) is greater than the "
        "number of live brokers (2)"]


def test_create_with_low_min_insync_override_does_not_warn():
    plan = build_plan([topic('t', 1, 1, {'min.insync.replicas': 1})], cluster(defaults={'min.insync.replicas': '2'}))
    assert plan['warnings'] == []


def test_create_colliding_with_existing_topic():
    assert plan_error([topic('app.orders', 1, 1)], cluster({'app_orders': [[1]]})) == [
        "topic 'app.orders': collides with topic 'app_orders' ('.' and '_' are the same in Kafka metric names); "
        "Kafka refuses to create it"]


def test_create_colliding_with_another_new_topic():
    assert plan_error([topic('a_b', 1, 1), topic('a.b', 1, 1)], cluster()) == [
        "topic 'a.b': collides with topic 'a_b' ('.' and '_' are the same in Kafka metric names); "
        "Kafka refuses to create it"]


TWIN_REFUSED = ("topic 'a.b': collides with topic 'a_b' ('.' and '_' are the same in Kafka metric names), "
                "which this run deletes; Kafka refuses the new name until that deletion has finished: "
                "delete 'a_b' in one run and create 'a.b' in a later one")


def test_deleting_a_topic_and_creating_its_twin_in_one_run_is_refused():
    # defect 7: the broker's create validation still sees 'a_b' while it is being deleted
    assert plan_error([topic('a_b', state='absent'), topic('a.b', 1, 1)], cluster({'a_b': [[1]]})) == [TWIN_REFUSED]


def test_unknown_config_key_suggests_the_close_one():
    assert plan_error([topic('t', 1, 1, {'retention.msx': 5, 'no.such.thing': 1})], cluster()) == [
        "topic 't': unknown config 'no.such.thing'",
        "topic 't': unknown config 'retention.msx' (did you mean 'retention.ms'?)"]


def test_bad_config_value_type():
    assert plan_error([topic('t', 1, 1, {'retention.ms': '7 days', 'preallocate': 'maybe'})], cluster()) == [
        "topic 't': config 'preallocate' expects a boolean (true or false), got 'maybe'",
        "topic 't': config 'retention.ms' expects an integer (LONG), got '7 days'"]


def test_broker_reported_types_extend_the_known_list():
    state = cluster(types={'future.config': 'LONG'})
    plan = build_plan([topic('t', 1, 1, {'future.config': 10})], state)
    assert plan['creates']['t']['configs'] == {'future.config': '10'}
    assert plan_error([topic('t', 1, 1, {'future.config': 'x'})], state) == [
        "topic 't': config 'future.config' expects an integer (LONG), got 'x'"]


def test_known_configs_are_typed():
    assert set(KNOWN_TOPIC_CONFIGS.values()) <= {'BOOLEAN', 'STRING', 'INT', 'SHORT', 'LONG', 'DOUBLE', 'LIST'}


# ---------------------------------------------------------------- no-op and configs

def test_noop_when_own_overrides_match_after_normalising():
    state = cluster({'t': [[1, 2, 3]] * 3}, overrides={'t': {
        'retention.ms': '1000', 'cleanup.policy': 'compact,delete', 'preallocate': 'true',
        'min.cleanable.dirty.ratio': '0.5', 'compression.type': 'lz4'}})
    plan = build_plan([topic('t', 3, 3, {'retention.ms': 1000, 'cleanup.policy': ['compact', 'delete'],
                                         'preallocate': True, 'min.cleanable.dirty.ratio': 0.50,
                                         'compression.type': 'lz4', 'segment.ms': None})], state)
    assert plan['changes'] == []
    assert plan['config_ops'] == {}


def test_unordered_list_configs_compare_as_sets():
    # defect 11: "delete,compact" and [compact, delete] are the same policy
    state = cluster({'t': [[1]]}, overrides={'t': {'cleanup.policy': 'delete,compact',
                                                   'leader.replication.throttled.replicas': '1:2,0:1'}})
    plan = build_plan([topic('t', configs={'cleanup.policy': ['compact', 'delete'],
                                           'leader.replication.throttled.replicas': '0:1, 1:2'})], state)
    assert plan['changes'] == []
    plan = build_plan([topic('t', configs={'cleanup.policy': ['compact']})], state)
    assert plan['config_ops'] == {'t': {'cleanup.policy': 'compact'}}


def test_config_set_change_and_delete_only_touch_listed_keys():
    state = cluster({'t': [[1]]}, overrides={'t': {'retention.ms': '1000', 'cleanup.policy': 'compact',
                                                   'segment.bytes': '1048576'}})
    plan = build_plan([topic('t', configs={'retention.ms': 2000, 'cleanup.policy': None,
                                           'max.message.bytes': 2097152})], state)
    assert plan['config_ops'] == {'t': {'cleanup.policy': None, 'max.message.bytes': '2097152',
                                        'retention.ms': '2000'}}
    assert plan['changes'] == [{'topic': 't', 'action': 'update',
                                'before': {'configs': {'cleanup.policy': 'compact', 'retention.ms': '1000'}},
                                'after': {'configs': {'max.message.bytes': '2097152', 'retention.ms': '2000'}}}]


def test_inherited_value_is_not_an_override():
    # The broker default equals the wish, but the topic has no override: pin it.
    state = cluster({'t': [[1]]}, defaults={'retention.ms': '604800000'})
    plan = build_plan([topic('t', configs={'retention.ms': 604800000})], state)
    assert plan['config_ops'] == {'t': {'retention.ms': '604800000'}}


def test_removing_an_override_that_is_not_set_is_a_noop():
    plan = build_plan([topic('t', configs={'retention.ms': None})], cluster({'t': [[1]]}))
    assert plan['changes'] == []


def test_existing_topic_without_wishes_is_a_noop():
    plan = build_plan([topic('t')], cluster({'t': [[1], [2]]}, overrides={'t': {'retention.ms': '5'}}))
    assert plan['changes'] == []


# ---------------------------------------------------------------- partitions

def test_partition_increase():
    plan = build_plan([topic('t', 5)], cluster({'t': [[1, 2], [2, 3], [3, 1]]}))
    assert plan['partition_increases'] == {'t': {'count': 5}}
    assert plan['changes'] == [{'topic': 't', 'action': 'update', 'before': {'partitions': 3}, 'after': {'partitions': 5}}]


def test_partition_decrease_is_an_error():
    assert plan_error([topic('t', 2)], cluster({'t': [[1], [2], [3]]})) == [
        "topic 't': partitions cannot be decreased (current 3, requested 2); "
        "Kafka cannot remove partitions and the module never recreates a topic"]


def test_internal_topic_partition_count_cannot_change():
    assert plan_error([topic('__consumer_offsets', 60)], cluster({'__consumer_offsets': [[1]] * 50})) == [
        "topic '__consumer_offsets': internal topic, its partition count cannot be changed"]


def test_internal_topic_configs_can_change():
    plan = build_plan([topic('__consumer_offsets', configs={'segment.bytes': 104857600})],
                      cluster({'__consumer_offsets': [[1]]}))
    assert plan['config_ops'] == {'__consumer_offsets': {'segment.bytes': '104857600'}}


# ---------------------------------------------------------------- replication factor

def test_rf_change_needs_opt_in():
    assert plan_error([topic('t', replication_factor=3)], cluster({'t': [[1], [2]]})) == [
        "topic 't': replication factor change 1 -> 3 requires allow_replication_factor_change: true"]


def test_rf_increase_keeps_replicas_and_adds_least_loaded_brokers():
    # broker 3 carries nothing, broker 1 most: new replicas go to 3 first
    state = cluster({'t': [[1], [2]], 'other': [[1, 2]]})
    plan = build_plan([topic('t', replication_factor=2)], state, allow_rf_change=True)
    assert plan['reassignments'] == {'t': {0: [1, 3], 1: [2, 3]}}
    assert plan['changes'] == [{'topic': 't', 'action': 'update',
                                'before': {'replication_factor': 1, 'replicas': {'0': [1], '1': [2]}},
                                'after': {'replication_factor': 2, 'replicas': {'0': [1, 3], '1': [2, 3]}}}]


def test_rf_increase_to_all_brokers():
    plan = build_plan([topic('t', replication_factor=3)], cluster({'t': [[2], [3], [1]]}), allow_rf_change=True)
    assert plan['reassignments'] == {'t': {0: [2, 3, 1], 1: [3, 2, 1], 2: [1, 2, 3]}}


def test_rf_decrease_keeps_leader_and_preferred_replicas():
    state = cluster({'t': [[1, 2, 3], [2, 3, 1], [3, 1, 2]]})
    state['topics']['t']['partitions'][0]['leader'] = 3   # leader moved away from the preferred replica
    plan = build_plan([topic('t', replication_factor=2)], state, allow_rf_change=True)
    assert plan['reassignments'] == {'t': {0: [1, 3], 1: [2, 3], 2: [3, 1]}}


def test_rf_decrease_to_one_keeps_the_leader():
    state = cluster({'t': [[1, 2, 3]]})
    state['topics']['t']['partitions'][0]['leader'] = 2
    plan = build_plan([topic('t', replication_factor=1)], state, allow_rf_change=True)
    assert plan['reassignments'] == {'t': {0: [2]}}


def test_rf_decrease_keeps_the_live_in_sync_replicas():
    # defect 2: broker 3 is dead; [1, 3] would be a reassignment that never finishes
    state = cluster({'t': [[1, 3, 2]]}, brokers=(1, 2))
    state['topics']['t']['partitions'][0]['isr'] = [1, 2]
    plan = build_plan([topic('t', replication_factor=2)], state, allow_rf_change=True)
    assert plan['reassignments'] == {'t': {0: [1, 2]}}


def test_rf_decrease_that_needs_a_dead_broker_is_refused():
    state = cluster({'t': [[1, 3, 4], [1, 2, 3]]}, brokers=(1, 2))
    state['topics']['t']['partitions'][0]['isr'] = [1]
    assert plan_error([topic('t', replication_factor=2)], state, allow_rf_change=True) == [
        "topic 't': partition 0: lowering the replication factor to 2 needs a replica on a dead broker "
        "(replicas [1, 3, 4], live brokers among them [1])"]


def test_rf_above_live_brokers_on_update():
    assert plan_error([topic('t', replication_factor=5)], cluster({'t': [[1]]}), allow_rf_change=True) == [
        "topic 't': replication_factor 5 is greater than the number of live brokers (3)"]


def test_rf_and_partition_increase_together():
    # new partitions must be created with partition 0's RF, then get resized with the rest
    plan = build_plan([topic('t', 3, 2)], cluster({'t': [[1]]}), allow_rf_change=True)
    assert plan['partition_increases'] == {'t': {'count': 3, 'assignments': [[2], [3]]}}
    assert plan['reassignments'] == {'t': {0: [1, 2], 1: [2, 3], 2: [3, 1]}}
    assert plan['changes'][0]['before'] == {'partitions': 1, 'replication_factor': 1, 'replicas': {'0': [1]}}
    assert plan['changes'][0]['after'] == {'partitions': 3, 'replication_factor': 2,
                                           'replicas': {'0': [1, 2], '1': [2, 3], '2': [3, 1]}}


def test_ongoing_reassignment_replicas_being_removed_do_not_count():
    # metadata lists 4 replicas mid-reassignment; 4 is leaving, so the RF is really 3
    state = cluster({'t': [[1, 2, 3, 4]]}, brokers=(1, 2, 3, 4),
                    reassigning={'t': {0: {'adding': [], 'removing': [4]}}})
    plan = build_plan([topic('t', 1, 3)], state)
    assert plan['changes'] == []
    assert plan['warnings'] == ["topic 't': a partition reassignment is in progress"]
    assert target_replicas(state, 't') == {0: [1, 2, 3]}


def test_rf_change_during_a_reassignment_is_refused():
    state = cluster({'t': [[1, 2, 3, 4]]}, brokers=(1, 2, 3, 4),
                    reassigning={'t': {0: {'adding': [], 'removing': [4]}}})
    assert plan_error([topic('t', replication_factor=2)], state, allow_rf_change=True) == [
        "topic 't': a partition reassignment is already in progress; retry when it has finished"]


def test_min_insync_above_new_rf_is_an_error():
    state = cluster({'t': [[1, 2, 3]]}, overrides={'t': {'min.insync.replicas': '3'}})
    assert plan_error([topic('t', replication_factor=2)], state, allow_rf_change=True) == [
        "topic 't': min.insync.replicas 3 (the topic's override) is greater than the replication factor 2 "
        "(every acks=all produce would fail); set configs min.insync.replicas to at most 2"]


def test_min_insync_raised_above_current_rf_is_an_error():
    assert plan_error([topic('t', configs={'min.insync.replicas': 2})], cluster({'t': [[1]]})) == [
        "topic 't': min.insync.replicas 2 is greater than the replication factor 1 (every acks=all produce would fail)"]


def test_min_insync_lowered_together_with_rf_is_fine():
    state = cluster({'t': [[1, 2, 3]]}, overrides={'t': {'min.insync.replicas': '3'}})
    plan = build_plan([topic('t', replication_factor=2, configs={'min.insync.replicas': 1})], state,
                      allow_rf_change=True)
    assert plan['config_ops'] == {'t': {'min.insync.replicas': '1'}}


def test_removing_min_insync_override_below_the_broker_default_is_an_error():
    state = cluster({'t': [[1]]}, overrides={'t': {'min.insync.replicas': '1'}}, defaults={'min.insync.replicas': '2'})
    assert plan_error([topic('t', configs={'min.insync.replicas': None})], state) == [
        "topic 't': min.insync.replicas 2 (inherited from the broker default) is greater than the replication "
        "factor 1 (every acks=all produce would fail); set configs min.insync.replicas to at most 1"]


def test_lowering_rf_below_the_inherited_min_insync_is_an_error():
    # defect 4: this used to be a warning, and applied
    state = cluster({'t': [[1, 2, 3]]}, defaults={'min.insync.replicas': '2'})
    assert plan_error([topic('t', replication_factor=1)], state, allow_rf_change=True) == [
        "topic 't': min.insync.replicas 2 (inherited from the broker default) is greater than the replication "
        "factor 1 (every acks=all produce would fail); set configs min.insync.replicas to at most 1"]
    plan = build_plan([topic('t', replication_factor=1, configs={'min.insync.replicas': 1})], state,
                      allow_rf_change=True)
    assert plan['reassignments'] == {'t': {0: [1]}}


def test_a_topic_already_below_its_min_insync_is_only_reported():
    state = cluster({'t': [[1]]}, defaults={'min.insync.replicas': '2'})
    plan = build_plan([topic('t', 1, 1)], state)
    assert plan['changes'] == []
    assert plan['warnings'] == [
        "topic 't': min.insync.replicas 2 (inherited from the broker default) is greater than the replication "
        "factor 1 (every acks=all produce fail); set configs min.insync.replicas to at most 1"]


# ---------------------------------------------------------------- deletes and pruning

def test_delete_existing_topic():
    plan = build_plan([topic('old', state='absent')], cluster({'old': [[1, 2], [2, 3]]}))
    assert plan['deletes'] == ['old']
    assert plan['changes'] == [{'topic': 'old', 'action': 'delete', 'reason': 'state is absent',
                                'before': {'partitions': 2, 'replication_factor': 2}, 'after': {}}]


def test_delete_missing_topic_is_a_noop():
    assert build_plan([topic('gone', state='absent')], cluster())['changes'] == []


def test_delete_topic_the_broker_flags_internal():
    assert plan_error([topic('special', state='absent')], cluster({'special': [[1]]}, internal={'special'})) == [
        "topic 'special': internal topic, it can never be deleted"]


PRUNE_STATE = cluster({'app.a': [[1]], 'app.b': [[1]], 'app.c': [[1]], 'other.x': [[1]],
                       'app._internal': [[2]], '__consumer_offsets': [[1]]},
                      internal={'app._internal'})


def test_prune_deletes_only_unlisted_topics_in_scope():
    plan = build_plan([topic('app.a'), topic('app.c', state='absent')], PRUNE_STATE,
                      prune={'prefix': 'app.', 'regex': None, 'max_deletions': 5})
    assert plan['deletes'] == ['app.c', 'app.b']
    assert [(c['topic'], c['reason']) for c in plan['changes']] == [
        ('app.c', 'state is absent'), ('app.b', 'pruned: not listed')]
    assert plan['warnings'] == ["prune: internal topic 'app._internal' is never pruned"]


def test_prune_regex_matches_whole_names_and_skips_internal():
    plan = build_plan([], PRUNE_STATE, prune={'prefix': None, 'regex': r'.*\.[ax]|__.*', 'max_deletions': 5})
    assert plan['deletes'] == ['app.a', 'other.x']
    assert plan['warnings'] == ["prune: internal topic '__consumer_offsets' is never pruned"]


PROTECTED = [
    ('__consumer_offsets', 'internal topic'),
    ('_schemas', 'internal topic'),
    ('connect-configs', 'internal topic'),
    ('_private', "topic (name starts with '_')"),
    ('_confluent-ksql-default__command_topic', 'internal topic'),
    ('app-KSTREAM-AGGREGATE-STATE-STORE-0000000003-changelog', 'Kafka Streams topic'),
    ('app-KSTREAM-REPARTITION-0000000001-repartition', 'Kafka Streams topic'),
    ('heartbeats', 'MirrorMaker 2 topic'),
    ('us-east.heartbeats', 'MirrorMaker 2 topic'),
    ('us-east.checkpoints.internal', 'MirrorMaker 2 topic'),
    ('mm2-offset-syncs.us-east.internal', 'MirrorMaker 2 topic'),
    ('mm2-configs.us-east.internal', 'MirrorMaker 2 topic'),
    ('mm2-offsets.us-east.internal', 'MirrorMaker 2 topic'),
    ('mm2-status.us-east.internal', 'MirrorMaker 2 topic'),
    ('connect-cluster-configs', 'Kafka Connect storage topic'),
    ('docker-connect-offsets', 'Kafka Connect storage topic'),
    ('my.connect-status', 'Kafka Connect storage topic'),
]


@pytest.mark.parametrize('name, protection', PROTECTED)
def test_prune_never_deletes_protected_topics(name, protection):
    # defect 15: prune_regex '.*' deleted framework topics, limited only by the maximum
    assert prune_protection(name) == protection
    plan = build_plan([], cluster({name: [[1]], 'plain': [[1]]}), prune={'prefix': None, 'regex': '.*', 'max_deletions': 5})
    assert plan['deletes'] == ['plain']
    assert plan['warnings'] == ['prune: %s %r is never pruned' % (protection, name)]


@pytest.mark.parametrize('name', ['orders', 'orders-changelog-v2', 'myheartbeats', 'status', 'reconnect-offsets',
                                  'connect-configs-2', 'mm2-things', 'checkpoints.internal.x'])
def test_ordinary_topics_are_pruned(name):
    assert prune_protection(name) is None


def test_protected_topics_that_are_listed_absent_are_deleted():
    plan = build_plan([topic('app-store-changelog', state='absent')], cluster({'app-store-changelog': [[1]]}),
                      prune={'prefix': 'app', 'regex': None, 'max_deletions': 0})
    assert plan['deletes'] == ['app-store-changelog']


def test_prune_guard():
    assert plan_error([topic('app.a')], PRUNE_STATE, prune={'prefix': 'app.', 'regex': None, 'max_deletions': 1}) == [
        'prune: would delete 2 topics, more than prune_max_deletions (1): app.b, app.c']


def test_prune_guard_zero_allows_nothing_to_prune():
    plan = build_plan([topic('app.a'), topic('app.b'), topic('app.c')], PRUNE_STATE,
                      prune={'prefix': 'app.', 'regex': None, 'max_deletions': 0})
    assert plan['deletes'] == []


def test_prune_prefix_and_regex_both_apply():
    plan = build_plan([], PRUNE_STATE, prune={'prefix': 'app.', 'regex': r'.*[bc]', 'max_deletions': 5})
    assert plan['deletes'] == ['app.b', 'app.c']


# ---------------------------------------------------------------- whole plans

def test_changes_follow_apply_order_and_all_errors_are_reported():
    state = cluster({'keep': [[1]], 'old': [[1]]})
    plan = build_plan([topic('keep', 2), topic('new', 1, 1), topic('old', state='absent')], state)
    assert [(c['action'], c['topic']) for c in plan['changes']] == [
        ('delete', 'old'), ('create', 'new'), ('update', 'keep')]

    with pytest.raises(PlanError) as e:
        build_plan([topic('keep', 1, 3), topic('new', 1, 9, {'bogus': 1})], cluster({'keep': [[1], [2]]}))
    assert e.value.errors == [
        "topic 'new': unknown config 'bogus'",
        "topic 'new': replication_factor 9 is greater than the number of live brokers (3)",
        "topic 'keep': replication factor change 1 -> 3 requires allow_replication_factor_change: true",
        "topic 'keep': partitions cannot be decreased (current 2, requested 1); "
        "Kafka cannot remove partitions and the module never recreates a topic"]
    assert str(e.value) == '; '.join(e.value.errors)


def test_plan_is_idempotent_against_its_own_result():
    desired = [topic('t', 2, 2, {'retention.ms': 5})]
    after = cluster({'t': [[1, 2], [2, 3]]}, overrides={'t': {'retention.ms': '5'}})
    assert build_plan(desired, after)['changes'] == []


# ---------------------------------------------------------------- helpers

def test_broker_load_and_pick_brokers():
    state = cluster({'a': [[1, 2], [1, 3]], 'b': [[1, 9]]})   # 9 is not a live broker
    load = broker_load(state)
    assert load == {1: 3, 2: 1, 3: 1}
    assert pick_brokers(load, 2) == [2, 3]
    assert load == {1: 3, 2: 2, 3: 2}
    assert pick_brokers(load, 1, exclude=[2]) == [3]


def test_resize_replicas_keeps_offline_replicas_when_growing():
    load = {1: 0, 2: 0, 3: 0}
    assert resize_replicas([9], 2, load, leader=9) == [9, 1]


def test_resize_replicas_shrinking_prefers_the_leader_then_the_live_isr():
    load = {1: 1, 2: 1}
    assert resize_replicas([3, 2, 1], 1, load, leader=2, isr=[2, 1]) == [2]
    assert resize_replicas([3, 1, 2], 2, {1: 1, 2: 1}, leader=1, isr=[1]) == [1, 2]   # live, out of ISR
    with pytest.raises(ValueError):
        resize_replicas([1, 3, 4], 2, {1: 1, 2: 0}, leader=1, isr=[1])


def test_deleting_or_pruning_a_topic_and_creating_its_twin_is_refused_in_any_order():
    assert plan_error([topic('a.b', 1, 1), topic('a_b', state='absent')], cluster({'a_b': [[1]]})) == [TWIN_REFUSED]
    assert plan_error([topic('a.b', 1, 1)], cluster({'a_b': [[1]]}),
                      prune={'prefix': 'a', 'regex': None, 'max_deletions': 1}) == [TWIN_REFUSED]
