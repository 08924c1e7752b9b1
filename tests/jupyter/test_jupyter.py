"""The course's JupyterHub on the `jupyter` host of `molecule verify` (roles/jupyter, playbooks/jupyter.yml).

A student logs in to the hub with the password of their account, starts their own notebook server
through the hub's REST API, and runs the course notebook of our own (CECICourse/course.ipynb, the
course's kinds of cells) cell by cell in a kernel of that server, over the kernel's websocket:
every cell must succeed and show what its metadata `expect` lists. Then a headless Chromium logs in
as the student and shows the notebook (screenshot in .cache/jupyter/). The accounts, the course files
and their idempotent copy, the refusal of a student without a secret, and the memory of the hub
and of one student's server are checked too. The scenario isolates the students (course_student_kafka_passwords):
the notebook logs in as the student without a credential in it, and another student is refused her topic.
"""

import datetime
import json
import os
import re
import shlex
import time
import types
import uuid

import pytest
import requests
import websocket

from lib.molecule_cluster import Cluster
from lib.students import student_password

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
COURSE_DIR = os.path.join(REPO, 'tests', 'jupyter', 'CECICourse')
NOTEBOOK = os.path.join(COURSE_DIR, 'course.ipynb')
OUTPUT = os.path.join(REPO, '.cache', 'jupyter')
STUDENT = 'alice'
OTHER_STUDENT = 'bob'


@pytest.fixture(scope='module')
def jupyter(cluster):
    # The scenario adds the `jupyter` group in an inventory file of its own: read the whole directory.
    inventory_dir = os.path.dirname(cluster.inventory)
    full = Cluster(inventory_dir)
    names = full.hosts('jupyter')
    assert names, 'no host in the jupyter group of %s' % inventory_dir
    name = names[0]
    port = int(full.variables(name).get('jupyter_port', 8000))
    os.makedirs(OUTPUT, exist_ok=True)
    return types.SimpleNamespace(name=name, host=full.host(name), cluster=full, inventory_dir=inventory_dir,
                                 url='http://%s:%d' % (cluster.address(name), port))


def password(jupyter, login):
    """The student's password, generated on the controller by the scenario's password lookup."""
    with open(os.path.join(jupyter.inventory_dir, '..', 'jupyter', '%s.password' % login), encoding='utf-8') as handle:
        return handle.read().split()[0]


def sh(host, command, user=None):
    if user:
        command = 'runuser -u %s -- bash -c %s' % (user, shlex.quote(command))
    result = host.run(command)
    assert result.rc == 0, '%s\nrc=%s\n%s\n%s' % (command, result.rc, result.stdout[-2000:], result.stderr[-2000:])
    return result.stdout


class Hub:
    """A student's session with the hub: the login form, then the REST API with a token of their own."""

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()
        self.token = None

    def login(self, login, secret):
        page = self.session.get(self.url + '/hub/login', timeout=30)
        page.raise_for_status()
        form_xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        data = {'username': login, 'password': secret}
        if form_xsrf:
            data['_xsrf'] = form_xsrf.group(1)
        return self.session.post(self.url + '/hub/login', data=data, allow_redirects=False, timeout=60)

    def new_token(self, login):
        answer = self.session.post(self.url + '/hub/api/users/%s/tokens' % login,
                                   json={'note': 'tests/jupyter', 'expires_in': 3600},
                                   headers={'X-XSRFToken': self.session.cookies.get('_xsrf', '')}, timeout=30)
        assert answer.status_code in (200, 201), (answer.status_code, answer.text)
        self.token = answer.json()['token']
        return self.token

    def api(self, method, path, **kwargs):
        headers = {'Authorization': 'token %s' % self.token}
        return requests.request(method, self.url + path, headers=headers, timeout=60, **kwargs)

    def start_server(self, login, timeout=240):
        started = time.time()
        answer = self.api('POST', '/hub/api/users/%s/server' % login)
        assert answer.status_code in (201, 202, 400), (answer.status_code, answer.text)
        while True:
            model = self.api('GET', '/hub/api/users/%s' % login).json()
            server = (model.get('servers') or {}).get('')
            if server and server.get('ready'):
                return time.time() - started
            assert time.time() - started < timeout, 'the server of %s is not ready after %ds: %s' % (login, timeout, model)
            time.sleep(1)


