"""Faults under load, with the pass criteria of the project's test matrix (issue 4).

Monitoring (issue 12): for the faults where an alert applies, the alert must be firing in the
scenario's Prometheus (group `monitoring`) during the fault and resolved after healing; the time
from the fault to firing goes into the figures.

Every test writes with acks=all and idempotence on into its own topic (RF 3, min.insync.replicas 2),
injects one fault into the containers of the `failover` scenario, heals it, and checks the
universal criterion U: 0 acked messages lost, 0 duplicates, 0 acked (partition, offset) read back
with another value, a few thousand acks, every ISR full and 0 under-replicated partitions within
120 s of healing; then the fault's own criterion.
"""

import json
import os
import re
import subprocess
import threading
import time

import pytest

from lib.load import LoadGenerator, IsrSampler, Probe, check
from lib.molecule_cluster import zookeeper_mode
from lib.prometheus import Prometheus

SESSION_TIMEOUT = 18.0   # zookeeper.session.timeout.ms, Kafka's default
HEAL_TIMEOUT = 120
ALERT_TIMEOUT = 30       # an alert that must fire during a fault fires within this (scrape 2 s, rules 2 s, for: 4 s)
RESOLVE_TIMEOUT = 60     # and resolves within this once the cluster is healed
MIN_ACKED = 3000
MIN_LOAD_SECONDS = 20
PROJECT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
FIGURES_DIR = os.environ.get('FAILOVER_FIGURES_DIR', os.path.join(PROJECT, '.cache', 'failover'))

FIGURES = []


# --- the cluster and its containers --------------------------------------------------------------

class Ctx:
    def __init__(self, cluster):
        self.cluster = cluster
        self.brokers = {cluster.broker_id(n): n for n in cluster.hosts('kafka')}   # id -> container
        self.zookeepers = cluster.hosts('zookeeper')
        self.bootstrap = cluster.bootstrap_servers()
        self.probe = Probe(self.bootstrap, cluster.zookeeper_servers())
        [monitoring] = cluster.hosts('monitoring')
        self.alerts = AlertWatcher(Prometheus('http://%s:9090' % cluster.address(monitoring))).start()

    def container(self, name):
        return self.cluster.docker.containers.get(name)

    def sh(self, name, command, check_rc=True):
        code, output = self.container(name).exec_run(['sh', '-c', command])
        output = output.decode(errors='replace')
        assert not check_rc or code == 0, '%s: `%s` failed (%s): %s' % (name, command, code, output)
        return output

    # Kafka
    def kill_broker(self, broker_id):
        """SIGKILL the JVM, and keep systemd from restarting it (Restart=on-failure)."""
        self.sh(self.brokers[broker_id], 'systemctl kill -s KILL kafka; systemctl stop kafka')

    def stop_broker(self, broker_id):
        """SIGTERM: a controlled shutdown."""
        self.sh(self.brokers[broker_id], 'systemctl stop kafka')

    def start_broker(self, broker_id):
        self.sh(self.brokers[broker_id], 'systemctl start kafka')

    def kafka_pid(self, broker_id):
        return self.sh(self.brokers[broker_id], 'systemctl show -p MainPID --value kafka').strip()

    # ZooKeeper
    def zk_modes(self):
        return {name: zookeeper_mode('%s:2181' % self.cluster.address(name)) for name in self.zookeepers}

    def zk_leaders(self):
        return [name for name, mode in self.zk_modes().items() if mode in ('leader', 'standalone')]

    def zk_healthy(self):
        modes = self.zk_modes()
        return all(modes.values()) and list(modes.values()).count('leader') == 1

    def restore_everything(self):
        """Undo any fault a failed test may have left behind."""
        for name in list(self.brokers.values()) + self.zookeepers:
            container = self.container(name)
            container.reload()
            if container.status == 'paused':
                container.unpause()
            self.sh(name, 'iptables -F INPUT; iptables -F OUTPUT', check_rc=False)
        for name in self.zookeepers:
            self.sh(name, 'systemctl start zookeeper', check_rc=False)
        for name in self.brokers.values():
            self.sh(name, 'systemctl start kafka', check_rc=False)


