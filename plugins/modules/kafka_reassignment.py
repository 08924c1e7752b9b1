#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0

from __future__ import annotations

DOCUMENTATION = r"""
---
module: kafka_reassignment
short_description: Balance Kafka partitions over the brokers, or drain brokers, with few moves and a throttle
description:
  - Plans partition reassignments from the live assignment and applies them in batches behind a
    replication throttle, then elects the preferred leaders of the partitions that moved.
  - O(mode=balance) spreads the replicas of the topics in scope evenly over the live brokers (or
    over O(brokers)), every broker ending with the floor or the ceiling of its share, and the
    preferred leaderships too (by reordering replicas, which copies no data). Replicas on brokers
    that are not targets move. Only replicas on brokers above their share move, so the number of
    moved replicas (RV(replica_moves)) meets the lower bound (RV(lower_bound)) unless a move is
    impossible. When brokers have a C(broker.rack), no move lowers the number of racks a
    partition spans, and partitions spanning fewer racks than they could get a replica moved to
    an unused rack.
  - O(mode=drain) moves every replica off the brokers in O(brokers), onto the least-loaded other
    live brokers, keeping each partition's replication factor. It refuses, naming the topic, when
    a topic's replication factor is larger than the number of remaining brokers, or when it would
    be below the topic's C(min.insync.replicas) there. Other partitions are left alone.
  - O(mode=report) changes nothing; it returns the replicas and preferred leaderships per broker,
    the reassignments in progress and every replication throttle left on a live broker or a topic.
  - Input is validated before anything changes; a reassignment already in progress in scope is an
    error (run again when it has finished).
  - Each batch sets C(leader.replication.throttled.rate) and C(follower.replication.throttled.rate)
    on the live brokers it involves and C(leader.replication.throttled.replicas) /
    C(follower.replication.throttled.replicas) on its topics, submits the batch, and waits until
    it finished. The throttles are removed after the last batch, and also when a batch fails or
    times out (the reassignment then goes on in the cluster, unthrottled).
  - Internal topics (C(__consumer_offsets), C(__transaction_state)) are balanced and drained like
    the others by default - they hold the consumer offsets, and a drained broker must not keep
    them; O(include_internal=false) leaves them alone in O(mode=balance).
version_added: "1.0.0"
author: kafka-ansible contributors
options:
  mode:
    description: V(balance), V(drain) or V(report) (see above).
    type: str
    required: true
    choices: [balance, drain, report]
  brokers:
    description:
      - With O(mode=balance), the broker ids to balance over (all live, default all live brokers);
        replicas on other brokers move onto them.
      - With O(mode=drain), the broker ids to empty; required.
    type: list
    elements: int
    default: []
  topics:
    description: Only these topics (all must exist). Default every topic.
    type: list
    elements: str
  topic_regex:
    description: Only topics whose whole name matches this Python regular expression.
    type: str
  include_internal:
    description:
      - Include the internal topics. A drain of every replica of a broker needs them; O(mode=drain)
        with V(false) leaves their replicas on the drained broker.
    type: bool
    default: true
  batch_size:
    description: Partitions reassigned at once; the next batch starts when the previous one finished.
    type: int
    default: 10
  throttle:
    description: Replication throttle in bytes/s on each broker involved, for the time of the moves; V(0) for none.
    type: int
    default: 52428800
  wait_timeout:
    description:
      - Seconds to wait for one batch to finish. When it does not, the throttles are removed, the
        task fails, and the reassignment goes on in the cluster; run again once it has finished.
    type: int
    default: 600
  elect_leaders:
    description: Elect the preferred leader of every partition that moved, once all batches finished.
    type: bool
    default: true
extends_documentation_fragment:
  - kafka_ansible.cluster.kafka
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Returns the plan (moves, counts, lower bound) and changes nothing.
  diff_mode:
    support: full
    details: The replicas of each partition that moves, before and after.
  platform:
    platforms: posix
seealso:
  - module: kafka_ansible.cluster.kafka_cluster_health
"""

