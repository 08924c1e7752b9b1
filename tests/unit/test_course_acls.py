"""The course_acls filter: each student owns their login's topic and group and those prefixed `<login>-`."""

from ansible_collections.kafka_ansible.cluster.plugins.filter.course_acls import course_acls


def test_each_login_owns_its_names_and_everyone_reads_every_topic():
    acls = course_acls(['ann', 'anna'])
    own = {(a['principals'][0], a['resource_type'], a['resource_name'], a['pattern_type'])
           for a in acls if a['operations'] == ['all']}
    assert own == {(user, kind, name, pattern)
                   for user, login in (('User:ann', 'ann'), ('User:anna', 'anna'))
                   for kind in ('topic', 'group')
                   for name, pattern in ((login, 'literal'), (login + '-', 'prefixed'))}
    shared = [a for a in acls if a['operations'] != ['all']]
    assert shared == [
        {'principals': ['User:ann', 'User:anna'], 'operations': ['read', 'describe'], 'resource_type': 'topic',
         'resource_name': '*', 'pattern_type': 'literal'},
        {'principals': ['User:ann', 'User:anna'], 'operations': ['read'], 'resource_type': 'group',
         'resource_name': 'console-consumer-', 'pattern_type': 'prefixed'}]


def test_no_student_no_acl():
    assert course_acls([]) == []