@pytest.fixture(scope='module')
def ctx(cluster):
    context = Ctx(cluster)
    yield context
    context.alerts.stop()
    context.probe.close()
    write_figures()


@pytest.fixture
def healthy(ctx):
    """Each test starts from, and leaves, a whole cluster."""
    ctx.probe.wait_until(ctx.zk_healthy, 60, 'ZooKeeper serves with one leader')
    ctx.probe.wait_healed(ctx.brokers, HEAL_TIMEOUT)
    yield ctx
    ctx.restore_everything()


# --- alerts --------------------------------------------------------------------------------------

class AlertWatcher:
    """Polls the scenario's Prometheus in the background and records when each alert starts firing."""

    def __init__(self, prometheus, interval=0.5):
        self.prometheus = prometheus
        self.interval = interval
        self.firing = set()   # (alertname, instance) firing at the last poll
        self.edges = []       # (alertname, instance, monotonic time it was first seen firing)
        self.errors = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name='alerts', daemon=True)

    def start(self):
        self.prometheus.wait_for(self.prometheus.ready, 60, 'ready')
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(10)

    def poll(self):
        alerts = self.prometheus.get('/api/v1/alerts')['alerts']
        return {(a['labels']['alertname'], a['labels'].get('instance', ''))
                for a in alerts if a['state'] == 'firing'}

    def _run(self):
        while not self._stop.is_set():
            try:
                firing = self.poll()
            except OSError:
                self.errors += 1
            else:
                now = time.monotonic()
                self.edges.extend((name, instance, now) for name, instance in firing - self.firing)
                self.firing = firing
            self._stop.wait(self.interval)

    def fired_after(self, since, name, instance=None):
        """Seconds from `since` until `name` (on `instance`) started firing, or None."""
        times = [t for n, i, t in list(self.edges) if n == name and t >= since and instance in (None, i)]
        return min(times) - since if times else None

    def wait_fired(self, since, name, instance=None, timeout=ALERT_TIMEOUT):
        deadline = since + timeout
        while time.monotonic() < deadline:
            if self.fired_after(since, name, instance) is not None:
                break
            time.sleep(0.2)
        return self.fired_after(since, name, instance)

    def wait_resolved(self, name, instance=None, timeout=RESOLVE_TIMEOUT):
        deadline = time.monotonic() + timeout
        while any(n == name and instance in (None, i) for n, i in self.poll()):
            assert time.monotonic() < deadline, '%s (%s) still firing %d s after healing' % (name, instance, timeout)
            time.sleep(0.5)


def expect_alert(ctx, extra, since, name, instance=None, wait=False):
    """`name` must have fired (on `instance`) after `since`, the start of the fault; with `wait`,
    wait for it (up to ALERT_TIMEOUT) instead of only looking at what was seen so far."""
    seconds = (ctx.alerts.wait_fired(since, name, instance) if wait else ctx.alerts.fired_after(since, name, instance))
    assert seconds is not None, '%s (%s) did not fire during the fault; seen: %s' % (
        name, instance, [(n, i, round(t - since, 1)) for n, i, t in ctx.alerts.edges if t >= since - 5])
    extra.setdefault('alerts', {}).setdefault(name, round(seconds, 1))
    extra.setdefault('_alerts', []).append((name, instance))
    return seconds


def assert_alerts_resolved(ctx, figures):
    for name, instance in figures.pop('_alerts', []):
        ctx.alerts.wait_resolved(name, instance)
    if 'alerts' in figures:
        figures['alerts'] = '; '.join('%s %.1f s' % item for item in figures['alerts'].items())


# --- the scaffold of every fault test -----------------------------------------------------------

