# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Planning of partition reassignments (balance, drain): pure functions, no I/O, no Ansible.

Input, read from the cluster by kafka_reassign_apply.read_layout:

layout = {
    'assignment': {topic: {partition: [replicas]}},   # the topics in scope; first replica = preferred leader
    'racks': {broker: rack or None},                  # the live brokers
    'min_isr': {topic: int},                          # min.insync.replicas each topic runs with
}

Output of plan_balance / plan_drain:

plan = {
    'moves': [{'topic', 'partition', 'before': [ids], 'after': [ids], 'replica_moves': int}],
    'replica_moves': int,      # replicas that change broker (data copied)
    'leader_changes': int,     # partitions whose preferred leader changes
    'lower_bound': int,        # no plan can move fewer replicas than this
    'replicas_before' / 'replicas_after': {broker: count},
    'leaders_before' / 'leaders_after': {broker: count of preferred leaderships},
}

Balance goal: every target broker holds floor(R/N) or ceil(R/N) of the R replicas in scope and
is the preferred leader of floor(P/N) or ceil(P/N) of the P partitions; replicas on brokers that
are not targets move; with racks, no move lowers the number of racks a partition spans and a
replica moved off a non-target goes to a rack the partition does not use yet when one exists.
Only replicas on a broker above its share move, each to the broker furthest below its share,
so the count of moved replicas meets the lower bound unless a move is impossible (a broker
already holds a replica of every candidate partition, or racks forbid it). Leaders are balanced
by reordering replicas, which copies no data.
"""

from __future__ import annotations

import re

MODES = ('balance', 'drain', 'report')


class ReassignPlanError(Exception):
    def __init__(self, errors):
        super().__init__('; '.join(errors))
        self.errors = errors


def validate_request(mode, brokers, batch_size, throttle, topic_regex=None, live=None):
    """Input errors, found before anything is planned; the checks that need the live broker ids
    run only when ``live`` is given (the others need no cluster)."""
    errors = []
    if mode not in MODES:
        errors.append('mode must be one of %s, got %r' % (', '.join(MODES), mode))
    if batch_size < 1:
        errors.append('batch_size must be at least 1, got %d' % batch_size)
    if throttle < 0:
        errors.append('throttle must be a number of bytes/s, 0 for none, got %d' % throttle)
    if topic_regex is not None:
        try:
            re.compile(topic_regex)
        except re.error as e:
            errors.append('topic_regex %r is not a valid regular expression: %s' % (topic_regex, e))
    brokers = list(brokers or [])
    if len(set(brokers)) != len(brokers):
        errors.append('brokers lists a broker twice: %s' % brokers)
    if mode == 'drain' and not brokers:
        errors.append('mode drain needs the ids of the brokers to drain in brokers')
    if live is None or errors:
        return errors
    if mode == 'drain' and not set(live) - set(brokers):
        errors.append('draining brokers %s would leave no live broker' % sorted(brokers))
    if mode == 'balance':
        dead = sorted(set(brokers) - set(live))
        if dead:
            errors.append('brokers %s are not live (live brokers: %s); replicas cannot be moved onto them'
                          % (dead, sorted(live)))
    return errors


def counts(assignment, leaders=False):
    """{broker: replicas} (or preferred leaderships) over ``assignment``."""
    result = {}
    for parts in assignment.values():
        for replicas in parts.values():
            for b in replicas[:1] if leaders else replicas:
                result[b] = result.get(b, 0) + 1
    return result


def lower_bound(assignment, targets):
    """The fewest replica moves that can put every replica on ``targets`` with floor/ceil shares."""
    load = counts(assignment)
    total = sum(load.values())
    if not targets or not total:
        return 0
    floor, ceil = total // len(targets), -(-total // len(targets))
    outside = sum(n for b, n in load.items() if b not in targets)
    excess = outside + sum(max(0, load.get(b, 0) - ceil) for b in targets)
    deficit = sum(max(0, floor - load.get(b, 0)) for b in targets)
    return max(excess, deficit)


class _Placement:
    """The assignment being planned, with the counts the choices depend on."""

    def __init__(self, assignment, racks, targets):
        self.new = dict((t, dict((p, list(r)) for p, r in parts.items())) for t, parts in assignment.items())
        self.racks = racks
        self.targets = sorted(targets)
        self.rack_aware = any(racks.get(b) is not None for b in self.targets)
        self.load = dict((b, 0) for b in self.targets)
        self.topic_load = {}
        for t, parts in self.new.items():
            for replicas in parts.values():
                for b in replicas:
                    self._add(t, b, 1)

    def _add(self, topic, broker, n):
        if broker in self.load:
            self.load[broker] += n
            per_topic = self.topic_load.setdefault(topic, {})
            per_topic[broker] = per_topic.get(broker, 0) + n

    def spread(self, replicas):
        return len(set(self.racks.get(b) for b in replicas)) if self.rack_aware else len(replicas)

    def move(self, topic, partition, old, new):
        replicas = self.new[topic][partition]
        replicas[replicas.index(old)] = new
        self._add(topic, old, -1)
        self._add(topic, new, 1)

    def destination(self, topic, partition, old):
        """The best target for the replica on ``old``: a rack the others do not use, then the
        least-loaded broker, then the one with the fewest replicas of this topic; or None."""
        others = [b for b in self.new[topic][partition] if b != old]
        used = set(self.racks.get(b) for b in others)
        candidates = [b for b in self.targets if b not in self.new[topic][partition]]
        if not candidates:
            return None
        per_topic = self.topic_load.get(topic, {})
        return min(candidates, key=lambda b: (self.rack_aware and self.racks.get(b) in used,
                                              self.load[b], per_topic.get(b, 0), b))

    def balancing_move(self):
        """(topic, partition, source, destination) that narrows the spread of loads, or None."""
        by_load = sorted(self.targets, key=lambda b: (self.load[b], b))
        for dst in by_load:
            for src in reversed(by_load):
                if self.load[src] - self.load[dst] < 2:
                    break
                found = self._movable(src, dst)
                if found:
                    return found + (src, dst)
        return None

    def _movable(self, src, dst):
        """The partition on ``src`` best moved to ``dst``: the topic with most replicas on src
        compared with dst, then the lowest topic and partition, never lowering its rack spread."""
        best, best_key = None, None
        for topic in sorted(self.new):
            per_topic = self.topic_load.get(topic, {})
            key = per_topic.get(dst, 0) - per_topic.get(src, 0)
            if best_key is not None and key >= best_key:
                continue
            for partition in sorted(self.new[topic]):
                replicas = self.new[topic][partition]
                if src not in replicas or dst in replicas:
                    continue
                after = [dst if b == src else b for b in replicas]
                if self.spread(after) < self.spread(replicas):
                    continue
                best, best_key = (topic, partition), key
                break
        return best

    def balance_leaders(self, scope):
        """Reorder replicas of the partitions in ``scope`` [(topic, partition)] so that preferred
        leaderships spread evenly over the targets; each swap strictly narrows the spread."""
        leaders = dict((b, 0) for b in self.targets)
        for t, p in scope:
            first = self.new[t][p][0]
            if first in leaders:
                leaders[first] += 1
        while True:
            best, gain = None, 1
            for t, p in scope:
                replicas = self.new[t][p]
                first = replicas[0]
                for b in replicas[1:]:
                    if first in leaders and b in leaders and leaders[first] - leaders[b] > gain:
                        best, gain = (t, p, b), leaders[first] - leaders[b]
            if best is None:
                return
            t, p, b = best
            replicas = self.new[t][p]
            leaders[replicas[0]] -= 1
            leaders[b] += 1
            replicas.remove(b)
            replicas.insert(0, b)


def _result(assignment, placement, bound):
    moves, replica_moves, leader_changes = [], 0, 0
    for t in sorted(assignment):
        for p in sorted(assignment[t]):
            before, after = list(assignment[t][p]), placement.new[t][p]
            if before == after:
                continue
            moved = len(set(after) - set(before))
            replica_moves += moved
            leader_changes += before[0] != after[0]
            moves.append({'topic': t, 'partition': p, 'before': before, 'after': list(after), 'replica_moves': moved})
    return {
        'moves': moves,
        'replica_moves': replica_moves,
        'leader_changes': leader_changes,
        'lower_bound': bound,
        'replicas_before': counts(assignment),
        'replicas_after': counts(placement.new),
        'leaders_before': counts(assignment, leaders=True),
        'leaders_after': counts(placement.new, leaders=True),
    }


def _move_off(placement, assignment, leaving):
    """Move every replica on a broker of ``leaving`` to a target; errors name the topic."""
    errors = []
    for t in sorted(assignment):
        for p in sorted(assignment[t]):
            for b in list(assignment[t][p]):
                if b not in leaving:
                    continue
                dst = placement.destination(t, p, b)
                if dst is None:
                    errors.append('topic %r partition %d (replicas %s) has no target broker left among %s'
                                  % (t, p, assignment[t][p], placement.targets))
                    continue
                placement.move(t, p, b, dst)
    return errors


def _capacity_errors(assignment, targets, min_isr, leaving):
    """Topics the ``targets`` cannot hold at their replication factor, or whose partitions on
    ``leaving`` would not keep min.insync.replicas."""
    errors = []
    for t in sorted(assignment):
        rf = max(len(r) for r in assignment[t].values()) if assignment[t] else 0
        touched = any(set(r) & set(leaving) for r in assignment[t].values())
        if not touched:
            continue
        if rf > len(targets):
            errors.append('topic %r has replication factor %d but only %d broker(s) would remain (%s): '
                          'add brokers or lower its replication factor first'
                          % (t, rf, len(targets), ', '.join(str(b) for b in sorted(targets))))
        elif min(rf, len(targets)) < min_isr.get(t, 1):
            errors.append('topic %r: its replication factor %d on the remaining brokers is below its '
                          'min.insync.replicas %d, so acks=all writes to it would fail' % (t, rf, min_isr.get(t, 1)))
    return errors


def plan_balance(layout, targets=None):
    """Balance replicas and preferred leaders of ``layout`` over ``targets`` (default: the live
    brokers); replicas on other brokers move onto them."""
    assignment, racks = layout['assignment'], layout['racks']
    targets = sorted(targets or racks)
    leaving = set(counts(assignment)) - set(targets)
    errors = _capacity_errors(assignment, targets, {}, leaving)
    placement = _Placement(assignment, racks, targets)
    errors += _move_off(placement, assignment, leaving) if not errors else []
    if errors:
        raise ReassignPlanError(errors)
    bound = max(lower_bound(assignment, targets), _rack_bound(placement, assignment))
    _fix_racks(placement)
    while True:
        step = placement.balancing_move()
        if step is None:
            break
        placement.move(*step)
    placement.balance_leaders([(t, p) for t in sorted(assignment) for p in sorted(assignment[t])])
    return _result(assignment, placement, bound)


def plan_drain(layout, drained):
    """Move every replica off the brokers ``drained``, keeping each partition's replication
    factor, onto the least-loaded other live brokers; other partitions are left alone."""
    assignment, racks = layout['assignment'], layout['racks']
    targets = sorted(b for b in racks if b not in drained)
    errors = _capacity_errors(assignment, targets, layout.get('min_isr', {}), set(drained))
    placement = _Placement(assignment, racks, targets)
    errors += _move_off(placement, assignment, set(drained)) if not errors else []
    if errors:
        raise ReassignPlanError(errors)
    moved = [(t, p) for t in sorted(assignment) for p in sorted(assignment[t])
             if placement.new[t][p] != assignment[t][p]]
    placement.balance_leaders(moved)
    bound = sum(n for b, n in counts(assignment).items() if b in drained)
    return _result(assignment, placement, bound)


def _rack_bound(placement, assignment):
    """Moves needed to give every partition as many racks as it can span."""
    if not placement.rack_aware:
        return 0
    racks = len(set(placement.racks.get(b) for b in placement.targets))
    return sum(max(0, min(len(r), racks) - placement.spread(r))
               for parts in assignment.values() for r in parts.values())


def _fix_racks(placement):
    """Move a replica of each partition that spans fewer racks than it could to an unused rack."""
    if not placement.rack_aware:
        return
    racks = len(set(placement.racks.get(b) for b in placement.targets))
    for t in sorted(placement.new):
        for p in sorted(placement.new[t]):
            replicas = placement.new[t][p]
            while placement.spread(replicas) < min(len(replicas), racks):
                # of the replicas sharing a rack, the one on the most loaded broker leaves
                shared = [b for b in replicas
                          if [placement.racks.get(o) for o in replicas].count(placement.racks.get(b)) > 1]
                duplicate = max(shared, key=lambda b: (placement.load.get(b, 0), b))
                dst = placement.destination(t, p, duplicate)
                if dst is None or placement.racks.get(dst) in [placement.racks.get(o) for o in replicas]:
                    break
                placement.move(t, p, duplicate, dst)


def batches(moves, size):
    """The moves in lists of at most ``size``."""
    return [moves[i:i + size] for i in range(0, len(moves), size)]


def throttled_replicas(batch):
    """Topic throttle configs for one batch: {topic: {'leader...': 'p:b,...', 'follower...': ...}}.
    Leaders throttle the replicas that exist now (the sources), followers the ones being added."""
    result = {}
    for move in batch:
        entry = result.setdefault(move['topic'], {'leader': [], 'follower': []})
        entry['leader'] += ['%d:%d' % (move['partition'], b) for b in move['before']]
        entry['follower'] += ['%d:%d' % (move['partition'], b) for b in move['after'] if b not in move['before']]
    return dict((t, {'leader.replication.throttled.replicas': ','.join(e['leader']),
                     'follower.replication.throttled.replicas': ','.join(e['follower'])})
                for t, e in result.items())


def brokers_of(batch):
    """Every broker a batch reads from or writes to."""
    return sorted(set(b for move in batch for b in move['before'] + move['after']))
