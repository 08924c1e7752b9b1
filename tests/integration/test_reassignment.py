# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""kafka_reassignment against a live 3-broker cluster, scoped to this module's topic prefix."""

import time

import pytest
from kafka import KafkaProducer
from kafka.admin import ConfigResource, NewTopic

THROTTLE_KEYS = {'leader.replication.throttled.rate', 'follower.replication.throttled.rate',
                 'leader.replication.throttled.replicas', 'follower.replication.throttled.replicas'}


@pytest.fixture(scope='module')
def brokers(admin):
    ids = sorted(b['broker_id'] for b in admin.describe_cluster()['brokers'])
    assert len(ids) >= 3, 'these tests need 3 live brokers, found %s' % ids
    return ids


def assignment(admin, prefix):
    return dict((t['name'], dict((p['partition_index'], p['replica_nodes']) for p in t['partitions']))
                for t in admin.describe_topics() if t['name'].startswith(prefix))


def per_broker(assigned, leaders=False):
    result = {}
    for parts in assigned.values():
        for replicas in parts.values():
            for b in replicas[:1] if leaders else replicas:
                result[b] = result.get(b, 0) + 1
    return result


def throttles(admin, brokers, prefix):
    """Every throttle config set on a broker or on a topic of ``prefix``."""
    resources = [ConfigResource('BROKER', str(b)) for b in brokers]
    resources += [ConfigResource('TOPIC', t) for t in assignment(admin, prefix)]
    described = admin.describe_configs(resources, config_filter='all')
    return ['%s %s %s=%s' % (kind, name, key, entry['value'])
            for kind, entries in described.items() for name, configs in entries.items()
            for key, entry in configs.items()
            if key in THROTTLE_KEYS and entry['config_source'].startswith('DYNAMIC') and entry['value']]


def wait_no_reassignment(admin, timeout=120):
    deadline = time.monotonic() + timeout
    while admin.list_partition_reassignments():
        assert time.monotonic() < deadline, 'a reassignment did not finish'
        time.sleep(1)


def skewed(admin, prefix, brokers):
    """An RF 1 and an RF 2 topic on the first two brokers only; the third holds nothing. Their
    min.insync.replicas is 1: a drain refuses topics whose RF is below it."""
    a, b = brokers[0], brokers[1]
    one = {'min.insync.replicas': '1'}
    admin.create_topics([
        NewTopic(prefix + 'rf1', replica_assignments=dict((p, [a]) for p in range(6)), topic_configs=one),
        NewTopic(prefix + 'rf2', replica_assignments=dict((p, [a, b] if p % 2 else [b, a]) for p in range(6)),
                 topic_configs=one),
    ])
    deadline = time.monotonic() + 60
    while len(assignment(admin, prefix)) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)


def scoped(prefix, **args):
    return dict({'mode': 'balance', 'topic_regex': prefix.replace('.', r'\.') + '.*', 'throttle': 10485760,
                 'batch_size': 2, 'wait_timeout': 120}, **args)


def test_balance_check_mode_changes_nothing_then_applies_the_fewest_moves(admin, ansible, prefix, brokers):
    skewed(admin, prefix, brokers)
    before = assignment(admin, prefix)
    checked = ansible('kafka_reassignment', scoped(prefix), check=True, diff=True)
    assert checked['changed'] is True, checked
    assert checked['moves'] and checked['replica_moves'] == checked['lower_bound'] == 6, checked
    assert '%srf1-0' % prefix in checked['diff'][0]['before']
    assert assignment(admin, prefix) == before
    assert throttles(admin, brokers, prefix) == []

    applied = ansible('kafka_reassignment', scoped(prefix))
    assert applied['changed'] is True and not applied.get('failed'), applied
    assert applied['throttles_left'] == []
    after = assignment(admin, prefix)
    assert per_broker(after) == {brokers[0]: 6, brokers[1]: 6, brokers[2]: 6}
    assert max(per_broker(after, leaders=True).values()) - min(per_broker(after, leaders=True).values()) <= 1
    assert throttles(admin, brokers, prefix) == []
    # the preferred leaders lead
    leaders = dict((t['name'], dict((p['partition_index'], p['leader_id']) for p in t['partitions']))
                   for t in admin.describe_topics(list(after)))
    assert all(leaders[t][p] == after[t][p][0] for t in after for p in after[t])

    again = ansible('kafka_reassignment', scoped(prefix))
    assert again['changed'] is False and again['moves'] == [], again