def run_under_load(ctx, name, fault, assignments=None):
    """Create a topic, write to it, apply `fault(ctx, load, sampler, topic)` (which returns a dict
    of extra figures, with the fault undone), wait until healed, check, and record the figures."""
    topic = 'failover-%s-%d' % (name.replace(' ', '-'), int(time.time()))
    # Leaders on brokers 1 and 2, broker 3 a follower of everything (for the isolation test).
    ids = sorted(ctx.brokers)
    assignments = assignments or {0: [ids[0], ids[1], ids[2]], 1: [ids[1], ids[0], ids[2]],
                                  2: [ids[0], ids[2], ids[1]]}
    ctx.probe.create_topic(topic, assignments=assignments)
    # A broker that has not seen the new topic yet answers with no configs: ask until one has.
    loaded = {}
    ctx.probe.wait_until(lambda: loaded.update(ctx.probe.topic_configs(topic)) or 'min.insync.replicas' in loaded,
                         30, 'the brokers report the configuration of %s' % topic)
    configs = loaded
    assert configs['min.insync.replicas'] == '2', configs
    assert configs['unclean.leader.election.enable'] == 'false', configs
    assert all(len(p['replicas']) == 3 for p in ctx.probe.partitions([topic]))

    load = LoadGenerator(ctx.bootstrap, topic).start()
    sampler = IsrSampler(ctx.probe, topic).start()
    try:
        ctx.probe.wait_until(lambda: len(load.acks) > 100, 60, 'the producer gets its first acks')
        time.sleep(5)
        fault_start = time.monotonic()
        extra = fault(ctx, load, sampler, topic) or {}
        healed_from = time.monotonic()
        heal = ctx.probe.wait_healed(ctx.brokers, HEAL_TIMEOUT)
        heal = max([heal] + extra.pop('heals', []))
        time.sleep(max(5.0, MIN_LOAD_SECONDS - (time.monotonic() - load.started)))
    finally:
        load.stop()
        sampler.stop()
    figures = check(load, ctx.bootstrap)
    figures.update({
        'fault': name,
        'topic': topic,
        'seconds': round(load.stopped - load.started, 1),
        'fault_seconds': round(healed_from - fault_start, 1),
        'longest_gap': round(load.longest_gap(), 2),
        'heal': round(heal, 1),
        'smallest_isr': sampler.smallest_isr(),
    })
    figures.update(extra)
    assert_alerts_resolved(ctx, figures)
    FIGURES.append(figures)
    print_figures(figures)
    assert_universal(figures)
    return figures, load, sampler


def assert_universal(f):
    assert f['lost'] == 0, 'acked messages lost: %s' % f
    assert f['duplicates'] == 0, 'duplicates: %s' % f
    assert f['mismatched'] == 0, 'acked (partition, offset) read back with another value: %s' % f
    assert f['acked'] >= MIN_ACKED, 'too few acks to prove anything: %s' % f
    assert f['heal'] <= HEAL_TIMEOUT, f


COLUMNS = [('fault', '%s'), ('acked', '%d'), ('lost', '%d'), ('duplicates', '%d'), ('mismatched', '%d'),
           ('longest_gap', '%.1f s'), ('heal', '%.1f s'), ('smallest_isr', '%s'), ('alerts', '%s'), ('notes', '%s')]


def table(rows):
    lines = ['| ' + ' | '.join(c.replace('_', ' ') for c, _ in COLUMNS) + ' |',
             '|' + '---|' * len(COLUMNS)]
    for row in rows:
        lines.append('| ' + ' | '.join(fmt % row.get(c, '') if row.get(c) is not None else '-'
                                       for c, fmt in COLUMNS) + ' |')
    return '\n'.join(lines)


def print_figures(figures):
    print('\n' + table([figures]))


def write_figures():
    if not FIGURES:
        return
    os.makedirs(FIGURES_DIR, exist_ok=True)
    with open(os.path.join(FIGURES_DIR, 'figures.json'), 'w') as out:
        json.dump(FIGURES, out, indent=1, default=str)
    with open(os.path.join(FIGURES_DIR, 'figures.md'), 'w') as out:
        out.write(table(FIGURES) + '\n')
    print('\n\nFailover figures (%s):\n%s' % (FIGURES_DIR, table(FIGURES)))


def note(extra, text):
    extra['notes'] = (extra.get('notes', '') + '; ' + text).lstrip('; ')


