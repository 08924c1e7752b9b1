"""A no-op run decides from one probe per install step and transfers nothing (issue 13), yet real
drift on a node is still detected, predicted by check mode, and repaired without restarting a broker.
site.yml runs with --limit on the drifted node, as an operator repairs one node (and twice as fast)."""

import kafka
import pytest

VENV_PYTHON = '/opt/kafka-python/bin/python'
KAFKA_PYTHON_VERSION = "from importlib.metadata import version; print(version('kafka-python'))"
AGENT = '/opt/jmx-exporter/jmx_prometheus_javaagent-1.0.1.jar'
LAUNCHER = '/usr/local/lib/kafka-cli/kafka_cli.py'
CLUSTER_FILE = '/etc/kafka-cli/cluster.json'


@pytest.fixture(scope='module')
def drifted(cluster):
    """The last broker with a tool link missing, another pointing elsewhere, kafka-python uninstalled,
    the JMX agent jar altered, the launcher's cluster file emptied and the launcher no longer executable:
    each one a step that a no-op skips when it is right (the files: config_files compares them on the node)."""
    name = cluster.hosts('kafka')[-1]
    host = cluster.host(name)
    agent_sum = host.run('sha512sum %s' % AGENT).stdout.split()[0]
    for command in ('rm /usr/local/bin/kafka-topics',
                    'ln -sfn /bin/true /usr/local/bin/zookeeper-shell',
                    '%s -m pip uninstall --yes --quiet kafka-python' % VENV_PYTHON,
                    'echo drift >> %s' % AGENT,
                    'echo {} > %s' % CLUSTER_FILE,
                    'chmod 0644 %s' % LAUNCHER):
        assert host.run(command).rc == 0, command
    return name, host, agent_sum


def test_check_mode_predicts_the_repairs_and_changes_nothing(cluster, drifted):
    name, host, _ = drifted
    run = cluster.playbook('site.yml', '--check', '--limit', name)
    assert run.rc == 0, run.tail()
    assert run.changed > 0, run.tail()
    assert not host.file('/usr/local/bin/kafka-topics').exists
    assert host.run('%s -c "import kafka"' % VENV_PYTHON).rc != 0
    assert host.file(CLUSTER_FILE).content_string.strip() == '{}'
    assert host.file(LAUNCHER).mode == 0o644


def test_a_rerun_repairs_the_drift_without_restarting_a_broker(cluster, drifted):
    name, host, agent_sum = drifted
    before = cluster.main_pids()
    run = cluster.playbook('site.yml', '--limit', name)
    assert run.rc == 0, run.tail()
    assert run.changed > 0, run.tail()
    for tool in ('kafka-topics', 'zookeeper-shell'):
        assert host.file('/usr/local/bin/' + tool).linked_to == '/usr/local/lib/kafka-cli/kafka_cli.py'
    # The nodes get the kafka-python that the controller is pinned to (requirements.txt).
    assert host.run('%s -c "%s"' % (VENV_PYTHON, KAFKA_PYTHON_VERSION)).stdout.strip() == kafka.__version__
    assert host.run('sha512sum %s' % AGENT).stdout.split()[0] == agent_sum
    assert host.file(CLUSTER_FILE).content_string.strip() != '{}'
    assert host.file(LAUNCHER).mode == 0o755
    assert cluster.main_pids() == before


def test_the_run_after_the_repair_changes_nothing(cluster, drifted):
    run = cluster.playbook('site.yml', '--limit', drifted[0])
    assert run.rc == 0, run.tail()
    assert run.changed == 0, run.tail()
