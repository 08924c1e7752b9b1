"""The ensemble steps: one member at a time, so that two majorities of neighbouring steps always overlap."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kafka_ansible.cluster.plugins.filter.zookeeper_ensemble import zookeeper_ensemble_steps

CONFIG3 = 'server.1=zk1:2888:3888:participant\nserver.3=zk3:2888:3888:participant\nserver.2=zk2:2888:3888:participant\nversion=0'
CONFIG5 = CONFIG3 + '\nserver.4=zk4:2888:3888:participant\nserver.5=zk5:2888:3888:participant'


def majority(n):
    return n // 2 + 1


def test_grow_one_member_at_a_time_and_every_two_majorities_overlap():
    steps = zookeeper_ensemble_steps(CONFIG3, ['zk1', 'zk2', 'zk3', 'zk4', 'zk5'])
    assert steps == [{'step': 1, 'members': ['zk1', 'zk2', 'zk3', 'zk4'], 'joins': 'zk4', 'leaves': None},
                     {'step': 2, 'members': ['zk1', 'zk2', 'zk3', 'zk4', 'zk5'], 'joins': 'zk5', 'leaves': None}]
    sizes = [3] + [len(s['members']) for s in steps]
    for before, after in zip(sizes, sizes[1:]):
        assert majority(before) + majority(after) > max(before, after)


def test_shrink_one_member_at_a_time_ending_on_the_inventory_order():
    steps = zookeeper_ensemble_steps(CONFIG5, ['zk3', 'zk1', 'zk2'])
    assert [s['leaves'] for s in steps] == ['zk4', 'zk5']
    assert steps[0]['members'] == ['zk1', 'zk2', 'zk3', 'zk5']
    assert steps[-1]['members'] == ['zk3', 'zk1', 'zk2']


def test_nothing_to_do():
    assert zookeeper_ensemble_steps(CONFIG3, ['zk1', 'zk2', 'zk3']) == []


@pytest.mark.parametrize('target, words', [
    (['zk1', 'zk2', 'zk3', 'zk4'], 'must be odd'),
    (['zk1', 'zk2', 'zk4'], 'join (zk4) and leave (zk3)'),
    (['zk1'], 'removes a majority'),
])
def test_refusals_name_what_is_wrong(target, words):
    with pytest.raises(AnsibleFilterError, match=words.replace('(', r'\(').replace(')', r'\)')):
        zookeeper_ensemble_steps(CONFIG3, target)


def test_removing_two_of_five_is_a_minority_but_three_is_not():
    assert len(zookeeper_ensemble_steps(CONFIG5, ['zk1', 'zk2', 'zk3'])) == 2
    with pytest.raises(AnsibleFilterError, match='removes a majority'):
        zookeeper_ensemble_steps(CONFIG5, ['zk1'])


def test_unreadable_config():
    with pytest.raises(AnsibleFilterError, match='no server lines'):
        zookeeper_ensemble_steps('', ['zk1'])
