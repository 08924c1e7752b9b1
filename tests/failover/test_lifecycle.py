# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The cluster's life under an acks=all load (issue 10): upgrade ZooKeeper, upgrade Kafka in two phases,
add a fourth broker and rebalance, grow the ensemble to 5 and back to 3, remove a broker.

The failover scenario deploys Kafka 3.8.1 and ZooKeeper 3.8.4 on 3 + 3 containers; this story runs after
its fault tests. The three hosts of its group `spare` (2 ZooKeeper, 1 broker) join through a second inventory
(the hosts stay in the scenario's inventory, outside the zookeeper and kafka groups). One producer (acks=all,
idempotent) writes into an RF 3 topic with min.insync.replicas 2 from before the first step until after the
last. After each step: the checker on every ack so far (0 lost, 0 duplicates), the longest produce gap of the
step, every ISR full, the step's own facts, cluster id and topic ids unchanged, and a second run of its
playbook with changed=0. Figures: stdout and .cache/lifecycle/figures.md.
"""

import json
import os
import re
import time
import types

import yaml
from kafka.admin import ConfigResource, NewTopic

from lib.load import LoadGenerator, Probe, check
from lib.reassignment import moves_of, throttles_left
from lib.molecule_cluster import four_letter_word, zookeeper_mode

PROJECT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FIGURES = os.path.join(PROJECT, '.cache', 'lifecycle', 'figures.md')
NEW = {'kafka_version': '3.9.2', 'zookeeper_version': '3.8.6'}
RESTARTED = re.compile(r'TASK \[[^\]]*: Restart the service on the node, (\S+)\]')
# The release each broker's process started with: the core jar on its command line.
RELEASE = ("tr ':\\000' '\\n\\n' < /proc/$(systemctl show --property=MainPID --value kafka)/cmdline "
           "| sed -n 's#^.*/libs/kafka_[0-9.]*-\\([0-9][0-9.]*[0-9]\\)\\.jar$#\\1#p' | sort -u")


class Story:
    def __init__(self, cluster, tmp):
        self.cluster = cluster
        self.tmp = tmp
        self.zookeepers = cluster.hosts('zookeeper')            # members from start to end
        self.brokers = cluster.hosts('kafka')                   # the first three brokers
        self.bootstrap = cluster.bootstrap_servers()
        self.probe = Probe(self.bootstrap, cluster.zookeeper_servers())
        self.rows = []

    def inventory(self, zookeeper=(), kafka=()):
        """A second inventory that puts spare containers into the groups."""
        path = os.path.join(self.tmp, 'extra-%s-%s.yml' % ('-'.join(zookeeper) or 'zk', '-'.join(kafka) or 'kafka'))
        groups = {'zookeeper': {'hosts': dict.fromkeys(zookeeper, {})}, 'kafka': {'hosts': dict.fromkeys(kafka, {})}}
        with open(path, 'w') as f:
            yaml.safe_dump({'all': {'children': groups}}, f)
        return path

    def play(self, path, inventory=None, **extra):
        args = ('-i', inventory) if inventory else ()
        start = time.monotonic()
        run = self.cluster.playbook(path, *args, extra_vars=extra or None, timeout=2400)
        run.seconds = time.monotonic() - start
        return run

    def twice(self, path, inventory=None, **extra):
        """The run, then a second run that must change nothing."""
        first = self.play(path, inventory, **extra)
        assert first.rc == 0, first.tail(8000)
        again = self.play(path, inventory, **extra)
        assert again.rc == 0 and again.changed == 0, 'second run: changed=%d\n%s' % (again.changed, again.tail(8000))
        return first, again

    # What the cluster reports.
    def identity(self):
        def read(z):
            topics = z.children('/kafka/brokers/topics') or []
            return (json.loads(z.get('/kafka/cluster/id'))['id'],
                    dict((t, json.loads(z.get('/kafka/brokers/topics/' + t)).get('topic_id')) for t in sorted(topics)))
        return self.probe.zk(read)

    def releases(self, brokers):
        return dict((b, self.cluster.host(b).run(RELEASE).stdout.strip()) for b in brokers)

    def protocols(self, ids):
        described = self.probe.admin.describe_configs([ConfigResource('BROKER', str(i)) for i in ids], config_filter='all')
        # major.minor: '3.8-IV0' as a release's default, '3.8' as pinned.
        return dict((int(name), configs['inter.broker.protocol.version']['value'].split('-')[0])
                    for name, configs in described['broker'].items())

    def zookeeper_versions(self, members):
        found = {}
        for m in members:
            answer = four_letter_word('%s:2181' % self.cluster.address(m))
            found[m] = re.search(r'Zookeeper version: ([^-,\s]+)', answer).group(1)
        return found

    def zk_modes(self, members):
        return dict((m, zookeeper_mode('%s:2181' % self.cluster.address(m))) for m in members)

    def replicas_per_broker(self):
        result = {}
        for p in self.probe.partitions():
            for b in p['replicas']:
                result[b] = result.get(b, 0) + 1
        return dict(sorted(result.items()))

    def throttles_left(self, ids):
        self.probe.close()   # a fresh client: the old one may not know a broker that joined since
        return throttles_left(self.probe.admin, ids)

    def broker_pids(self, brokers):
        return dict((b, self.cluster.host(b).run('systemctl show --property=MainPID --value kafka').stdout.strip())
                    for b in brokers)

    def step(self, name, load, ids, started, runs, facts):
        """Check the acks so far, wait for every ISR to be full, and record the row."""
        heal = self.probe.wait_healed(ids, 180)
        end = time.monotonic()
        # Only acks received before the checker reads the end offsets count.
        snapshot = types.SimpleNamespace(topic=load.topic, acks=list(load.acks), errors=list(load.errors), sent=load.sent)
        figures = check(snapshot, self.bootstrap)
        self.rows.append((name, figures['acked'], figures['lost'], figures['duplicates'],
                          '%.1f s' % load.longest_gap(started, end), '%.0f s' % heal,
                          ' / '.join('%.0f s' % r.seconds for r in runs), facts))
        assert figures['lost'] == 0 and figures['duplicates'] == 0 and figures['mismatched'] == 0, (name, figures)
        assert self.identity() == self.identity_at_start, 'cluster id or topic ids changed in step %s' % name
        return end


def write_figures(rows, wall):
    lines = ['| step | acked so far | lost | duplicates | longest gap | ISR full after | playbook runs (last: the 2nd, changed=0) | facts |',
             '|---|---|---|---|---|---|---|---|']
    lines += ['| %s |' % ' | '.join(str(c) for c in row) for row in rows]
    text = '\n'.join(lines) + '\n\nwall time of the story: %.0f s' % wall
    print('\n' + text)
    os.makedirs(os.path.dirname(FIGURES), exist_ok=True)
    with open(FIGURES, 'w') as f:
        f.write('# Cluster lifecycle under an acks=all load (tests/failover/test_lifecycle.py)\n\n' + text + '\n')


def test_upgrade_and_reshape_the_cluster_under_load(cluster, tmp_path):
    story = Story(cluster, str(tmp_path))
    brokers, zookeepers = story.brokers, story.zookeepers
    ids = [cluster.broker_id(b) for b in brokers]
    spares = cluster.hosts('spare')
    [fourth] = [h for h in spares if 'kafka_broker_id' in cluster.variables(h)]
    spare_zk = [h for h in spares if h != fourth]
    all_ids = ids + [cluster.broker_id(fourth)]
    topic = 'lifecycle-load'
    story.probe.admin.create_topics([NewTopic(topic, 6, 3, topic_configs={'min.insync.replicas': '2'})])
    story.probe.wait_healed(ids, 120)
    story.identity_at_start = story.identity()
    load = LoadGenerator(story.bootstrap, topic, rate=200).start()
    began = t = time.monotonic()
    try:
        # 1. ZooKeeper 3.8.4 -> 3.8.6, followers first, the leader last.
        before = story.zookeeper_versions(zookeepers)
        leader = [m for m, mode in story.zk_modes(zookeepers).items() if mode == 'leader']
        runs = story.twice('playbooks/upgrade-zookeeper.yml', **NEW)
        order = RESTARTED.findall(runs[0].output)
        after = story.zookeeper_versions(zookeepers)
        assert set(after.values()) == {NEW['zookeeper_version']}, after
        assert sorted(order) == sorted(zookeepers) and order[-1] == leader[0], (order, leader)
        t = story.step('upgrade ZooKeeper', load, ids, t, runs,
                       'versions %s -> %s; restart order %s (leader last)' % (before, after, order))

        # 2. Kafka 3.8.1 -> 3.9.2: phase 2 refused first, then phase 1, then phase 2.
        pids = story.broker_pids(brokers)
        early = story.play('playbooks/upgrade-kafka.yml', upgrade_phase=2, **NEW)
        assert early.rc != 0 and 'Refusing phase 2' in early.output, early.tail()
        assert story.broker_pids(brokers) == pids, 'the refused phase 2 restarted a broker'
        releases_before, protocols_before = story.releases(brokers), story.protocols(ids)
        phase1 = story.play('playbooks/upgrade-kafka.yml', upgrade_phase=1, **NEW)
        assert phase1.rc == 0, phase1.tail(8000)
        releases_mid, protocols_mid = story.releases(brokers), story.protocols(ids)
        assert set(releases_mid.values()) == {NEW['kafka_version']} and set(protocols_mid.values()) == set(protocols_before.values()), \
            (releases_mid, protocols_mid)
        phase2, again = story.twice('playbooks/upgrade-kafka.yml', upgrade_phase=2, **NEW)
        protocols_after = story.protocols(ids)
        assert all(v.startswith('3.9') for v in protocols_after.values()), protocols_after
        t = story.step('upgrade Kafka (2 phases)', load, ids, t, (phase1, phase2, again),
                       'early phase 2 refused; releases %s -> %s; protocol %s -> %s (phase 1) -> %s'
                       % (sorted(set(releases_before.values())), sorted(set(releases_mid.values())),
                          sorted(set(protocols_before.values())), sorted(set(protocols_mid.values())),
                          sorted(set(protocols_after.values()))))

        # 3. A fourth broker joins with site.yml (no other broker restarts), then the rebalance.
        with_fourth = story.inventory(kafka=[fourth])
        pids = story.broker_pids(brokers)
        joined = story.play('site.yml', with_fourth, **NEW)
        assert joined.rc == 0, joined.tail(8000)
        assert story.broker_pids(brokers) == pids, 'a broker restarted when the fourth joined'
        story.probe.wait_healed(all_ids, 120)
        before = story.replicas_per_broker()
        rebalance, again = story.twice('playbooks/rebalance.yml', with_fourth, **NEW)
        moved, bound = moves_of(rebalance)
        assert moved == bound, rebalance.tail()
        after = story.replicas_per_broker()
        left = story.throttles_left(all_ids)
        assert after.get(all_ids[-1], 0) > 0 and left == [], (after, left)
        t = story.step('add broker 4 + rebalance', load, all_ids, t, (joined, rebalance, again),
                       'replicas per broker %s -> %s; moved %d, lower bound %d; throttles left %d; other brokers kept their PIDs'
                       % (before, after, moved, bound, len(left)))

        # 4. The ensemble grows to 5, then shrinks back to 3; the brokers follow.
        grown = story.inventory(zookeeper=spare_zk, kafka=[fourth])
        grow, again = story.twice('playbooks/zookeeper-ensemble.yml', grown, **NEW)
        modes = story.zk_modes(zookeepers + spare_zk)
        assert all(modes.values()) and list(modes.values()).count('leader') == 1, modes
        connect = cluster.host(fourth).run('grep ^zookeeper.connect= /etc/kafka/server.properties').stdout.strip()
        assert all(m in connect for m in spare_zk), 'the fourth broker connects to %r' % connect
        t = story.step('grow ZooKeeper 3 -> 5', load, all_ids, t, (grow, again),
                       'modes %s; brokers: %s' % (modes, connect))
        shrink, again = story.twice('playbooks/zookeeper-ensemble.yml', with_fourth, **NEW)
        modes = story.zk_modes(zookeepers)
        assert all(modes.values()) and list(modes.values()).count('leader') == 1, modes
        for m in spare_zk:
            service = cluster.host(m).service('zookeeper')
            assert not service.is_running and not service.is_enabled, m
        connect = cluster.host(fourth).run('grep ^zookeeper.connect= /etc/kafka/server.properties').stdout.strip()
        assert not any(m in connect for m in spare_zk), 'the fourth broker connects to %r' % connect
        t = story.step('shrink ZooKeeper 5 -> 3', load, all_ids, t, (shrink, again),
                       'modes %s; %s stopped and disabled; brokers: %s' % (modes, ', '.join(spare_zk), connect))

        # 5. The fourth broker leaves again.
        before = story.replicas_per_broker()
        removal, again = story.twice('playbooks/remove-broker.yml', with_fourth, broker=fourth, **NEW)
        moved, bound = moves_of(removal)
        after = story.replicas_per_broker()
        service = cluster.host(fourth).service('kafka')
        assert after.get(all_ids[-1], 0) == 0 and not service.is_running and not service.is_enabled, after
        left = story.throttles_left(ids)
        assert left == [], left
        t = story.step('remove broker 4', load, ids, t, (removal, again),
                       'replicas per broker %s -> %s; moved %d, lower bound %d; throttles left %d'
                       % (before, after, moved, bound, len(left)))
    finally:
        load.stop()
        write_figures(story.rows, time.monotonic() - began)
        story.probe.close()
    figures = check(load, story.bootstrap)
    assert figures['lost'] == 0 and figures['duplicates'] == 0 and figures['acked'] > 10000, figures