class Kernel:
    """A kernel of the student's server, driven over its websocket (Jupyter's messaging protocol)."""

    def __init__(self, hub, login):
        self.hub, self.login = hub, login
        answer = hub.api('POST', '/user/%s/api/kernels' % login, json={'name': 'python3'})
        assert answer.status_code in (200, 201), (answer.status_code, answer.text)
        self.id = answer.json()['id']
        self.session = uuid.uuid4().hex
        url = hub.url.replace('http://', 'ws://', 1) + '/user/%s/api/kernels/%s/channels' % (login, self.id)
        self.ws = websocket.create_connection(url, header=['Authorization: token %s' % hub.token], timeout=60)

    def execute(self, code, timeout=240):
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            'header': {'msg_id': msg_id, 'username': self.login, 'session': self.session, 'msg_type': 'execute_request',
                       'version': '5.3', 'date': datetime.datetime.now(datetime.timezone.utc).isoformat()},
            'parent_header': {}, 'metadata': {}, 'channel': 'shell', 'buffers': [],
            'content': {'code': code, 'silent': False, 'store_history': True, 'user_expressions': {},
                        'allow_stdin': False, 'stop_on_error': True},
        }))
        outputs, reply, idle = [], None, False
        deadline = time.time() + timeout
        while reply is None or not idle:
            self.ws.settimeout(max(1, deadline - time.time()))
            try:
                message = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                pytest.fail('no answer within %ds to:\n%s\noutput so far:\n%s' % (timeout, code, ''.join(
                    o.get('text', '') for o in outputs)))
            if message.get('parent_header', {}).get('msg_id') != msg_id:
                continue
            kind, content = message['header']['msg_type'], message['content']
            if kind == 'stream':
                outputs.append({'output_type': 'stream', 'name': content['name'], 'text': content['text']})
            elif kind in ('execute_result', 'display_data'):
                outputs.append({'output_type': kind, 'data': content['data'], 'metadata': {},
                                'text': content['data'].get('text/plain', '') + '\n',
                                **({'execution_count': content['execution_count']} if kind == 'execute_result' else {})})
            elif kind == 'error':
                outputs.append({'output_type': 'error', 'ename': content['ename'], 'evalue': content['evalue'],
                                'traceback': content['traceback'], 'text': '\n'.join(content['traceback'])})
            elif kind == 'status' and content['execution_state'] == 'idle':
                idle = True
            elif kind == 'execute_reply':
                reply = content
        return reply, outputs

    def close(self):
        self.ws.close()
        self.hub.api('DELETE', '/user/%s/api/kernels/%s' % (self.login, self.id))


@pytest.fixture(scope='module')
def student(jupyter):
    """alice, logged in, with her server started through the hub."""
    hub = Hub(jupyter.url)
    answer = hub.login(STUDENT, password(jupyter, STUDENT))
    assert answer.status_code == 302, (answer.status_code, answer.text[-2000:])
    hub.new_token(STUDENT)
    hub.start_seconds = hub.start_server(STUDENT)
    return hub


def test_hub_is_enabled_and_refuses_a_wrong_password(jupyter):
    assert jupyter.host.service('jupyterhub').is_enabled
    assert jupyter.host.service('jupyterhub').is_running
    hub = Hub(jupyter.url)
    assert hub.login(STUDENT, password(jupyter, STUDENT) + 'x').status_code == 403
    # An account of the host that is not a student of the course: not allowed either.
    assert hub.login('root', 'anything').status_code == 403