def leader_of(ctx, topic, partition=0):
    state = ctx.probe.partition_state(topic, partition)
    return state['leader'], state['leader_epoch']


# --- the matrix ---------------------------------------------------------------------------------

def test_baseline(healthy):
    def fault(ctx, load, sampler, topic):
        time.sleep(25)
        return {'notes': 'no fault'}
    # The scaffold checks 0 lost and 0 duplicated; the longest gap without a fault is a figure of the
    # table (a reference for the faults' gaps), not a pass/fail criterion: it measures the machine's load.
    run_under_load(healthy, 'baseline', fault)


def bounce_leader(ctx, topic, stop, bounces=3, wait_unregistered=False, alert=None):
    extra = {'heals': [], 'bounced': []}
    for _ in range(bounces):
        leader, _ = leader_of(ctx, topic)
        extra['bounced'].append(leader)
        stop(leader)
        stopped = time.monotonic()
        if wait_unregistered:
            ctx.probe.wait_until(lambda: leader not in ctx.probe.registered(), SESSION_TIMEOUT + 20,
                                 'broker %d is gone from /brokers/ids' % leader)
        if alert:
            expect_alert(ctx, extra, stopped, alert, ctx.brokers[leader])
        ctx.start_broker(leader)
        start = time.monotonic()
        ctx.probe.wait_healed(ctx.brokers, HEAL_TIMEOUT)
        extra['heals'].append(time.monotonic() - start)
    note(extra, 'bounced brokers %s' % extra.pop('bounced'))
    return extra


def test_leader_clean_bounce(healthy):
    figures, _, _ = run_under_load(healthy, 'leader clean bounce',
                                   lambda ctx, load, sampler, topic: bounce_leader(ctx, topic, ctx.stop_broker))
    assert figures['longest_gap'] <= 10.0, figures


def test_leader_hard_bounce(healthy):
    figures, _, _ = run_under_load(
        healthy, 'leader hard bounce',
        lambda ctx, load, sampler, topic: bounce_leader(ctx, topic, ctx.kill_broker, wait_unregistered=True,
                                                        alert='KafkaBrokerDown'))
    assert figures['longest_gap'] <= SESSION_TIMEOUT + 12.0, figures


def test_controller_kill(healthy):
    def fault(ctx, load, sampler, topic):
        controller = ctx.probe.controller()
        ctx.kill_broker(controller)
        killed = time.monotonic()
        ctx.probe.wait_until(lambda: ctx.probe.controller() not in (None, controller), 30,
                             'a new controller replaces broker %d' % controller)
        elected = time.monotonic() - killed
        ctx.probe.wait_until(lambda: controller not in ctx.probe.registered(), 30,
                             'broker %d is gone from /brokers/ids' % controller)
        extra = {'new_controller_s': round(elected, 1)}
        expect_alert(ctx, extra, killed, 'KafkaBrokerDown', ctx.brokers[controller])
        ctx.start_broker(controller)
        note(extra, 'killed controller %d, new controller %d after %.1f s'
             % (controller, ctx.probe.controller(), elected))
        return extra
    figures, _, _ = run_under_load(healthy, 'controller kill', fault)
    assert figures['new_controller_s'] <= 30, figures


ISOLATE = ('iptables -A INPUT -i lo -j ACCEPT && iptables -A INPUT -j DROP && '
           'iptables -A OUTPUT -o lo -j ACCEPT && iptables -A OUTPUT -j DROP')


