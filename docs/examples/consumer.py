"""Read the JSON messages of every topic whose name matches a pattern (by default your login's topics).

    python3 consumer.py [PATTERN]

Starts at the oldest message the first time (auto_offset_reset='earliest'); the consumer group
(your login + '-course') remembers how far it read, so the next run starts after that. Stops after
10 seconds without a new message. KAFKA_BOOTSTRAP_SERVERS (host:port,...) overrides the brokers.
"""

import getpass
import json
import os
import re
import sys

from kafka import KafkaConsumer
from kafka.serializer import Deserializer

BOOTSTRAP_SERVERS = os.environ.get('KAFKA_BOOTSTRAP_SERVERS', 'public01:9092,public02:9092,public03:9092').split(',')

# A regular expression: every topic it matches, including topics created later, is read.
pattern = sys.argv[1] if len(sys.argv) > 1 else '^%s.*' % re.escape(getpass.getuser())



class JsonDeserializer(Deserializer):
    """Message values as JSON; text as it is when it is not JSON (e.g. from kafka-console-producer)."""

    def deserialize(self, topic, headers, data):
        text = data.decode('utf-8', 'replace')
        try:
            return json.loads(text)
        except ValueError:
            return text


class TextDeserializer(Deserializer):
    def deserialize(self, topic, headers, data):
        return data.decode('utf-8', 'replace') if data is not None else None


consumer = KafkaConsumer(
    bootstrap_servers=BOOTSTRAP_SERVERS,
    group_id=getpass.getuser() + '-course',
    auto_offset_reset='earliest',  # a new group starts at the oldest message, not at the next new one
    key_deserializer=TextDeserializer(),
    value_deserializer=JsonDeserializer(),
    consumer_timeout_ms=10000,  # end the loop after 10 s without messages
)
consumer.subscribe(pattern=pattern)
for message in consumer:
    print('%s partition %d offset %d key %s: %s' % (message.topic, message.partition, message.offset, message.key,
                                                    json.dumps(message.value)))
consumer.close()
