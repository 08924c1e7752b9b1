# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Remove a broker and bring it back, under an acks=all load (issue 10, points 1, 2 and 6).

remove-broker.yml empties the last broker and stops it; site.yml starts it again without
restarting any other broker; rebalance.yml moves replicas back onto it, and a second run moves
nothing. No acknowledged message may be lost or duplicated, and no throttle may be left.

Draining keeps every replication factor, so a broker can only be removed when every topic's
replication factor is below the number of brokers: the fault tests' RF 3 topics (their figures
are recorded) are deleted first. The refusal of a topic that needs every broker is proven in
tests/integration/test_reassignment.py.

It runs in the failover scenario, after the fault tests. The figures go to stdout and to
.cache/scaling/figures.md. The cluster is whole at the end.
"""

import os
import time
import uuid

from kafka.admin import NewTopic

from lib.load import LoadGenerator, check
from lib.reassignment import moves_of, throttles_left

PROJECT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FIGURES = os.path.join(PROJECT, '.cache', 'scaling', 'figures.md')


def replicas_per_broker(admin):
    result = {}
    for t in admin.describe_topics():
        for p in t['partitions']:
            for b in p['replica_nodes']:
                result[b] = result.get(b, 0) + 1
    return dict(sorted(result.items()))


def assignment(admin):
    return dict((t['name'], sorted((p['partition_index'], p['replica_nodes']) for p in t['partitions']))
                for t in admin.describe_topics())


def wait_healthy(admin, brokers, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        live = sorted(b['broker_id'] for b in admin.describe_cluster()['brokers'])
        partial = [p for t in admin.describe_topics() for p in t['partitions'] if len(p['isr_nodes']) < len(p['replica_nodes'])]
        if live == sorted(brokers) and not partial:
            return
        assert time.monotonic() < deadline, 'not healthy after %ds: live %s, %d partial ISR' % (timeout, live, len(partial))
        time.sleep(2)


def write_figures(rows):
    lines = ['| figure | value |', '|---|---|'] + ['| %s | %s |' % row for row in rows]
    text = '\n'.join(lines)
    print('\n' + text)
    os.makedirs(os.path.dirname(FIGURES), exist_ok=True)
    with open(FIGURES, 'w') as f:
        f.write('# Scaling under an acks=all load (tests/failover/test_scaling.py)\n\n' + text + '\n')


def test_remove_a_broker_bring_it_back_and_rebalance_under_load(cluster, admin):
    hosts = cluster.hosts('kafka')
    victim = hosts[-1]
    victim_id = cluster.broker_id(victim)
    ids = [cluster.broker_id(h) for h in hosts]
    bootstrap = cluster.bootstrap_servers()
    leftovers = [t for t in admin.list_topics() if t.startswith('failover-')]
    if leftovers:
        admin.delete_topics(leftovers)
    deadline = time.monotonic() + 60
    while set(leftovers) & set(admin.list_topics()):
        assert time.monotonic() < deadline, 'the fault tests\' topics are not deleted'
        time.sleep(1)
    wait_healthy(admin, ids)
    # RF 2, min.insync.replicas 2: acks=all needs both replicas, so every move happens under a full ISR.
    topic = 'scaling-load-%s' % uuid.uuid4().hex[:6]
    admin.create_topics([NewTopic(topic, 6, 2, topic_configs={'min.insync.replicas': '2'})])
    time.sleep(3)
    needing_all = [t['name'] for t in admin.describe_topics() if any(len(p['replica_nodes']) >= len(ids) for p in t['partitions'])]
    assert needing_all == [], 'topics that need every broker: %s' % needing_all
    load = LoadGenerator(bootstrap, topic, rate=200).start()
    rows, started = [], time.monotonic()
    try:
        before = replicas_per_broker(admin)
        pids = cluster.main_pids()
        rows.append(('replicas per broker at start', before))
        removal = cluster.playbook('playbooks/remove-broker.yml', extra_vars={'broker': victim}, timeout=1800)
        assert removal.rc == 0, removal.tail()
        assert replicas_per_broker(admin).get(victim_id, 0) == 0
        service = cluster.host(victim).service('kafka')
        assert not service.is_running and not service.is_enabled
        drained, drain_bound = moves_of(removal)
        rows.append(('drain of broker %d: replica moves / lower bound' % victim_id, '%d / %d' % (drained, drain_bound)))
        rows.append(('replicas per broker after remove-broker.yml', replicas_per_broker(admin)))
        others = dict((h, p) for h, p in pids.items() if h != victim)

        back = cluster.playbook('site.yml', timeout=3600)
        assert back.rc == 0, back.tail()
        after_site = cluster.main_pids()
        assert all(after_site[h] == pid for h, pid in others.items()), (others, after_site)
        assert cluster.host(victim).service('kafka').is_running and cluster.host(victim).service('kafka').is_enabled
        wait_healthy(admin, ids)
        rows.append(('site.yml: MainPID changed on', [h for h in hosts if after_site[h] != pids[h]]))
        rows.append(('replicas per broker before rebalance.yml', replicas_per_broker(admin)))
        rebalance = cluster.playbook('playbooks/rebalance.yml', timeout=1800)
        assert rebalance.rc == 0, rebalance.tail()
        moved, bound = moves_of(rebalance)
        assert moved == bound, rebalance.tail()
        after = replicas_per_broker(admin)
        assert after.get(victim_id, 0) > 0
        rows.append(('rebalance: replica moves / lower bound', '%d / %d' % (moved, bound)))
        rows.append(('replicas per broker after rebalance.yml', after))
        again = cluster.playbook('playbooks/rebalance.yml', timeout=1800)
        assert again.rc == 0 and again.changed == 0, again.tail()
        rows.append(('second rebalance.yml: changed', again.changed))
        left = throttles_left(admin, ids)
        assert left == []
        rows.append(('throttles left', len(left)))
    finally:
        load.stop()
    figures = check(load, bootstrap)
    gap = load.longest_gap()
    rows += [('acked / lost / duplicates', '%d / %d / %d' % (figures['acked'], figures['lost'], figures['duplicates'])),
             ('longest produce gap', '%.1f s' % gap), ('wall time', '%.0f s' % (time.monotonic() - started))]
    write_figures(rows)
    assert figures['lost'] == 0 and figures['duplicates'] == 0 and figures['mismatched'] == 0, figures
    assert figures['acked'] > 1000, figures
    wait_healthy(admin, ids)
    admin.delete_topics([t for t in admin.list_topics() if t.startswith(topic)])
