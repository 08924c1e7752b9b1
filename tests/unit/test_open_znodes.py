"""The filter open_znodes: which znodes of a zookeeper_info result no SASL user owns."""

from ansible_collections.kafka_ansible.cluster.plugins.filter.open_znodes import open_znodes

SECURE = [{'scheme': 'sasl', 'id': 'kafka', 'perms': ['ALL']}, {'scheme': 'world', 'id': 'anyone', 'perms': ['READ']}]
OPEN = [{'scheme': 'world', 'id': 'anyone', 'perms': ['ALL']}]


def test_existing_znodes_without_a_sasl_acl_in_their_order():
    znodes = {'/kafka/brokers/ids/3': {'exists': True, 'acls': OPEN},
              '/kafka/brokers/ids/1': {'exists': True, 'acls': SECURE},
              '/kafka/brokers/ids/2': {'exists': True, 'acls': OPEN},
              '/kafka/brokers/ids/4': {'exists': False, 'acls': []}}
    assert open_znodes(znodes) == ['/kafka/brokers/ids/3', '/kafka/brokers/ids/2']


def test_nothing_read_is_nothing_open():
    assert open_znodes({}) == [] and open_znodes(None) == []