EXAMPLES = r"""
- name: Spread every topic over all live brokers, 20 MB/s at most, 5 partitions at a time
  kafka_ansible.cluster.kafka_reassignment:
    bootstrap_servers: kafka1:9092,kafka2:9092
    mode: balance
    throttle: 20000000
    batch_size: 5
  register: rebalance

- name: Show how many replicas moved and the least that could do it
  ansible.builtin.debug:
    msg: "{{ rebalance.replica_moves }} replicas moved (lower bound {{ rebalance.lower_bound }})"

- name: Empty broker 4 before it is removed
  kafka_ansible.cluster.kafka_reassignment:
    bootstrap_servers: kafka1:9092
    mode: drain
    brokers: [4]

- name: Check that no throttle is left anywhere
  kafka_ansible.cluster.kafka_reassignment:
    bootstrap_servers: kafka1:9092
    mode: report
  register: report
  failed_when: report.throttles_left | length > 0
"""

RETURN = r"""
brokers:
  description: The live broker ids.
  returned: success
  type: list
  elements: int
  sample: [1, 2, 3, 4]
moves:
  description: The partitions whose replicas change (or would, in check mode), in the order applied.
  returned: with O(mode=balance) or O(mode=drain)
  type: list
  elements: dict
  sample: [{topic: orders, partition: 3, before: [1, 2, 3], after: [4, 2, 3], replica_moves: 1}]
replica_moves:
  description: Replicas that change broker (data copied); a reordering alone counts 0.
  returned: with O(mode=balance) or O(mode=drain)
  type: int
lower_bound:
  description:
    - The fewest replica moves any plan needs. Balance, the larger of the replicas above the
      target brokers' ceiling share (replicas on other brokers included) and the replicas
      missing below their floor share, or of the rack fixes; drain, the replicas on the drained brokers.
  returned: with O(mode=balance) or O(mode=drain)
  type: int
leader_changes:
  description: Partitions whose preferred leader (first replica) changes.
  returned: with O(mode=balance) or O(mode=drain)
  type: int
batches:
  description: Number of batches the moves are applied in.
  returned: with O(mode=balance) or O(mode=drain)
  type: int
replicas_before:
  description: Replicas per broker id of the topics in scope, before.
  returned: with O(mode=balance) or O(mode=drain)
  type: dict
  sample: {"1": 12, "2": 12, "3": 12, "4": 0}
replicas_after:
  description: Replicas per broker id after the plan.
  returned: with O(mode=balance) or O(mode=drain)
  type: dict
leaders_before:
  description: Preferred leaderships per broker id, before.
  returned: with O(mode=balance) or O(mode=drain)
  type: dict
leaders_after:
  description: Preferred leaderships per broker id after the plan.
  returned: with O(mode=balance) or O(mode=drain)
  type: dict
per_broker:
  description: Every live broker and every broker holding replicas in scope, with its replicas, preferred leaderships and liveness, before any change.
  returned: success
  type: list
  elements: dict
  sample: [{broker: 4, replicas: 0, leaders: 0, live: true}]
reassigning:
  description: Partitions with a reassignment in progress.
  returned: with O(mode=report)
  type: list
  elements: str
throttles_left:
  description: Replication throttle configs set on a live broker or on any topic (after the moves, or now with O(mode=report)); empty is what this module leaves.
  returned: with O(mode=report), and after moves were applied
  type: list
  elements: str
  sample: ["broker 2: leader.replication.throttled.rate=52428800"]
applied:
  description: On a failure, the moves whose reassignment finished before it.
  returned: failure
  type: list
  elements: dict
errors:
  description: Every validation problem found, naming the topic.
  returned: failure
  type: list
  elements: str
  sample: ["topic 'orders' has replication factor 3 but only 2 broker(s) would remain (1, 2): add brokers or lower its replication factor first"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_argument_specs import KAFKA_REASSIGNMENT_ARGS
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_connection import finish
from ansible_collections.kafka_ansible.cluster.plugins.module_utils.kafka_reassign_engine import run_reassignment


def main():
    module = AnsibleModule(**KAFKA_REASSIGNMENT_ARGS)
    finish(module, lambda: (run_reassignment(module.params, module.check_mode, module._diff), []))


if __name__ == '__main__':
    main()
