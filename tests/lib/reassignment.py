# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""What the scaling playbooks leave behind, read from the cluster and from their output
(tests/failover/test_lifecycle.py)."""

import re

from kafka.admin import ConfigResource

THROTTLES = ('leader.replication.throttled.rate', 'follower.replication.throttled.rate',
             'leader.replication.throttled.replicas', 'follower.replication.throttled.replicas')
MOVES = re.compile(r'(\d+) replica\(s\) moved \(lower bound (\d+)\)')


def throttles_left(admin, brokers):
    """Every replication throttle still set dynamically on a broker or a topic."""
    resources = [ConfigResource('BROKER', str(b)) for b in brokers]
    resources += [ConfigResource('TOPIC', t) for t in admin.list_topics()]
    described = admin.describe_configs(resources, config_filter='all')
    return ['%s %s %s' % (kind, name, key) for kind, entries in described.items()
            for name, configs in entries.items() for key, entry in configs.items()
            if key in THROTTLES and entry['config_source'].startswith('DYNAMIC') and entry['value']]


def moves_of(run):
    """(replicas moved, lower bound) as the kafka_reassignment module printed them in a playbook run."""
    found = MOVES.search(run.output)
    assert found, run.tail()
    return int(found.group(1)), int(found.group(2))
