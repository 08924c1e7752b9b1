# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""config_files on a real file system (a temporary directory): what it writes, when it reports a change,
what --diff shows, and that bad input changes nothing."""

import grp
import json
import os
import pwd
import stat

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.kafka_ansible.cluster.plugins.modules import config_files

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(os.getgid()).gr_name


def run(capsys, check=False, diff=True, **args):
    args.update(_ansible_check_mode=check, _ansible_diff=diff)
    with patch_module_args(args):
        with pytest.raises(SystemExit):
            config_files.main()
    return json.loads(capsys.readouterr().out)


def layout(root, content='a=1\n', mode='0640'):
    return dict(
        directories=[{'path': [str(root / 'etc'), str(root / 'data' / 'logs')], 'owner': USER, 'group': GROUP,
                      'mode': '0750'}],
        files=[{'dest': str(root / 'etc' / 'app.conf'), 'content': content, 'owner': USER, 'group': GROUP,
                'mode': mode}])


def mode_of(path):
    return oct(stat.S_IMODE(os.stat(path).st_mode))


def test_first_run_writes_everything_and_the_second_changes_nothing(tmp_path, capsys):
    first = run(capsys, **layout(tmp_path))
    assert first['changed'] is True
    assert first['changed_paths'] == [str(tmp_path / 'etc'), str(tmp_path / 'data' / 'logs'),
                                      str(tmp_path / 'etc' / 'app.conf')]
    assert (tmp_path / 'etc' / 'app.conf').read_text() == 'a=1\n'
    assert mode_of(tmp_path / 'etc' / 'app.conf') == '0o640'
    assert mode_of(tmp_path / 'data' / 'logs') == '0o750'

    second = run(capsys, **layout(tmp_path))
    assert second['changed'] is False
    assert second['changed_paths'] == [] and second['diff'] == []


def test_a_content_change_is_shown_and_applied_an_attribute_change_too(tmp_path, capsys):
    run(capsys, **layout(tmp_path))
    changed = run(capsys, **layout(tmp_path, content='a=2\n'))
    assert changed['changed_paths'] == [str(tmp_path / 'etc' / 'app.conf')]
    assert changed['diff'] == [{'before_header': str(tmp_path / 'etc' / 'app.conf'),
                                'after_header': str(tmp_path / 'etc' / 'app.conf'),
                                'before': 'a=1\n', 'after': 'a=2\n'}]
    assert (tmp_path / 'etc' / 'app.conf').read_text() == 'a=2\n'

    moded = run(capsys, **layout(tmp_path, content='a=2\n', mode='0600'))
    assert moded['changed_paths'] == [str(tmp_path / 'etc' / 'app.conf')]
    assert moded['diff'][0]['before']['mode'] == '0640' and moded['diff'][0]['after']['mode'] == '0600'
    assert mode_of(tmp_path / 'etc' / 'app.conf') == '0o600'


def test_check_mode_predicts_and_writes_nothing(tmp_path, capsys):
    predicted = run(capsys, check=True, **layout(tmp_path))
    assert predicted['changed_paths'] == run(capsys, **layout(tmp_path))['changed_paths']
    predicted = run(capsys, check=True, **layout(tmp_path, content='b\n'))
    assert predicted['changed_paths'] == [str(tmp_path / 'etc' / 'app.conf')]
    assert (tmp_path / 'etc' / 'app.conf').read_text() == 'a=1\n'


def test_a_secret_file_is_written_but_never_shown(tmp_path, capsys):
    args = layout(tmp_path)
    run(capsys, **args)
    secret = 'password=hunter2-%d\n' % os.getpid()
    args['secret_files'] = [{'dest': str(tmp_path / 'etc' / 'secret.conf'), 'content': secret, 'mode': '0600'}]
    with patch_module_args(dict(args, _ansible_diff=True)):
        with pytest.raises(SystemExit):
            config_files.main()
    out = capsys.readouterr().out
    assert 'hunter2' not in out
    assert json.loads(out)['changed_paths'] == [str(tmp_path / 'etc' / 'secret.conf')]
    assert (tmp_path / 'etc' / 'secret.conf').read_text() == secret
    assert mode_of(tmp_path / 'etc' / 'secret.conf') == '0o600'


def test_absent_removes_a_file_once(tmp_path, capsys):
    run(capsys, **layout(tmp_path))
    gone = dict(files=[{'dest': str(tmp_path / 'etc' / 'app.conf'), 'state': 'absent'}])
    assert run(capsys, **gone)['changed_paths'] == [str(tmp_path / 'etc' / 'app.conf')]
    assert not (tmp_path / 'etc' / 'app.conf').exists()
    assert run(capsys, **gone)['changed'] is False


def test_a_file_to_remove_in_a_missing_directory_is_already_absent(tmp_path, capsys):
    gone = dict(files=[{'dest': str(tmp_path / 'nowhere' / 'app.conf'), 'state': 'absent'}])
    assert run(capsys, **gone)['changed'] is False
    assert not (tmp_path / 'nowhere').exists()


def test_bad_input_changes_nothing_and_names_every_problem(tmp_path, capsys):
    args = layout(tmp_path)
    args['files'] += [{'dest': 'relative.conf', 'content': ''},
                      {'dest': str(tmp_path / 'nowhere' / 'x.conf'), 'content': '', 'owner': 'no-such-user-x'},
                      {'dest': str(tmp_path / 'etc' / 'y.conf'), 'content': '', 'mode': '0999'}]
    result = run(capsys, **args)
    assert result['failed'] is True
    assert result['errors'] == [
        "file 'relative.conf': the path must be absolute",
        "file %s: no user named 'no-such-user-x'" % (tmp_path / 'nowhere' / 'x.conf'),
        'file %s: its directory %s does not exist and is not in directories' % (
            tmp_path / 'nowhere' / 'x.conf', tmp_path / 'nowhere'),
        "file %s: mode '0999' is not an octal mode" % (tmp_path / 'etc' / 'y.conf'),
    ]
    assert result['msg'].startswith('Invalid input, nothing was changed: ')
    assert list(tmp_path.iterdir()) == []


def test_links_are_created_repointed_and_then_left_alone(tmp_path, capsys):
    (tmp_path / 'bin').mkdir()
    (tmp_path / 'bin' / 'b').symlink_to('/elsewhere')
    target = str(tmp_path / 'launcher')
    links = dict(links=[{'path': [str(tmp_path / 'bin' / 'a'), str(tmp_path / 'bin' / 'b')], 'target': target}])
    predicted = run(capsys, check=True, **links)
    assert predicted['changed_paths'] == [str(tmp_path / 'bin' / 'a'), str(tmp_path / 'bin' / 'b')]
    assert os.readlink(tmp_path / 'bin' / 'b') == '/elsewhere'
    first = run(capsys, **links)
    assert first['changed_paths'] == predicted['changed_paths']
    assert first['diff'][1] == {'before': {'path': str(tmp_path / 'bin' / 'b'), 'src': '/elsewhere'},
                                'after': {'path': str(tmp_path / 'bin' / 'b'), 'src': target}}
    assert os.readlink(tmp_path / 'bin' / 'a') == target and os.readlink(tmp_path / 'bin' / 'b') == target
    assert run(capsys, **links)['changed'] is False
    assert sorted(os.listdir(tmp_path / 'bin')) == ['a', 'b']


def test_a_missing_requirement_or_a_file_in_a_links_place_changes_nothing(tmp_path, capsys):
    (tmp_path / 'bin').mkdir()
    (tmp_path / 'bin' / 'c').write_text('a real file')
    args = layout(tmp_path)
    args.update(requires=[{'path': str(tmp_path / 'release' / 'run.sh'), 'hint': 'install the release first'}],
                links=[{'path': [str(tmp_path / 'bin' / 'c')], 'target': str(tmp_path / 'launcher')}])
    result = run(capsys, **args)
    assert result['errors'] == [
        'required %s is missing: install the release first' % (tmp_path / 'release' / 'run.sh'),
        'link %s: exists and is not a link' % (tmp_path / 'bin' / 'c')]
    assert sorted(os.listdir(tmp_path)) == ['bin'] and (tmp_path / 'bin' / 'c').read_text() == 'a real file'


def test_the_invocation_log_holds_no_secret_content_and_the_file_does(tmp_path, capsys, monkeypatch):
    """Ansible logs a module's invocation to syslog (the journal); a multi-line secret in a list option
    would be logged in full if the module did not leave it out."""
    logged = []
    monkeypatch.setattr(config_files.SecretListsModule, 'log', lambda self, msg, log_args=None: logged.append(msg))
    secret = 'Client {\n  password="multi-line-secret-42";\n};\n'
    result = run(capsys, secret_files=[{'dest': str(tmp_path / 'jaas.conf'), 'content': secret, 'mode': '0600'}])
    assert result['changed_paths'] == [str(tmp_path / 'jaas.conf')]
    assert (tmp_path / 'jaas.conf').read_text() == secret
    assert len(logged) == 1 and 'jaas.conf' in logged[0]
    assert 'multi-line-secret-42' not in logged[0]
