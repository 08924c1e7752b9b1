"""Restarts are decided by what the services read, and go through the gates (issue 9: 5, 6, 13)."""

import hashlib
import io
import os
import tarfile
import uuid

from kafka.admin import NewTopic

RELEASE_MARKER = '/opt/kafka/.archive.sha512'
CACHE = os.environ.get('KAFKA_ANSIBLE_CACHE') or os.path.expanduser('~/.cache/kafka-ansible')


def test_a_touch_restarts_nothing(cluster):
    before = cluster.main_pids()
    for name in cluster.hosts('kafka'):
        cluster.host(name).run('touch /etc/kafka/server.properties /etc/systemd/system/kafka.service')
    run = cluster.playbook('playbooks/kafka.yml')
    assert run.rc == 0, run.tail()
    assert run.changed == 0, run.tail()
    assert cluster.main_pids() == before


def rebuilt_archive(original, directory):
    """The same release with one more file: another archive of the same version, as a rebuild would be."""
    rebuilt = os.path.join(directory, os.path.basename(original))
    top = os.path.basename(original)[:-len('.tgz')]
    with tarfile.open(original) as source, tarfile.open(rebuilt, 'w:gz') as target:
        for member in source:
            target.addfile(member, source.extractfile(member) if member.isfile() else None)
        note = b'rebuilt by tests/cluster/test_restarts.py\n'
        info = tarfile.TarInfo('%s/REBUILT' % top)
        info.size = len(note)
        target.addfile(info, io.BytesIO(note))
    with open(rebuilt, 'rb') as f:
        digest = hashlib.sha512(f.read()).hexdigest()
    with open(rebuilt + '.sha512', 'w') as f:
        f.write('%s  %s\n' % (digest, os.path.basename(rebuilt)))
    return rebuilt, digest


def test_another_archive_of_the_same_version_is_unpacked_and_restarts_through_the_gates(cluster, tmp_path):
    target = cluster.hosts('kafka')[0]
    host = cluster.host(target)
    release = host.run('readlink -f /opt/kafka').stdout.strip()
    original = os.path.join(CACHE, 'dist', os.path.basename(release) + '.tgz')
    rebuilt, digest = rebuilt_archive(original, str(tmp_path))
    before = cluster.main_pids()
    try:
        only_there = "{{ '%s' if inventory_hostname == '%s' else '%s' }}" % (rebuilt, target, original)
        run = cluster.playbook('playbooks/kafka.yml', extra_vars={'kafka_archive_file': only_there})
        assert run.rc == 0, run.tail()
        assert host.file(RELEASE_MARKER).content_string.strip() == digest
        assert host.file(release + '/REBUILT').exists
        assert 'Read the cluster state before restarting %s' % target in run.output, run.tail()
        after = cluster.main_pids()
        assert after[target] != before[target]
        assert all(after[name] == before[name] for name in before if name != target)
    finally:
        back = cluster.playbook('playbooks/kafka.yml')
    assert back.rc == 0, back.tail()
    assert not host.file(release + '/REBUILT').exists


def test_rolling_restart_refuses_brokers_holding_partitions_without_margin(cluster, admin):
    """RF 1 on every broker: each restart would take a partition offline, so the first is refused."""
    ids = [cluster.broker_id(name) for name in cluster.hosts('kafka')]
    topic = 'no-margin-%s' % uuid.uuid4().hex[:6]
    admin.create_topics([NewTopic(topic, replica_assignments=dict((i, [b]) for i, b in enumerate(ids)))])
    before = cluster.main_pids()
    try:
        run = cluster.playbook('playbooks/rolling-restart.yml', '--tags', 'kafka')
        assert run.rc != 0, run.tail()
        assert 'Refusing to restart' in run.output and topic in run.output, run.tail()
        assert cluster.main_pids() == before
    finally:
        admin.delete_topics([topic])
