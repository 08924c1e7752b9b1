"""Send JSON messages to a topic of the course cluster (by default the topic named after your login).

    python3 producer.py [TOPIC] [COUNT]

Needs kafka-python: on the cluster's nodes use /opt/kafka-python/bin/python, elsewhere
`pip install kafka-python`. KAFKA_BOOTSTRAP_SERVERS (host:port,...) overrides the brokers.
"""

import getpass
import json
import os
import sys
import time

from kafka import KafkaProducer
from kafka.serializer import Serializer

# Several brokers: one answering is enough, the client then learns the whole cluster from it.
BOOTSTRAP_SERVERS = os.environ.get('KAFKA_BOOTSTRAP_SERVERS', 'public01:9092,public02:9092,public03:9092').split(',')



class JsonSerializer(Serializer):
    """Message values as JSON text in UTF-8."""

    def serialize(self, topic, headers, data):
        return json.dumps(data).encode('utf-8')


class TextSerializer(Serializer):
    def serialize(self, topic, headers, data):
        return data.encode('utf-8')


topic = sys.argv[1] if len(sys.argv) > 1 else getpass.getuser()
count = int(sys.argv[2]) if len(sys.argv) > 2 else 10

producer = KafkaProducer(
    bootstrap_servers=BOOTSTRAP_SERVERS,
    acks='all',  # a send succeeds once every in-sync replica has the message
    key_serializer=TextSerializer(),
    value_serializer=JsonSerializer(),
)
for number in range(count):
    value = {'from': getpass.getuser(), 'number': number, 'sent_at': time.time()}
    # The key chooses the partition: messages with the same key stay in order.
    future = producer.send(topic, key='message-%d' % number, value=value)
    metadata = future.get(timeout=30)  # wait for the broker's acknowledgement (or an error)
    print('sent to %s partition %d offset %d: %s' % (metadata.topic, metadata.partition, metadata.offset,
                                                     json.dumps(value)))
producer.flush()
producer.close()