def test_follower_isolation(healthy):
    state = {}

    def fault(ctx, load, sampler, topic):
        leaders = {p['leader'] for p in ctx.probe.partitions([topic])}
        follower = next(b for b in sorted(ctx.brokers) if b not in leaders)
        ctx.sh(ctx.brokers[follower], ISOLATE)
        state.update(follower=follower, start=time.monotonic())
        time.sleep(60)
        state['end'] = time.monotonic()
        extra = {}
        expect_alert(ctx, extra, state['start'], 'KafkaBrokerDown', ctx.brokers[follower])
        expect_alert(ctx, extra, state['start'], 'KafkaUnderReplicatedPartitions')
        ctx.sh(ctx.brokers[follower], 'iptables -F INPUT && iptables -F OUTPUT')
        note(extra, 'isolated follower %d for 60 s' % follower)
        return extra
    figures, load, sampler = run_under_load(healthy, 'follower isolation', fault)
    start, end, follower = state['start'], state['end'], state['follower']
    shrunk = [t for t, isrs, _ in sampler.samples
              if start <= t <= end and all(follower not in isr for isr in isrs.values())]
    window = [(round(t - start, 1), isrs) for t, isrs, _ in sampler.samples if start <= t <= end]
    assert shrunk, ('the ISR never shrank without broker %d in the %d samples of the 60 s (%d failed reads): %s'
                    % (follower, len(window), sampler.failures, window[::5]))
    assert load.acks_between(shrunk[0], end), 'no acks after the ISR shrank'
    assert load.acks_between(start + 30, end), 'acks did not continue during the isolation'


def test_leader_pause(healthy):
    pause = SESSION_TIMEOUT + 7

    def fault(ctx, load, sampler, topic):
        leader, epoch = leader_of(ctx, topic)
        container = ctx.container(ctx.brokers[leader])
        container.pause()
        paused = time.monotonic()
        try:
            ctx.probe.wait_until(lambda: leader_of(ctx, topic)[0] not in (leader, -1), pause + 15,
                                 'the controller moves p0 away from frozen broker %d' % leader)
            moved = time.monotonic() - paused
            new_leader, new_epoch = leader_of(ctx, topic)
            time.sleep(max(0.0, pause - (time.monotonic() - paused)))
        finally:
            container.unpause()
        assert new_epoch > epoch
        # The stale leader must follow the new epoch, not lead p0 again on its own.
        ctx.probe.wait_until(lambda: leader in ctx.probe.registered(), 60, 'broker %d re-registers' % leader)
        assert leader_of(ctx, topic)[1] >= new_epoch
        extra = {'fenced_after_s': round(moved, 1)}
        note(extra, 'froze broker %d for %d s; p0 leader %d (epoch %d -> %d) after %.1f s'
             % (leader, pause, new_leader, epoch, new_epoch, moved))
        return extra
    run_under_load(healthy, 'leader pause', fault)


def test_min_isr_enforced(healthy):
    state = {}

    def fault(ctx, load, sampler, topic):
        survivor = ctx.probe.controller()
        stopped = [b for b in sorted(ctx.brokers) if b != survivor]
        for broker in stopped:
            ctx.stop_broker(broker)
        state['down'] = time.monotonic()
        time.sleep(20)
        state['restore'] = time.monotonic()
        extra = {}
        expect_alert(ctx, extra, state['down'], 'KafkaUnderMinIsrPartitions', ctx.brokers[survivor])
        for broker in stopped:
            expect_alert(ctx, extra, state['down'], 'KafkaBrokerDown', ctx.brokers[broker])
        for broker in stopped:
            ctx.start_broker(broker)
        note(extra, 'stopped brokers %s for 20 s' % stopped)
        return extra
    figures, load, sampler = run_under_load(healthy, 'min ISR enforced', fault)
    down, restore = state['down'], state['restore']
    # Judged by when a message was sent, not when its ack reached this (loaded) client: a message
    # replicated before the brokers stopped may be acknowledged late; one sent after must wait.
    during = load.acked_before(down + 1.0, restore)
    assert not during, '%d messages sent while the ISR was below min.insync.replicas were acknowledged ' \
        'before the brokers came back: %s' % (len(during), during[:5])
    assert sampler.smallest_isr(down, restore) == 1, sampler.samples
    assert load.acks_between(restore, load.stopped), 'no acks after the brokers came back'


