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
    run = cluster.playbook('playbooks/kafka.yml', '--check', '--diff',
                           extra_vars={'kafka_properties': {'log.retention.hours': 96}})
    assert run.rc == 0, run.tail()
    assert '+log.retention.hours=96' in run.output, run.tail()
    assert 'server.properties.masked' not in run.output, run.tail()
