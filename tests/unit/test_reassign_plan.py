# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The reassignment planner (balance, drain): pure functions of the live layout."""

import pytest

from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_reassign_plan import (
    ReassignPlanError, batches, brokers_of, counts, lower_bound, plan_balance, plan_drain, throttled_replicas,
    validate_request)


def layout(assignment, brokers=(1, 2, 3), racks=None, min_isr=None):
    return {'assignment': assignment, 'racks': dict((b, (racks or {}).get(b)) for b in brokers),
            'min_isr': min_isr or {}}


def round_robin(partitions, rf, brokers):
    return dict((p, [brokers[(p + i) % len(brokers)] for i in range(rf)]) for p in range(partitions))


def applied(lay, plan):
    """The assignment after the plan."""
    result = dict((t, dict(parts)) for t, parts in lay['assignment'].items())
    for m in plan['moves']:
        result[m['topic']][m['partition']] = m['after']
    return result


def spread(mapping, brokers):
    values = [mapping.get(b, 0) for b in brokers]
    return max(values) - min(values)


def test_a_new_empty_broker_gets_its_share_with_the_fewest_moves():
    lay = layout({'orders': round_robin(12, 3, [1, 2, 3]), 'events': round_robin(6, 2, [1, 2, 3])}, (1, 2, 3, 4))
    plan = plan_balance(lay)
    # 48 replicas over 4 brokers: 12 each, broker 4 has none: 12 must move, and no more do
    assert plan['lower_bound'] == 12
    assert plan['replica_moves'] == 12
    assert plan['replicas_after'] == {1: 12, 2: 12, 3: 12, 4: 12}
    assert spread(plan['leaders_after'], [1, 2, 3, 4]) <= 1
    for m in plan['moves']:
        assert len(m['after']) == len(m['before']) and len(set(m['after'])) == len(m['after'])
    # every partition keeps its replication factor
    after = applied(lay, plan)
    assert all(len(after[t][p]) == len(lay['assignment'][t][p]) for t in after for p in after[t])


def test_a_balanced_assignment_needs_no_move():
    lay = layout({'orders': round_robin(12, 3, [1, 2, 3]), 'events': round_robin(5, 2, [1, 2, 3])})
    plan = plan_balance(lay)
    assert plan['moves'] == [] and plan['replica_moves'] == 0 and plan['lower_bound'] == 0


def test_the_plan_is_idempotent():
    lay = layout({'a': dict((p, [1, 2]) for p in range(7)), 'b': dict((p, [1]) for p in range(5))}, (1, 2, 3, 4))
    first = plan_balance(lay)
    assert first['moves']
    second = plan_balance(layout(applied(lay, first), (1, 2, 3, 4)))
    assert second['moves'] == [], second['moves']


def test_skewed_topics_move_exactly_the_lower_bound():
    # RF 1 and RF 2 topics all on brokers 1 and 2: broker 3 empty
    lay = layout({'rf1': dict((p, [1]) for p in range(6)), 'rf2': dict((p, [1, 2]) for p in range(6))})
    plan = plan_balance(lay)
    assert counts(lay['assignment']) == {1: 12, 2: 6}
    # 18 replicas over 3 brokers: 6 each; broker 1 has 6 too many
    assert plan['lower_bound'] == 6 and plan['replica_moves'] == 6
    assert plan['replicas_after'] == {1: 6, 2: 6, 3: 6}
    assert spread(plan['leaders_after'], [1, 2, 3]) <= 1


def test_lower_bound_counts_replicas_outside_the_targets_and_deficits():
    assignment = {'t': {0: [1, 2], 1: [1, 2], 2: [1, 3]}}
    assert lower_bound(assignment, [1, 2, 3]) == 1       # 6 over 3: broker 1 holds 3, one too many
    assert lower_bound(assignment, [2, 3, 4]) == 3       # broker 1 is no target: its 3 replicas move
    assert lower_bound({'t': {0: [1], 1: [1], 2: [1], 3: [1]}}, [1, 2, 3, 4]) == 3


def test_balancing_over_a_broker_list_moves_everything_off_the_others():
    lay = layout({'t': round_robin(6, 2, [1, 2, 3])}, (1, 2, 3, 4))
    plan = plan_balance(lay, [2, 3, 4])
    after = applied(lay, plan)
    assert all(1 not in r for r in after['t'].values())
    assert plan['replicas_after'] == {2: 4, 3: 4, 4: 4}
    assert plan['replica_moves'] == plan['lower_bound'] == 4


def test_rack_aware_moves_keep_partitions_across_racks():
    racks = {1: 'a', 2: 'b', 3: 'a', 4: 'b'}
    # every partition on brokers 1 (rack a) and 2 (rack b); 3 and 4 are new
    lay = layout({'t': dict((p, [1, 2]) for p in range(8))}, (1, 2, 3, 4), racks)
    plan = plan_balance(lay)
    after = applied(lay, plan)
    for replicas in after['t'].values():
        assert len(set(racks[b] for b in replicas)) == 2, after
    assert plan['replicas_after'] == {1: 4, 2: 4, 3: 4, 4: 4}
    assert plan['replica_moves'] == plan['lower_bound'] == 8


