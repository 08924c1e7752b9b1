# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""Profile of one ansible-playbook run for tests/benchmark/bench_deploy.py: the wall time of each
task and, per host, how many module invocations ran on the node and how many on the controller.
Enabled by that script only; writes JSON to $DEPLOY_PROFILE_OUT at the end of the run."""

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = '''
    name: deploy_profile
    type: aggregate
    short_description: per-task wall times and per-host module invocation counts, as JSON
    description: Used by tests/benchmark/bench_deploy.py; writes to the file named by $DEPLOY_PROFILE_OUT.
'''

# Actions that never reach a node: Ansible evaluates them on the controller.
CONTROLLER_ACTIONS = {
    'assert', 'fail', 'debug', 'set_fact', 'include_vars', 'include_tasks', 'import_tasks', 'include_role',
    'import_role', 'meta', 'add_host', 'group_by', 'set_stats', 'pause', 'validate_argument_spec',
}


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'deploy_profile'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.tasks = []        # [{name, action, seconds}]
        self.invocations = {}  # host -> {'node': n, 'controller': n}
        self.current = None
        self.started = time.monotonic()

    def _close_task(self):
        if self.current is not None:
            self.current['seconds'] = round(time.monotonic() - self.current.pop('_t0'), 3)
            self.tasks.append(self.current)
            self.current = None

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._close_task()
        self.current = {'name': task.get_name(), 'action': task.action.split('.')[-1], '_t0': time.monotonic()}

    v2_playbook_on_handler_task_start = v2_playbook_on_task_start

    def _count(self, result):
        action = result._task.action.split('.')[-1]
        delegated = result._result.get('_ansible_delegated_vars', {}).get('ansible_delegated_host')
        host = delegated or result._host.get_name()
        where = 'controller' if action in CONTROLLER_ACTIONS or host in ('localhost', '127.0.0.1') else 'node'
        self.invocations.setdefault(host, {'node': 0, 'controller': 0})[where] += 1

    def _on_result(self, result):
        # A loop reports each item and then the whole: count the items only.
        if 'results' not in result._result:
            self._count(result)

    def v2_runner_on_ok(self, result):
        self._on_result(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._on_result(result)

    def v2_runner_item_on_ok(self, result):
        self._count(result)

    def v2_runner_item_on_failed(self, result):
        self._count(result)

    def v2_playbook_on_stats(self, stats):
        self._close_task()
        recap = {host: stats.summarize(host) for host in sorted(stats.processed)}
        out = os.environ.get('DEPLOY_PROFILE_OUT')
        if out:
            with open(out, 'w') as handle:
                json.dump({'seconds': round(time.monotonic() - self.started, 1), 'tasks': self.tasks,
                           'invocations': self.invocations, 'recap': recap}, handle, indent=1)
