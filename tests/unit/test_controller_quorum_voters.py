# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""controller.quorum.voters from the controller group."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.kafka_ansible.cluster.plugins.filter.controller_quorum_voters import controller_quorum_voters

HOSTVARS = {'kc1': {'kafka_advertised_host': '10.0.0.5'}, 'kc2': {}, 'kb3': {}, 'lost': {}}
# As the kafka role's _kafka_node_ids gives them: a broker's kafka_broker_id, a controller's kafka_node_id.
NODE_IDS = {'kc1': 101, 'kc2': 102, 'kb3': 3, 'lost': 'MISSING'}


def test_each_controller_at_its_advertised_name_with_its_node_id():
    assert controller_quorum_voters(['kc1', 'kc2', 'kb3'], NODE_IDS, HOSTVARS, 9093) == '101@10.0.0.5:9093,102@kc2:9093,3@kb3:9093'


def test_a_controller_without_an_id_is_named():
    with pytest.raises(AnsibleFilterError, match='controllers without kafka_node_id: lost'):
        controller_quorum_voters(['kc1', 'lost'], NODE_IDS, HOSTVARS, 9093)