def test_zookeeper_leader_kill(healthy):
    def fault(ctx, load, sampler, topic):
        [leader] = ctx.zk_leaders()
        ctx.sh(leader, 'systemctl kill -s KILL zookeeper; systemctl stop zookeeper')
        killed = time.monotonic()
        ctx.probe.wait_until(lambda: len(ctx.zk_leaders()) == 1 and leader not in ctx.zk_leaders(), 30,
                             'exactly one new ZooKeeper leader')
        elected = time.monotonic() - killed
        [new_leader] = ctx.zk_leaders()
        extra = {}
        # The ensemble elects a new leader within seconds: keep the member down until the alert fires.
        expect_alert(ctx, extra, killed, 'ZooKeeperMemberDown', leader, wait=True)
        ctx.sh(leader, 'systemctl start zookeeper')
        ctx.probe.wait_until(ctx.zk_healthy, 60, 'the ensemble is whole again')
        assert len(ctx.zk_leaders()) == 1
        extra['new_zk_leader_s'] = round(elected, 1)
        note(extra, 'killed ZK leader %s; %s leads after %.1f s' % (leader, new_leader, elected))
        return extra
    figures, _, _ = run_under_load(healthy, 'ZK leader kill', fault)
    assert figures['new_zk_leader_s'] <= 30, figures


def test_zookeeper_quorum_loss(healthy):
    def fault(ctx, load, sampler, topic):
        pids = {b: ctx.kafka_pid(b) for b in ctx.brokers}
        [leader] = ctx.zk_leaders()
        stopped = [leader] + [z for z in ctx.zookeepers if z != leader][:1]
        for name in stopped:
            ctx.sh(name, 'systemctl stop zookeeper')
        lost = time.monotonic()
        time.sleep(60)
        extra = {}
        expect_alert(ctx, extra, lost, 'ZooKeeperQuorumLost')
        for name in stopped:
            expect_alert(ctx, extra, lost, 'ZooKeeperMemberDown', name)
        for name in stopped:
            ctx.sh(name, 'systemctl start zookeeper')
        ctx.probe.wait_until(ctx.zk_healthy, 60, 'ZooKeeper regains quorum')
        ctx.probe.wait_until(lambda: ctx.probe.registered() == sorted(ctx.brokers), 60,
                             'every broker is registered again')
        assert {b: ctx.kafka_pid(b) for b in ctx.brokers} == pids, 'a broker was restarted'
        note(extra, 'stopped ZK %s for 60 s; brokers kept their PIDs' % stopped)
        return extra
    run_under_load(healthy, 'ZK quorum loss', fault)


def test_rolling_restart_playbook(healthy):
    result = {}

    def fault(ctx, load, sampler, topic):
        zk_leader = ctx.zk_leaders()[0]
        controller = ctx.brokers[ctx.probe.controller()]
        env = dict(os.environ, ANSIBLE_FORCE_COLOR='0', ANSIBLE_NOCOLOR='1')
        start = time.monotonic()
        proc = subprocess.run(
            ['ansible-playbook', '-i', os.environ['MOLECULE_INVENTORY_FILE'], 'playbooks/rolling-restart.yml'],
            cwd=PROJECT, env=env, capture_output=True, text=True, timeout=900)
        result.update(proc=proc, start=start, end=time.monotonic(), zk_leader=zk_leader, controller=controller)
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
        extra = {'playbook_s': round(result['end'] - start, 1)}
        note(extra, 'playbooks/rolling-restart.yml in %.0f s' % (result['end'] - start))
        return extra
    figures, load, sampler = run_under_load(healthy, 'rolling restart', fault)
    out = result['proc'].stdout
    # Both plays restart through roles/service_restart; the Kafka play's header splits the output.
    zk_part, kafka_part = out.split('PLAY [Rolling restart of the Kafka brokers and KRaft controllers]')
    restarted = r'TASK \[[^\]]*: Restart the service on the node, (\S+)\]'
    zk_order = re.findall(restarted, zk_part)
    kafka_order = re.findall(restarted, kafka_part)
    assert len(zk_order) == 3 and zk_order[-1] == result['zk_leader'], (zk_order, result['zk_leader'])
    assert len(kafka_order) == 3 and kafka_order[-1] == result['controller'], (kafka_order, result['controller'])
    assert sampler.smallest_isr(result['start'], result['end']) >= 2, sampler.samples
    assert len(sampler.samples) >= (result['end'] - result['start']) * 0.5, 'too few ISR samples'