def test_students_have_accounts_and_the_course_files(jupyter):
    for login in (STUDENT, OTHER_STUDENT):
        user = jupyter.host.user(login)
        assert user.exists and user.home == '/home/%s' % login and user.shell == '/bin/bash'
        for name in ('course.ipynb', 'books/tale.txt'):
            copied = jupyter.host.file('/home/%s/CECICourse/%s' % (login, name))
            assert copied.is_file and copied.user == login, (login, name)
            if login == STUDENT:
                # bob's copy is the one the last test changes (a verify run twice finds that change).
                with open(os.path.join(COURSE_DIR, name), 'rb') as handle:
                    assert copied.content == handle.read(), (login, name)
    # Only the hash is on the node, never the password.
    shadow = sh(jupyter.host, 'getent shadow %s' % STUDENT).split(':')[1]
    assert shadow.startswith('$6$') and password(jupyter, STUDENT) not in sh(jupyter.host, 'cat /etc/shadow')


def test_notebook_runs_as_the_student_through_the_hub(jupyter, student):
    with open(NOTEBOOK, encoding='utf-8') as handle:
        notebook = json.load(handle)
    kernel = Kernel(student, STUDENT)
    started = time.time()
    try:
        for number, cell in enumerate(notebook['cells']):
            if cell['cell_type'] != 'code':
                continue
            source = ''.join(cell['source'])
            reply, outputs = kernel.execute(source)
            # Shell escapes run in a terminal (pexpect): \r\n line ends.
            text = ''.join(o['text'] for o in outputs).replace('\r\n', '\n').replace('\r', '\n')
            cell['outputs'] = [{k: v for k, v in o.items() if k != 'text' or o['output_type'] == 'stream'} for o in outputs]
            cell['execution_count'] = reply.get('execution_count')
            assert reply['status'] == 'ok', 'cell %d failed:\n%s\n---\n%s' % (number, source, text[-3000:])
            assert not any(o['output_type'] == 'error' for o in outputs), text[-3000:]
            # Shell escapes do not fail the cell: their output must show no error either.
            assert not re.search(r'\bERROR\b|Exception|command not found|No such file', text), \
                'cell %d:\n%s\n---\n%s' % (number, source, text[-3000:])
            for pattern in cell['metadata'].get('expect', []):
                expected = pattern.replace('{login}', re.escape(STUDENT))
                assert re.search(expected, text, re.M), 'cell %d: %r not in the output of\n%s\n---\n%s' % (
                    number, expected, source, text[-3000:])
    finally:
        with open(os.path.join(OUTPUT, 'course.executed.ipynb'), 'w', encoding='utf-8') as handle:
            json.dump(notebook, handle, indent=1)
        kernel.close()
    figures = {'first_server_start_seconds': round(student.start_seconds, 1),
               'notebook_seconds': round(time.time() - started, 1)}
    _record(figures)


def _record(figures):
    path = os.path.join(OUTPUT, 'figures.json')
    data = {}
    if os.path.exists(path):
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)
    data.update(figures)
    with open(path, 'w', encoding='utf-8') as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
    print('jupyter figures: %s' % json.dumps(data, sort_keys=True))


def test_memory_of_the_hub_and_of_one_student_server(jupyter, student):
    """RSS of the hub, its proxy, and one student's server with a kernel: recorded, and bounded."""
    kernel = Kernel(student, STUDENT)
    try:
        reply, _ = kernel.execute('import kafka')
        assert reply['status'] == 'ok'
        table = sh(jupyter.host, 'ps -eo user:32,rss,args --no-headers')
    finally:
        kernel.close()
    rss = {'hub': 0, 'proxy': 0, 'server': 0, 'kernel': 0}
    for line in table.splitlines():
        user, kib, args = line.split(None, 2)
        if user == 'root' and re.search(r'/bin/jupyterhub --config', args):
            rss['hub'] += int(kib)
        elif 'configurable-http-proxy' in args:
            rss['proxy'] += int(kib)
        elif user == STUDENT and 'jupyterhub-singleuser' in args:
            rss['server'] += int(kib)
        elif user == STUDENT and 'ipykernel_launcher' in args:
            rss['kernel'] += int(kib)
    assert all(rss.values()), 'a process is missing from:\n%s' % table
    mib = {key: round(value / 1024) for key, value in rss.items()}
    mib['total'] = sum(mib.values())
    _record({'rss_mib': mib})
    assert mib['total'] < 1024, mib