def test_rack_aware_balance_fixes_a_partition_on_one_rack():
    racks = {1: 'a', 2: 'a', 3: 'b'}
    lay = layout({'t': {0: [1, 2], 1: [3, 1], 2: [2, 3]}}, (1, 2, 3), racks)
    plan = plan_balance(lay)
    after = applied(lay, plan)
    assert all(len(set(racks[b] for b in r)) == 2 for r in after['t'].values()), after
    assert plan['lower_bound'] >= 1 and plan['replica_moves'] >= 1


def test_drain_moves_every_replica_and_keeps_the_replication_factor():
    lay = layout({'t': round_robin(9, 2, [1, 2, 3, 4]), 'u': dict((p, [4]) for p in range(3))}, (1, 2, 3, 4))
    plan = plan_drain(lay, [4])
    after = applied(lay, plan)
    assert all(4 not in r for parts in after.values() for r in parts.values())
    assert all(len(after[t][p]) == len(lay['assignment'][t][p]) for t in after for p in after[t])
    assert plan['replica_moves'] == plan['lower_bound'] == counts(lay['assignment'])[4]
    assert 4 not in plan['replicas_after']
    # the drained replicas spread evenly over the others
    assert spread(plan['replicas_after'], [1, 2, 3]) <= 1
    # partitions that do not touch broker 4 stay as they are
    untouched = [(t, p) for t in lay['assignment'] for p in lay['assignment'][t] if 4 not in lay['assignment'][t][p]]
    assert all(after[t][p] == lay['assignment'][t][p] for t, p in untouched)


def test_drain_of_a_broker_without_replicas_is_nothing():
    plan = plan_drain(layout({'t': round_robin(3, 2, [1, 2, 3])}, (1, 2, 3, 4)), [4])
    assert plan['moves'] == [] and plan['lower_bound'] == 0


def test_drain_refuses_when_the_rest_cannot_hold_a_topic():
    lay = layout({'small': round_robin(3, 2, [1, 2, 3]), 'orders': round_robin(3, 3, [1, 2, 3])})
    with pytest.raises(ReassignPlanError) as e:
        plan_drain(lay, [3])
    assert e.value.errors == ["topic 'orders' has replication factor 3 but only 2 broker(s) would remain (1, 2): "
                              "add brokers or lower its replication factor first"]


def test_drain_refuses_below_min_insync_replicas():
    lay = layout({'payments': round_robin(3, 2, [1, 2, 3, 4])}, (1, 2, 3, 4), min_isr={'payments': 3})
    with pytest.raises(ReassignPlanError) as e:
        plan_drain(lay, [4])
    assert "topic 'payments'" in str(e.value) and 'min.insync.replicas 3' in str(e.value)


def test_balance_refuses_a_target_list_too_small_for_a_topic():
    lay = layout({'orders': round_robin(3, 3, [1, 2, 3])}, (1, 2, 3))
    with pytest.raises(ReassignPlanError) as e:
        plan_balance(lay, [1, 2])
    assert "topic 'orders' has replication factor 3" in str(e.value)


def test_leaders_are_balanced_by_reordering_without_moving_data():
    lay = layout({'t': dict((p, [1, 2, 3]) for p in range(6))})
    plan = plan_balance(lay)
    assert plan['replica_moves'] == 0 and plan['lower_bound'] == 0
    assert plan['leaders_after'] == {1: 2, 2: 2, 3: 2}
    assert plan['leader_changes'] == 4
    assert plan_balance(layout(applied(lay, plan)))['moves'] == []


def test_input_validation():
    assert validate_request('balance', [], 10, 0) == []
    assert validate_request('shuffle', [1, 1], 0, -1, '(') == [
        "mode must be one of balance, drain, report, got 'shuffle'",
        'batch_size must be at least 1, got 0',
        'throttle must be a number of bytes/s, 0 for none, got -1',
        "topic_regex '(' is not a valid regular expression: missing ), unterminated subpattern at position 0",
        'brokers lists a broker twice: [1, 1]']
    assert validate_request('drain', [], 10, 0) == ['mode drain needs the ids of the brokers to drain in brokers']
    assert validate_request('drain', [1, 2], 10, 0, live=[1, 2]) == [
        'draining brokers [1, 2] would leave no live broker']
    assert validate_request('balance', [1, 5], 10, 0, live=[1, 2]) == [
        'brokers [5] are not live (live brokers: [1, 2]); replicas cannot be moved onto them']


def test_batches_and_throttle_configs():
    moves = [{'topic': 't', 'partition': 0, 'before': [1, 2], 'after': [4, 2]},
             {'topic': 't', 'partition': 1, 'before': [2, 3], 'after': [2, 4]},
             {'topic': 'u', 'partition': 0, 'before': [3], 'after': [4]}]
    assert [len(b) for b in batches(moves, 2)] == [2, 1]
    assert brokers_of(moves) == [1, 2, 3, 4]
    assert throttled_replicas(moves) == {
        't': {'leader.replication.throttled.replicas': '0:1,0:2,1:2,1:3',
              'follower.replication.throttled.replicas': '0:4,1:4'},
        'u': {'leader.replication.throttled.replicas': '0:3',
              'follower.replication.throttled.replicas': '0:4'}}
