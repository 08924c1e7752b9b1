# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""kafka_topics / kafka_topic / kafka_topic_info against a real cluster, run through Ansible.

Needs KAFKA_BOOTSTRAP_SERVERS pointing at a cluster with at least 3 brokers. Every topic
lives under a unique prefix and is deleted at the end. Tests depend on each other's topics
only within a test function.
"""

import time

import kafka.errors as Errors
import pytest
from kafka.admin import ConfigResource, KafkaAdminClient

from ansible_collections.kafka_ansible.cluster.plugins.module_utils import kafka_topic_engine
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import KafkaAdmin
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_topic_plan import KNOWN_TOPIC_CONFIGS


def wait_until(condition, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, 'timed out waiting for ' + what
        time.sleep(0.3)


def describe(admin, name):
    topic = admin.describe_topics([name])[0]
    assert topic['error_code'] == 0, 'topic %s does not exist' % name
    return dict((p['partition_index'], p) for p in topic['partitions'])


def own_configs(admin, name):
    entries = admin.describe_configs([ConfigResource('TOPIC', name)], config_filter='all')['topic'][name]
    return dict((k, v['value']) for k, v in entries.items() if v['config_source'] == 'DYNAMIC_TOPIC_CONFIG')


def ok(result):
    assert not result.get('failed'), result.get('msg')
    return result


def create(admin, partitions, replication_factor, *names, **configs):
    """Set-up without the module under test: create topics with kafka-python."""
    admin.create_topics(dict((n, {'num_partitions': partitions, 'replication_factor': replication_factor,
                                  'configs': dict((k.replace('_', '.'), str(v)) for k, v in configs.items())})
                             for n in names))
    admin.wait_for_topics(list(names))
    # other brokers learn about new topics a moment later (each call asks a random broker);
    # snapshots must not see them appear
    for _ in range(5):
        wait_until(lambda: set(names) <= set(admin.list_topics()), 'the new topics on every broker')


@pytest.fixture(scope='module')
def brokers(admin):
    count = len(admin.describe_cluster()['brokers'])
    if count < 3:
        pytest.fail('the integration tests need 3 brokers, the cluster has %d' % count, pytrace=False)
    return count


def test_create_then_rerun_is_unchanged(ansible, admin, prefix, brokers):
    topics = [
        {'name': prefix + 'orders', 'partitions': 3, 'replication_factor': 3,
         'configs': {'retention.ms': 86400000, 'cleanup.policy': ['compact', 'delete'],
                     'unclean.leader.election.enable': False, 'min.cleanable.dirty.ratio': 0.25}},
        {'name': prefix + 'events', 'partitions': 2, 'replication_factor': 2},
    ]
    first = ok(ansible('kafka_topics', {'topics': topics}))
    assert first['changed'] is True
    assert [(c['action'], c['topic']) for c in first['changes']] == [
        ('create', prefix + 'orders'), ('create', prefix + 'events')]

    orders = describe(admin, prefix + 'orders')
    assert len(orders) == 3 and all(len(p['replica_nodes']) == 3 for p in orders.values())
    assert all(p['leader_id'] >= 0 for p in orders.values())
    assert own_configs(admin, prefix + 'orders') == {
        'retention.ms': '86400000', 'cleanup.policy': 'compact,delete',
        'unclean.leader.election.enable': 'false', 'min.cleanable.dirty.ratio': '0.25'}
    events = describe(admin, prefix + 'events')
    assert len(events) == 2 and all(len(p['replica_nodes']) == 2 for p in events.values())

    again = ok(ansible('kafka_topics', {'topics': topics}))
    assert again['changed'] is False
    assert again['changes'] == []

    single = ok(ansible('kafka_topic', dict(topics[0])))
    assert single['changed'] is False


def test_info(ansible, admin, prefix, brokers):
    create(admin, 2, 3, prefix + 'info', retention_ms=1000)
    info = ok(ansible('kafka_topic_info', {'names': [prefix + 'info', prefix + 'missing']}))
    assert info['changed'] is False
    assert len(info['brokers']) == brokers
    topic = info['topics'][prefix + 'info']
    assert list(info['topics']) == [prefix + 'info']
    assert (topic['partitions'], topic['replication_factor'], topic['configs'], topic['internal']) == (
        2, 3, {'retention.ms': '1000'}, False)
    assert [p['partition'] for p in topic['partition_details']] == [0, 1]
    assert all(p['leader'] in p['replicas'] and sorted(p['isr']) == sorted(p['replicas'])
               for p in topic['partition_details'])
    by_pattern = ok(ansible('kafka_topic_info', {'pattern': prefix.replace('.', r'\.') + 'inf.*'}))
    assert list(by_pattern['topics']) == [prefix + 'info']


def test_partition_increase(ansible, admin, prefix, brokers):
    name = prefix + 'grow'
    create(admin, 2, 2, name)
    result = ok(ansible('kafka_topic', {'name': name, 'partitions': 5}))
    assert result['changes'] == [{'topic': name, 'action': 'update',
                                  'before': {'partitions': 2}, 'after': {'partitions': 5}}]
    parts = describe(admin, name)
    assert sorted(parts) == [0, 1, 2, 3, 4]
    assert all(len(p['replica_nodes']) == 2 and p['leader_id'] >= 0 for p in parts.values())


def test_config_set_and_unset_keeps_other_overrides(ansible, admin, prefix, brokers):
    name = prefix + 'cfg'
    # segment.ms stands for an override someone else set: it must survive
    create(admin, 1, 3, name, retention_ms=3600000, cleanup_policy='compact', segment_ms=7200000)

    result = ok(ansible('kafka_topic', {'name': name, 'configs': {
        'retention.ms': None, 'max.message.bytes': '2097152', 'cleanup.policy': ['compact']}}))
    assert result['changes'] == [{'topic': name, 'action': 'update',
                                  'before': {'configs': {'retention.ms': '3600000'}},
                                  'after': {'configs': {'max.message.bytes': '2097152'}}}]
    assert own_configs(admin, name) == {'cleanup.policy': 'compact', 'max.message.bytes': '2097152',
                                        'segment.ms': '7200000'}
    # the broker default for retention.ms is not an override: setting null again is a no-op
    assert ok(ansible('kafka_topic', {'name': name, 'configs': {'retention.ms': None}}))['changed'] is False


def test_replication_factor_up_and_down(ansible, admin, prefix, brokers):
    name = prefix + 'rf'
    create(admin, 3, 1, name)
    before = describe(admin, name)

    refused = ansible('kafka_topic', {'name': name, 'replication_factor': 3})
    assert refused['failed']
    assert "topic '%s': replication factor change 1 -> 3 requires allow_replication_factor_change: true" % name \
        in refused['msg']

    up = ok(ansible('kafka_topic', {'name': name, 'replication_factor': 3, 'allow_replication_factor_change': True}))
    assert up['changes'][0]['before']['replication_factor'] == 1
    assert up['changes'][0]['after']['replication_factor'] == 3
    after = describe(admin, name)
    for index, part in after.items():
        assert len(part['replica_nodes']) == 3
        assert part['replica_nodes'][0] == before[index]['replica_nodes'][0]   # existing replica kept first
    assert not admin.list_partition_reassignments()
    wait_until(lambda: all(len(p['isr_nodes']) == 3 for p in describe(admin, name).values()), 'ISR to fill')

    leaders = dict((i, p['leader_id']) for i, p in describe(admin, name).items())
    down = ok(ansible('kafka_topic', {'name': name, 'replication_factor': 2, 'allow_replication_factor_change': True}))
    assert down['changed'] is True
    for index, part in describe(admin, name).items():
        assert len(part['replica_nodes']) == 2
        assert leaders[index] in part['replica_nodes']     # the leader is kept
    again = ok(ansible('kafka_topic', {'name': name, 'replication_factor': 2}))
    assert again['changed'] is False


def test_delete_waits_until_gone(ansible, admin, prefix, brokers):
    name = prefix + 'doomed'
    create(admin, 2, 3, name)
    result = ok(ansible('kafka_topic', {'name': name, 'state': 'absent'}))
    assert result['changes'] == [{'topic': name, 'action': 'delete', 'reason': 'state is absent',
                                  'before': {'partitions': 2, 'replication_factor': 3}, 'after': {}}]
    assert name not in admin.list_topics()
    # a topic still marked for deletion could not be created again
    ok(ansible('kafka_topic', {'name': name, 'partitions': 1, 'replication_factor': 1,
                               'configs': {'min.insync.replicas': 1}}))
    assert ok(ansible('kafka_topic', {'name': name, 'state': 'absent'}))['changed'] is True
    assert ok(ansible('kafka_topic', {'name': name, 'state': 'absent'}))['changed'] is False


def test_prune_within_scope_and_guard(ansible, admin, prefix, brokers):
    scope = prefix + 'p.'
    internal = '__' + scope + 'internal'
    names = [scope + 'keep', scope + 'x', scope + 'y', prefix + 'outside']
    create(admin, 1, 1, internal, *names)
    regex = '(__)?' + scope.replace('.', r'\.') + '.*'

    guarded = ansible('kafka_topics', {'topics': [{'name': scope + 'keep'}], 'prune': True,
                                       'prune_regex': regex, 'prune_max_deletions': 1})
    assert guarded['failed']
    assert 'prune: would delete 2 topics, more than prune_max_deletions (1): %sx, %sy' % (scope, scope) \
        in guarded['msg']
    assert set(names + [internal]) <= set(admin.list_topics())

    pruned = ok(ansible('kafka_topics', {'topics': [{'name': scope + 'keep'}], 'prune': True,
                                         'prune_regex': regex, 'prune_max_deletions': 2}))
    assert [(c['action'], c['topic'], c['reason']) for c in pruned['changes']] == [
        ('delete', scope + 'x', 'pruned: not listed'), ('delete', scope + 'y', 'pruned: not listed')]
    assert "prune: internal topic '%s' is never pruned" % internal in pruned['warnings']
    remaining = set(admin.list_topics())
    assert {scope + 'keep', prefix + 'outside', internal} <= remaining
    assert not {scope + 'x', scope + 'y'} & remaining

    by_prefix = ok(ansible('kafka_topics', {'topics': [], 'prune': True, 'prune_prefix': scope,
                                            'prune_max_deletions': 1}))
    assert [c['topic'] for c in by_prefix['changes']] == [scope + 'keep']
    assert prefix + 'outside' in admin.list_topics()


def test_check_mode_changes_nothing(ansible, admin, prefix, brokers, snapshot):
    base = prefix + 'chk.'
    create(admin, 1, 1, base + 'a', retention_ms=1000)
    create(admin, 1, 1, base + 'b')
    before = snapshot(base)

    result = ok(ansible('kafka_topics', {'allow_replication_factor_change': True, 'topics': [
        {'name': base + 'a', 'partitions': 3, 'replication_factor': 2, 'configs': {'retention.ms': None}},
        {'name': base + 'b', 'state': 'absent'},
        {'name': base + 'new', 'partitions': 2, 'replication_factor': 3}]}, check=True))
    assert result['changed'] is True
    assert [(c['action'], c['topic']) for c in result['changes']] == [
        ('delete', base + 'b'), ('create', base + 'new'), ('update', base + 'a')]
    update = result['changes'][2]
    assert update['before']['partitions'] == 1 and update['after']['partitions'] == 3
    assert update['before']['replication_factor'] == 1 and update['after']['replication_factor'] == 2
    assert update['before']['configs'] == {'retention.ms': '1000'} and update['after']['configs'] == {}
    assert len(update['after']['replicas']) == 3
    assert snapshot(base) == before


def test_diff_shows_changed_keys_only(ansible, admin, prefix, brokers):
    name = prefix + 'diff'
    create(admin, 1, 1, name, retention_ms=1000, segment_ms=3600000)
    result = ok(ansible('kafka_topic', {'name': name, 'partitions': 2,
                                        'configs': {'retention.ms': 2000, 'segment.ms': 3600000}}, diff=True))
    assert result['diff'] == [{'before_header': name, 'after_header': name,
                               'before': {'partitions': 1, 'configs': {'retention.ms': '1000'}},
                               'after': {'partitions': 2, 'configs': {'retention.ms': '2000'}}}]


def test_builtin_config_list_matches_the_broker(admin, prefix, brokers):
    name = prefix + 'schema'
    create(admin, 1, 1, name)
    entries = admin.describe_configs([ConfigResource('TOPIC', name)], config_filter='all')['topic'][name]
    assert dict((k, v['config_type']) for k, v in entries.items()) == KNOWN_TOPIC_CONFIGS


# Each case: (topics or extra module args, topic named in the message, reason). Every run also
# carries valid changes (a new topic, a config change, a partition increase) that must NOT happen.
BAD_INPUT = [
    ('bad name', [{'name': '{p}bad name!'}], '{p}bad name!', 'name contains illegal characters'),
    ('too long', [{'name': '{p}' + 'x' * 250}], '{p}' + 'x' * 250, 'characters long, the maximum is 249'),
    ('duplicate', [{'name': '{p}dup'}, {'name': '{p}dup'}], '{p}dup', 'listed more than once'),
    ('partitions decrease', [{'name': '{p}base', 'partitions': 1}], '{p}base',
     'partitions cannot be decreased (current 3, requested 1)'),
    ('rf above brokers', [{'name': '{p}wide', 'partitions': 1, 'replication_factor': 99}], '{p}wide',
     'replication_factor 99 is greater than the number of live brokers'),
    ('min.insync above rf', [{'name': '{p}misr', 'partitions': 1, 'replication_factor': 2,
                              'configs': {'min.insync.replicas': 3}}], '{p}misr',
     'min.insync.replicas 3 is greater than the replication factor 2'),
    ('unknown config', [{'name': '{p}unk', 'configs': {'retention.msx': 1}}], '{p}unk',
     "unknown config 'retention.msx' (did you mean 'retention.ms'?)"),
    ('bad value type', [{'name': '{p}typ', 'configs': {'retention.ms': 'seven days'}}], '{p}typ',
     "config 'retention.ms' expects an integer (LONG), got 'seven days'"),
    ('value the broker rejects', [{'name': '{p}base', 'configs': {'compression.type': 'zip'}}], '{p}base',
     'the broker rejects the config change'),
    ('create the broker rejects', [{'name': '{p}pol', 'partitions': 1, 'replication_factor': 2,
                                    'configs': {'cleanup.policy': 'shred'}}], '{p}pol',
     'the broker rejects the creation'),
    ('rf change without opt-in', [{'name': '{p}base', 'replication_factor': 2}], '{p}base',
     'replication factor change 1 -> 2 requires allow_replication_factor_change: true'),
    ('delete internal topic', [{'name': '__consumer_offsets', 'state': 'absent'}], '__consumer_offsets',
     'internal topic, it can never be deleted'),
    ('prune without scope', {'prune': True}, 'prune', 'requires prune_prefix or prune_regex'),
]


@pytest.fixture(scope='module')
def battery_prefix(admin, prefix):
    p = prefix + 'bad.'
    create(admin, 3, 1, p + 'base', retention_ms=1000)
    create(admin, 1, 1, p + 'other')
    return p


@pytest.mark.parametrize('case, extra, topic, reason', BAD_INPUT, ids=[c[0] for c in BAD_INPUT])
def test_bad_input_fails_and_changes_nothing(ansible, snapshot, battery_prefix, brokers, case, extra, topic, reason):
    p = battery_prefix
    valid = [{'name': p + 'brand-new', 'partitions': 1, 'replication_factor': 1,
              'configs': {'min.insync.replicas': 1}},
             {'name': p + 'other', 'partitions': 2, 'configs': {'retention.ms': 5000}}]
    args = {'topics': valid}
    if isinstance(extra, dict):
        args.update(extra)
    else:
        args['topics'] = valid + [dict(item, name=item['name'].format(p=p)) for item in extra]
    before = snapshot(p)

    result = ansible('kafka_topics', args)
    assert result.get('failed'), 'expected a failure for %s, got %s' % (case, result)
    assert result['msg'].startswith('Invalid input, nothing was changed: ')
    named = topic.format(p=p)
    expected = 'prune: ' if named == 'prune' else "topic '%s': " % named
    assert expected in result['msg'] and reason in result['msg'], result['msg']
    assert snapshot(p) == before


def name_is_free(admin, name):
    """Whether the broker would create ``name`` now (validate_only: nothing is created)."""
    answer = admin.create_topics({name: {'num_partitions': 1, 'replication_factor': 1}}, validate_only=True,
                                 raise_errors=False)
    return answer['topics'][0]['error_code'] == 0


def test_delete_waits_until_the_name_is_free(ansible, admin, prefix, brokers):
    # defect 1: many partitions make the ZooKeeper-mode deletion last a while after the metadata
    # has forgotten the topic (about 5 s for 300 partitions on a loopback cluster)
    name = prefix + 'slowdelete'
    create(admin, 300, 3, name)
    result = ok(ansible('kafka_topic', {'name': name, 'state': 'absent'}))
    assert [c['action'] for c in result['changes']] == ['delete']
    assert name_is_free(admin, name)


def real_admin(bootstrap, client=None):
    client = client or KafkaAdminClient(bootstrap_servers=bootstrap.split(','), client_id='it-engine')
    return KafkaAdmin(client, retries=3, timeout_ms=30000)


def test_recreate_while_the_deletion_is_in_progress(bootstrap, admin, prefix, brokers):
    # defect 1: a create planned while the old topic's deletion is still running creates the
    # topic for real once the name is free; it never reports a create that did not happen.
    # In-process, so that the run surely starts inside the deletion window.
    name = prefix + 'recreate'
    create(admin, 300, 3, name)
    admin.delete_topics([name])                     # returns when the deletion has started
    # Each answer may come from another broker: several in a row at once, so that the engine's own ask does not
    # meet a broker that still lists the old topic (it plans 300 -> 2 partitions, refused).
    wait_until(lambda: not any(name in admin.list_topics() for _ in range(8)), 'every broker to forget the topic')
    assert not name_is_free(admin, name), 'the deletion ended too fast to test the race'
    engine_admin = real_admin(bootstrap)
    try:
        plan = kafka_topic_engine.reconcile(
            engine_admin, [{'name': name, 'partitions': 2, 'replication_factor': 3, 'configs': None, 'state': 'present'}],
            prune=None, allow_rf_change=False, wait_timeout=120, check_mode=False)
    finally:
        engine_admin.close()
    assert [(c['action'], c['topic']) for c in plan['changes']] == [('create', name)]
    # Every broker must know it: each describe may be answered by another broker, so it is read until
    # several answers in a row show the new topic (2 partitions), never the old one (300).
    answers = []

    def partitions():
        topic = admin.describe_topics([name])[0]
        answers.append(sorted(p['partition_index'] for p in topic['partitions']) if topic['error_code'] == 0 else None)
        return answers[-5:] == [[0, 1]] * 5
    wait_until(partitions, 'every broker to describe the new topic')
    assert [0, 1] in answers and not [a for a in answers if a not in (None, [0, 1])], answers


def test_delete_and_create_the_twin_in_one_run_is_refused(ansible, admin, prefix, brokers, snapshot):
    # defect 7: Kafka refuses a.b while a_b is being deleted, so the plan refuses it up front
    base = prefix + 'twin.'
    old, twin = base + 'a_b', base + 'a.b'
    create(admin, 1, 3, old)
    before = snapshot(base)
    result = ansible('kafka_topics', {'topics': [{'name': old, 'state': 'absent'},
                                                 {'name': twin, 'partitions': 1, 'replication_factor': 3}]})
    assert result.get('failed'), result
    assert ("topic '%s': collides with topic '%s' ('.' and '_' are the same in Kafka metric names), which this "
            "run deletes" % (twin, old)) in result['msg']
    assert snapshot(base) == before
    # the two steps the message asks for work
    ok(ansible('kafka_topic', {'name': old, 'state': 'absent'}))
    created = ok(ansible('kafka_topic', {'name': twin, 'partitions': 1, 'replication_factor': 3}))
    assert [(c['action'], c['topic']) for c in created['changes']] == [('create', twin)]
    wait_until(lambda: twin in admin.list_topics(), 'the twin')


class LosesFirstCreateAnswer:
    """A real admin client whose first real (not validate_only) CreateTopics answer is lost:
    the broker creates the topics, the caller sees a lost connection and retries."""

    def __init__(self, client):
        self.client = client
        self.lost = 0

    def __getattr__(self, name):
        return getattr(self.client, name)

    def create_topics(self, new_topics, validate_only=False, **kwargs):
        answer = self.client.create_topics(new_topics, validate_only=validate_only, **kwargs)
        if not validate_only and not self.lost:
            self.lost += 1
            raise Errors.KafkaConnectionError('answer lost (simulated)')
        return answer


def test_a_create_whose_answer_was_lost_is_reported(bootstrap, admin, prefix, brokers):
    # defect 8, against the real broker: the retry gets TOPIC_ALREADY_EXISTS for our own create
    name = prefix + 'lost-answer'
    client = LosesFirstCreateAnswer(KafkaAdminClient(bootstrap_servers=bootstrap.split(','), client_id='it-lost'))
    try:
        plan = kafka_topic_engine.reconcile(
            real_admin(bootstrap, client),
            [{'name': name, 'partitions': 1, 'replication_factor': 3, 'configs': None, 'state': 'present'}],
            prune=None, allow_rf_change=False, wait_timeout=60, check_mode=False)
    finally:
        client.close()
    assert client.lost == 1
    assert [(c['action'], c['topic']) for c in plan['changes']] == [('create', name)]
    wait_until(lambda: name in admin.list_topics(), 'the new topic')