def test_browser_login_shows_the_notebook(jupyter):
    """Headless Chromium (Debian's, with its driver: nothing downloaded) logs in and opens the notebook."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = '/usr/bin/chromium'
    for argument in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage', '--window-size=1280,1000'):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path='/usr/bin/chromedriver'), options=options)
    screenshot = os.path.join(OUTPUT, 'screenshot.png')
    try:
        driver.get(jupyter.url + '/hub/login')
        WebDriverWait(driver, 60).until(expected_conditions.presence_of_element_located((By.ID, 'username_input')))
        driver.find_element(By.ID, 'username_input').send_keys(STUDENT)
        driver.find_element(By.ID, 'password_input').send_keys(password(jupyter, STUDENT))
        driver.find_element(By.ID, 'login_submit').click()
        WebDriverWait(driver, 120).until(lambda d: '/user/%s/' % STUDENT in d.current_url)
        driver.get(jupyter.url + '/user/%s/notebooks/CECICourse/course.ipynb' % STUDENT)
        WebDriverWait(driver, 120).until(
            lambda d: 'Kafka on the course cluster' in d.find_element(By.TAG_NAME, 'body').text
            and 'kafka-console-producer' in d.find_element(By.TAG_NAME, 'body').text)
        WebDriverWait(driver, 60).until(lambda d: 'Idle' in d.find_element(By.TAG_NAME, 'body').text
                                        or d.find_elements(By.CSS_SELECTOR, '.jp-Notebook-ExecutionIndicator'))
        time.sleep(2)
        body = driver.find_element(By.TAG_NAME, 'body').text
        title = driver.title
    finally:
        driver.save_screenshot(screenshot)
        driver.quit()
    assert 'course' in title and 'Kafka on the course cluster' in body, (title, body[:2000])
    assert os.path.getsize(screenshot) > 20000
    print('screenshot: %s' % screenshot)


def test_course_files_keep_the_students_changes_and_a_second_run_changes_nothing_else(jupyter):
    home = '/home/%s/CECICourse' % OTHER_STUDENT
    sh(jupyter.host, 'echo "my own note" >> %s/books/tale.txt && rm %s/course.ipynb' % (home, home), user=OTHER_STUDENT)
    run = jupyter.cluster.playbook('playbooks/jupyter.yml')
    assert run.rc == 0, run.tail()
    # The deleted notebook is copied again, nothing else changes.
    assert run.changed == 1, run.tail()
    assert jupyter.host.file('%s/books/tale.txt' % home).content_string.endswith('my own note\n')
    assert jupyter.host.file('%s/course.ipynb' % home).user == OTHER_STUDENT


def test_a_student_without_a_secret_is_a_clear_error(jupyter):
    run = jupyter.cluster.playbook('playbooks/jupyter.yml', '--check',
                                   extra_vars={'course_students': [STUDENT, OTHER_STUDENT, 'carol']})
    assert run.rc != 0, run.tail()
    assert 'There is no default password' in run.output and 'carol' in run.output, run.tail()
    assert not jupyter.host.user('carol').exists


def attempt(host, command, user):
    """rc and output (stdout and stderr) of a command run as `user` (the launcher finds their client properties)."""
    result = host.run('runuser -u %s -- bash -c %s' % (user, shlex.quote('cd && ' + command)))
    return result.rc, result.stdout + result.stderr


def test_each_student_manages_only_their_own_topics_and_reads_the_others(jupyter):
    """The isolation opt-in: the tools log each student in with their own ~/.kafka/client.properties (0600,
    SCRAM on the SASL_SSL listener); bob reads alice's topic but cannot write to it, delete it or create
    a topic in her name; his own topics are his; the kernel's kafka-python logs in the same way."""
    host, mark = jupyter.host, 'isolation-%s' % uuid.uuid4().hex[:8]
    for login in (STUDENT, OTHER_STUDENT):
        settings = host.file('/home/%s/.kafka/client.properties' % login)
        assert (settings.user, settings.mode) == (login, 0o600), login
        assert 'security.protocol=SASL_SSL' in settings.content_string
    assert attempt(host, 'cat /home/%s/.kafka/client.properties' % STUDENT, OTHER_STUDENT)[0] != 0

    sh(host, 'echo %s | kafka-console-producer --topic %s' % (mark, STUDENT), user=STUDENT)
    read = sh(host, 'kafka-console-consumer --topic %s --from-beginning --timeout-ms 20000 2>/dev/null | grep -c %s || true'
              % (STUDENT, mark), user=OTHER_STUDENT)
    assert read.strip() == '1', read

    refused = {
        'write to alice': 'echo theft | kafka-console-producer --topic %s --request-required-acks all' % STUDENT,
        "delete alice's topic": 'kafka-topics --delete --topic %s' % STUDENT,
        'create a topic in her name': 'kafka-topics --create --topic %s-stolen --partitions 1 --replication-factor 3' % STUDENT,
    }
    for what, command in refused.items():
        rc, output = attempt(host, command, OTHER_STUDENT)
        assert re.search(r'Authorization|[Nn]ot authorized', output), '%s was not refused (rc %d):\n%s' % (what, rc, output[-2000:])
    assert STUDENT in sh(host, 'kafka-topics --list', user=OTHER_STUDENT).split()

    own = '%s-isolation' % OTHER_STUDENT
    sh(host, 'kafka-topics --create --topic %s --partitions 1 --replication-factor 3' % own, user=OTHER_STUDENT)
    sh(host, 'kafka-topics --delete --topic %s' % own, user=OTHER_STUDENT)

    # The kernel's Python (the notebook servers set KAFKA_CLIENT_PROPERTIES): no credentials in the code.
    kernel = ('KAFKA_CLIENT_PROPERTIES=$HOME/.kafka/client.properties /opt/jupyterhub/bin/python -c %s'
              % shlex.quote('from kafka import KafkaProducer\n'
                            'from kafka.errors import TopicAuthorizationFailedError\n'
                            'producer = KafkaProducer(bootstrap_servers="kafka1:9093", acks="all", max_block_ms=30000)\n'
                            'producer.send("%s", b"mine").get(timeout=30)\n'
                            'try:\n    producer.send("%s", b"theft").get(timeout=30)\n'
                            'except TopicAuthorizationFailedError:\n    print("refused")\n' % (OTHER_STUDENT, STUDENT)))
    assert sh(host, kernel, user=OTHER_STUDENT).split()[-1:] == ['refused']


