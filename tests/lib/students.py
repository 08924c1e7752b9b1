"""The course's isolation (playbooks/course.yml with course_student_kafka_passwords), as a student sees it."""

import os

import pytest
from kafka import KafkaProducer
from kafka.errors import TopicAuthorizationFailedError


def student_password(cluster, login):
    """A SCRAM password of course_student_kafka_passwords, kept in students/ beside the scenario's inventory."""
    with open(os.path.join(os.path.dirname(cluster.inventory), '..', 'students', '%s.kafka-password' % login),
              encoding='utf-8') as handle:
        return handle.read().split()[0]


def assert_the_students_are_isolated(cluster, port=9094, security_protocol='SASL_PLAINTEXT', ssl_cafile=None):
    """alice logs in with her SCRAM user on the SASL listener `port` and writes to her own topic, not to bob's: the
    brokers find her user and the course's ACLs where their metadata is."""
    producer = KafkaProducer(bootstrap_servers=['%s:%d' % (cluster.address(name), port) for name in cluster.hosts('kafka')],
                             security_protocol=security_protocol, ssl_cafile=ssl_cafile, sasl_mechanism='SCRAM-SHA-512',
                             sasl_plain_username='alice', sasl_plain_password=student_password(cluster, 'alice'),
                             acks='all', max_block_ms=30000)
    try:
        producer.send('alice', b'mine').get(timeout=30)
        with pytest.raises(TopicAuthorizationFailedError):
            producer.send('bob', b'theft').get(timeout=30)
    finally:
        producer.close()