def test_drain_one_broker_of_the_prefix_topics(admin, ansible, prefix, brokers):
    drained = brokers[2]
    result = ansible('kafka_reassignment', scoped(prefix, mode='drain', brokers=[drained]))
    assert result['changed'] is True and not result.get('failed'), result
    after = assignment(admin, prefix)
    assert drained not in per_broker(after)
    assert all(len(r) == len(set(r)) and len(r) == (1 if t.endswith('rf1') else 2)
               for t, parts in after.items() for r in parts.values())
    assert result['replica_moves'] == result['lower_bound']
    assert throttles(admin, brokers, prefix) == []
    assert ansible('kafka_reassignment', scoped(prefix, mode='drain', brokers=[drained]))['changed'] is False
    back = ansible('kafka_reassignment', scoped(prefix))
    assert back['changed'] is True and per_broker(assignment(admin, prefix))[drained] == 6, back


def test_drain_refuses_what_the_rest_cannot_hold_and_changes_nothing(admin, ansible, prefix, brokers):
    admin.create_topics([NewTopic(prefix + 'rf3', 2, 3)])
    time.sleep(2)
    before = assignment(admin, prefix)
    result = ansible('kafka_reassignment', scoped(prefix, mode='drain', brokers=[brokers[0]]))
    assert result['failed'] is True
    assert ("topic '%srf3' has replication factor 3 but only 2 broker(s) would remain" % prefix) in result['msg']
    assert result['msg'].startswith('Invalid input, nothing was changed')
    assert assignment(admin, prefix) == before
    admin.delete_topics([prefix + 'rf3'])


@pytest.mark.parametrize('args, message', [
    ({'mode': 'balance', 'brokers': [999]}, 'brokers [999] are not live'),
    ({'mode': 'drain', 'brokers': [999]}, 'brokers [999] are neither live nor hold a replica'),
    ({'mode': 'balance', 'topics': ['no-such-topic-here']}, "topic 'no-such-topic-here' does not exist"),
])
def test_bad_input_is_refused(ansible, args, message):
    result = ansible('kafka_reassignment', args)
    assert result['failed'] is True and message in result['msg'], result


def test_throttles_are_removed_after_a_timeout(admin, ansible, prefix, brokers):
    topic = prefix + 'heavy'
    a = brokers[0]
    admin.create_topics([NewTopic(topic, replica_assignments={0: [a]}, topic_configs={'min.insync.replicas': '1'})])
    time.sleep(2)
    producer = KafkaProducer(bootstrap_servers=admin.config['bootstrap_servers'], acks='all')
    for _ in range(2000):
        producer.send(topic, b'x' * 1000)
    producer.flush()
    producer.close()
    # 2 MB at 1 kB/s cannot be copied within the 1 s the task waits
    result = ansible('kafka_reassignment', {'mode': 'drain', 'brokers': [a], 'topics': [topic],
                                            'throttle': 1000, 'wait_timeout': 1})
    assert result['failed'] is True and 'timed out' in result['msg'], result
    assert throttles(admin, brokers, prefix) == []
    wait_no_reassignment(admin)
    assert a not in per_broker(assignment(admin, topic))
    report = ansible('kafka_reassignment', {'mode': 'report'})
    assert report['changed'] is False and report['throttles_left'] == [] and report['reassigning'] == []
    assert {p['broker'] for p in report['per_broker'] if p['live']} == set(brokers)
