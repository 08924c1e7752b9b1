"""The cluster of the running Molecule scenario, as the tests on the controller see it."""

import functools
import json
import os
import re
import socket
import subprocess
import sys

import docker
import testinfra
from testinfra.utils.ansible_runner import AnsibleRunner


REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


class PlaybookRun:
    def __init__(self, result):
        self.rc = result.returncode
        self.output = result.stdout + result.stderr
        # The sum of changed= over the PLAY RECAP lines.
        self.changed = sum(int(n) for n in re.findall(r'changed=(\d+)', result.stdout))

    def failures(self):
        """Each failed task as 'task: fatal: [host]: FAILED! => ...', cut at 300 characters."""
        found, task = [], None
        for line in self.output.splitlines():
            if line.startswith('TASK ['):
                task = line[len('TASK ['):line.rfind(']')]
            elif line.startswith(('fatal: [', 'failed: [')):
                found.append('%s: %s' % (task, line[:300]))
        return found

    def tail(self, chars=4000):
        # CI's summary shows only a failed check's first line: it names the failed tasks.
        return ' | '.join(self.failures()) + '\n' + self.output[-chars:]


class Cluster:
    def __init__(self, inventory):
        self.inventory = inventory
        self.runner = AnsibleRunner(inventory)
        self.docker = docker.from_env()

    def hosts(self, group):
        return sorted(self.runner.get_hosts(group))

    def host(self, name):
        return testinfra.get_host('ansible://%s?ansible_inventory=%s' % (name, self.inventory))

    def playbook(self, path, *args, extra_vars=None, timeout=900):
        """Run a playbook of the repository against this scenario's inventory, as a user would."""
        command = [os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), '-i', self.inventory,
                   os.path.join(REPO, path), *args]
        if extra_vars:
            command += ['-e', json.dumps(extra_vars)]
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, 'ansible.cfg'), ANSIBLE_NOCOLOR='1')
        return PlaybookRun(subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True,
                                          timeout=timeout))

    def variables(self, name):
        return self.runner.get_variables(name)

    @functools.lru_cache(maxsize=None)
    def address(self, name):
        networks = self.docker.containers.get(name).attrs['NetworkSettings']['Networks']
        return next(net['IPAddress'] for net in networks.values() if net['IPAddress'])

    def ca_dir(self):
        """The role's CA on the controller (kafka_tls_ca_dir's default: beside the inventory)."""
        return os.path.join(os.path.dirname(self.inventory), 'kafka-ca')

    def broker_id(self, name):
        return int(self.variables(name)['kafka_broker_id'])

    def bootstrap(self, name):
        return '%s:9092' % self.address(name)

    def bootstrap_servers(self):
        return [self.bootstrap(name) for name in self.hosts('kafka')]

    def main_pids(self, unit='kafka', group='kafka'):
        """{host of `group`: MainPID of its unit}: equal before and after means nothing restarted."""
        return dict((name, self.host(name).run('systemctl show --property=MainPID --value %s' % unit).stdout.strip())
                    for name in self.hosts(group))

    def zookeeper_servers(self):
        return ['%s:2181' % self.address(name) for name in self.hosts('zookeeper')]


def four_letter_word(server, word='srvr', timeout=5.0, context=None, hostname=None):
    """A member's answer to a four-letter word; over TLS with an ssl.SSLContext (checking the member's name)."""
    host, port = server.rsplit(':', 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as raw, \
            context.wrap_socket(raw, server_hostname=hostname) if context else raw as sock:
        sock.sendall(word.encode())
        data = b''
        while chunk := sock.recv(4096):
            data += chunk
    return data.decode()


def zookeeper_mode(server):
    """'leader', 'follower', 'standalone', or None when the member does not serve."""
    try:
        answer = four_letter_word(server)
    except OSError:
        return None
    for line in answer.splitlines():
        if line.startswith('Mode:'):
            return line.split(':', 1)[1].strip()
    return None


def molecule_cluster():
    inventory = os.environ.get('MOLECULE_INVENTORY_FILE')
    if not inventory:
        raise RuntimeError('these tests run inside `molecule verify` (MOLECULE_INVENTORY_FILE is not set)')
    return Cluster(inventory)