def test_the_course_playbook_again_changes_nothing_and_shows_no_password(jupyter, cluster):
    """playbooks/course.yml run again with -vvv --diff: the students' users (checked by a real login) and ACLs
    are already right, and neither the output nor the journal of the modules host holds a password."""
    modules_host = jupyter.cluster.host(jupyter.cluster.hosts('kafka')[0])
    since = modules_host.check_output('date "+%Y-%m-%d %H:%M:%S"')
    run = jupyter.cluster.playbook('playbooks/course.yml', '-vvv', '--diff')
    assert run.rc == 0, run.tail()
    assert run.changed == 0, run.tail()
    journal = modules_host.run('journalctl --since "%s" --no-pager' % since).stdout
    assert 'kafka_users' in journal  # the module's invocation is logged, masked
    for login in (STUDENT, OTHER_STUDENT):
        secret = student_password(cluster, login)
        assert secret not in run.output and secret not in journal, login


def test_a_student_without_a_kafka_password_is_refused_before_anything_changes(jupyter):
    run = jupyter.cluster.playbook('playbooks/course.yml', '--check',
                                   extra_vars={'course_students': [STUDENT, OTHER_STUDENT, 'carol']})
    assert run.rc != 0, run.tail()
    assert 'students without one: [' in run.output and "'carol'" in run.output, run.tail()
    assert 'Reconcile the declared topics' not in run.output, run.tail()
