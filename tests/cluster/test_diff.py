"""--diff shows a configuration change, with the values of secret keys masked (issue 9, defect 14)."""

SECRET = 'not-in-any-output-7f3a'


def test_check_diff_of_a_secret_property_masks_its_value(cluster):
    extra = {'kafka_properties': {'ssl.key.password': SECRET, 'log.retention.hours': 72, 'num.partitions': 3}}
    run = cluster.playbook('playbooks/kafka.yml', '--check', '--diff', extra_vars=extra)
    assert run.rc == 0, run.tail()
    assert '+ssl.key.password=********' in run.output, run.tail()
    # The value is given on this test's own command line; nothing Ansible printed may repeat it.
    assert SECRET not in run.output


def test_check_diff_without_secrets_shows_the_file_itself(cluster):
    """The scenario's server.properties holds the brokers' SCRAM password; replicating over INTERNAL instead
    (mTLS) it holds none: --diff shows the file itself, and its masked copy would go."""
    run = cluster.playbook('playbooks/kafka.yml', '--check', '--diff',
                           extra_vars={'kafka_properties': {'log.retention.hours': 96}, 'kafka_inter_broker_listener': 'INTERNAL'})
    assert run.rc == 0, run.tail()
    # Each diff section, by the file it shows (its "+++ after: <path>" header).
    sections = dict((chunk.split('\n', 1)[0], chunk) for chunk in run.output.split('+++ after: ')[1:])
    assert '+log.retention.hours=96' in sections.get('/etc/kafka/server.properties', ''), run.tail()
    assert '+log.retention.hours=96' not in sections.get('/etc/kafka/server.properties.masked', ''), run.tail()
