# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Fixtures for the integration tests: a real cluster (KAFKA_BOOTSTRAP_SERVERS) and a way
to run the modules through Ansible exactly as a playbook does."""

import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest
from kafka.admin import ConfigResource, KafkaAdminClient

COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'collections'))
# The ansible-playbook of this Python environment (it must import kafka-python), else PATH's.
PLAYBOOK = os.path.join(os.path.dirname(sys.executable), 'ansible-playbook')
if not os.path.exists(PLAYBOOK):
    PLAYBOOK = shutil.which('ansible-playbook') or 'ansible-playbook'


@pytest.fixture(scope='session')
def bootstrap():
    servers = os.environ.get('KAFKA_BOOTSTRAP_SERVERS')
    if not servers:
        pytest.fail('KAFKA_BOOTSTRAP_SERVERS is not set: export it as a comma-separated host:port list '
                    'of a running 3-broker cluster, e.g. KAFKA_BOOTSTRAP_SERVERS=127.0.0.1:29092', pytrace=False)
    return servers


@pytest.fixture(scope='session')
def admin(bootstrap):
    client = KafkaAdminClient(bootstrap_servers=bootstrap.split(','), client_id='kafka-topics-tests')
    yield client
    client.close()


@pytest.fixture(scope='module')
def prefix(admin):
    """A unique topic prefix for this test module; everything under it is deleted at its end."""
    value = 'it-%s.' % uuid.uuid4().hex[:8]
    yield value
    doomed = [t for t in admin.list_topics() if t.startswith(value) or t.startswith('__' + value)]
    if doomed:
        admin.delete_topics(doomed)


@pytest.fixture(scope='session')
def ansible(bootstrap, tmp_path_factory):
    """run(module, args, check=False, diff=False) -> the task result dict of one ansible-playbook run.
    ``module`` is a module of this collection (short name) or a fully qualified name."""
    workdir = tmp_path_factory.mktemp('plays')
    env = dict(os.environ,
               ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
               ANSIBLE_STDOUT_CALLBACK='json',
               ANSIBLE_LOCALHOST_WARNING='false',
               ANSIBLE_DEPRECATION_WARNINGS='false')

    def run(module, args, check=False, diff=False):
        args = dict({'bootstrap_servers': bootstrap}, **args)
        module = module if '.' in module else 'kafka_ansible.cluster.' + module
        play = [{'hosts': 'localhost', 'gather_facts': False, 'tasks': [{module: args}]}]
        path = os.path.join(workdir, 'play-%s.json' % uuid.uuid4().hex[:6])
        with open(path, 'w') as f:
            json.dump(play, f)
        cmd = [PLAYBOOK, '-i', 'localhost,', '-c', 'local', '-e', 'ansible_python_interpreter=' + sys.executable, path]
        cmd += ['--check'] if check else []
        cmd += ['--diff'] if diff else []
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        try:
            # the JSON document comes first; callbacks enabled in ansible.cfg may print after it
            output = json.JSONDecoder().raw_decode(proc.stdout.lstrip())[0]
            return output['plays'][0]['tasks'][0]['hosts']['localhost']
        except (ValueError, KeyError, IndexError):
            raise AssertionError('ansible-playbook gave no task result (rc %d):\n%s\n%s'
                                 % (proc.returncode, proc.stdout, proc.stderr))
    return run


@pytest.fixture(scope='session')
def snapshot(admin):
    """snapshot(prefix) -> {topic: {'replicas': {partition: [...]}, 'configs': own overrides}}."""
    def take(prefix):
        topics = dict((t['name'], t) for t in admin.describe_topics() if t['name'].startswith(prefix))
        configs = {}
        if topics:
            described = admin.describe_configs([ConfigResource('TOPIC', n) for n in topics], config_filter='all')
            configs = described.get('topic', {})
        return dict((name, {
            'replicas': dict((p['partition_index'], p['replica_nodes']) for p in t['partitions']),
            'configs': dict((k, v['value']) for k, v in configs.get(name, {}).items()
                            if v['config_source'] == 'DYNAMIC_TOPIC_CONFIG'),
        }) for name, t in topics.items())
    return take
