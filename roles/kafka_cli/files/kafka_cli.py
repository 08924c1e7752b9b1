#!/usr/bin/python3
"""Kafka's command-line tools under Confluent's names, preconfigured for this cluster.

Installed by the Ansible role kafka_cli: /usr/local/bin/<name> links here and runs
<kafka_home>/bin/<name>.sh with the same arguments, except that
  - tools that talk to the brokers get `--bootstrap-server <every broker>` when the command line
    names no brokers (no --bootstrap-server, --broker-list, --zookeeper, ...);
  - the `--zookeeper HOST:PORT[/chroot]` of Kafka 1.x/2.x course material (gone from the 3.x tools)
    is replaced by the brokers registered in that ZooKeeper, with a one-line notice on stderr; when
    that ZooKeeper gives no brokers (none left after a migration to KRaft), by this cluster's brokers;
  - zookeeper-shell connects to the cluster's ensemble and chroot when no server is given;
  - on Kafka 4, whose tools dropped it, `--broker-list` becomes `--bootstrap-server`.
The cluster's addresses come from /etc/kafka-cli/cluster.json (written by the role).

A user's own Kafka client settings (a secured cluster: SASL login, TLS truststore) are a properties file
readable only by its owner: $KAFKA_CLIENT_PROPERTIES, else ~/.kafka/client.properties when it exists.
Each tool gets it with its own option (--command-config, --producer.config, ...) unless the command
line gives one, and the brokers it is sent to (by default, or found through --zookeeper) are those of
a listener of the file's security.protocol. Without such a file, a command line that names no brokers
gets the node's settings, /etc/kafka-cli/client.properties, when the user can read it (the role makes
it root's: on a broker, its own certificate on the admin listener).

ZooKeeper is read with kazoo (zookeeper_client.py beside this file; the role runs this launcher with
the Python of kafka_python_venv, which has kazoo). Without kazoo, --zookeeper falls back to this
cluster's brokers. A secured ZooKeeper (TLS, SASL DIGEST-MD5) is described by a properties file
readable only by its owner, never by the command line (the names of Kafka's --zk-tls-config-file,
plus zookeeper.sasl.*; see roles/kafka_cli/README.md):
  /etc/kafka-cli/zookeeper-client.properties, or the file named by $KAFKA_CLI_ZOOKEEPER_CONFIG
    zookeeper.ssl.client.enable=true
    zookeeper.ssl.truststore.location=/etc/kafka-cli/zookeeper-ca.pem     (PEM)
    zookeeper.ssl.keystore.location=/etc/kafka-cli/zookeeper-client.pem  (PEM: certificate and key)
    zookeeper.ssl.keystore.password=...                                   (of an encrypted key)
    zookeeper.ssl.endpoint.identification.algorithm=HTTPS                 (empty: no host name check)
    zookeeper.sasl.username=kafka
    zookeeper.sasl.password=...
"""

import json
import os
import re
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from zookeeper_client import ZooKeeperError, ZooKeeperReader, parse_connect  # noqa: E402

CONFIG = os.environ.get('KAFKA_CLI_CONFIG', '/etc/kafka-cli/cluster.json')
ZOOKEEPER_CONFIG_DEFAULT = '/etc/kafka-cli/zookeeper-client.properties'
# The properties of the ZooKeeper connection file and the connection options they set (zookeeper_client).
ZOOKEEPER_PROPERTIES = {
    'zookeeper.ssl.client.enable': 'use_ssl',
    'zookeeper.ssl.truststore.location': 'ssl_cafile',
    'zookeeper.ssl.keystore.location': 'ssl_certfile',
    'zookeeper.ssl.keystore.password': 'ssl_password',
    'zookeeper.ssl.endpoint.identification.algorithm': 'ssl_check_hostname',
    'zookeeper.sasl.mechanism': 'sasl_mechanism',
    'zookeeper.sasl.username': 'sasl_username',
    'zookeeper.sasl.password': 'sasl_password',
}

# Tools that connect to the brokers with --bootstrap-server.
BOOTSTRAP_TOOLS = {
    'kafka-topics', 'kafka-console-producer', 'kafka-console-consumer', 'kafka-configs',
    'kafka-consumer-groups', 'kafka-acls', 'kafka-reassign-partitions', 'kafka-broker-api-versions',
    'kafka-get-offsets', 'kafka-leader-election', 'kafka-log-dirs', 'kafka-delete-records',
    'kafka-transactions', 'kafka-features', 'kafka-cluster', 'kafka-delegation-tokens',
    'kafka-consumer-perf-test', 'kafka-verifiable-producer', 'kafka-verifiable-consumer',
}
# The option that gives each tool a client properties file (default: --command-config). Kafka 4.2 gave the producer
# and consumer tools --command-config too (KIP-1147): their own option then prints a warning on stdout.
CLIENT_CONFIG_OPTIONS = {
    'kafka-console-producer': '--producer.config', 'kafka-producer-perf-test': '--producer.config',
    'kafka-verifiable-producer': '--producer.config', 'kafka-console-consumer': '--consumer.config',
    'kafka-consumer-perf-test': '--consumer.config', 'kafka-verifiable-consumer': '--consumer.config',
    'kafka-leader-election': '--admin.config', 'kafka-cluster': '--config',
}
COMMAND_CONFIG_SINCE = (4, 2)
CLIENT_PROPERTIES_DEFAULT = '~/.kafka/client.properties'
NODE_CLIENT_PROPERTIES = '/etc/kafka-cli/client.properties'
# Options that already say where the cluster is.
CLUSTER_OPTIONS = ('--bootstrap-server', '--bootstrap-controller', '--broker-list', '--zookeeper',
                   '--authorizer-properties')
# kafka-configs 3.9 still has its own --zookeeper (SCRAM credentials before the brokers start), on a
# cluster that has ZooKeeper (a KRaft cluster's file names none).
NATIVE_ZOOKEEPER = {'kafka-configs'}
ZOOKEEPER_SHELL_COMMANDS = {
    'addWatch', 'addauth', 'close', 'config', 'connect', 'create', 'delete', 'deleteall', 'delquota',
    'get', 'getAcl', 'getAllChildrenNumber', 'getEphemerals', 'history', 'listquota', 'ls',
    'printwatches', 'quit', 'reconfig', 'redo', 'removewatches', 'rmr', 'set', 'setAcl', 'setquota',
    'stat', 'sync', 'version', 'whoami', 'help',
}
# host[:port][,host[:port]...][/chroot], hosts being names, IPv4 or [IPv6] addresses.
_ZOOKEEPER_SERVER = r'(?:\w[\w.-]*|\[[0-9a-fA-F:.]+\])(?::\d+)?'
ZOOKEEPER_ADDRESS = re.compile(r'%s(?:,%s)*(?:/\S*)?' % (_ZOOKEEPER_SERVER, _ZOOKEEPER_SERVER))


def die(tool, message):
    sys.stderr.write('%s: %s\n' % (tool, message))
    sys.exit(1)


def option_index(args, name):
    """Index of `name` or `name=value` in args, or None."""
    for index, arg in enumerate(args):
        if arg == name or arg.startswith(name + '='):
            return index
    return None


def pop_option(args, name):
    """Remove `name value` or `name=value` from args; return the value (None when absent).

    A missing value is '': the next argument is left alone when it is another option.
    """
    index = option_index(args, name)
    if index is None:
        return None
    arg = args.pop(index)
    if '=' in arg:
        return arg.split('=', 1)[1]
    if index >= len(args) or args[index].startswith('-'):
        return ''
    return args.pop(index)


def is_zookeeper_address(arg):
    """Whether zookeeper-shell's first argument names a server rather than a command."""
    return arg not in ZOOKEEPER_SHELL_COMMANDS and ZOOKEEPER_ADDRESS.fullmatch(arg) is not None


def broker_address(registration, protocol='PLAINTEXT'):
    """host:port of a broker's registration znode (its listener of `protocol` when it has several)."""
    endpoints = registration.get('endpoints') or []
    protocols = registration.get('listener_security_protocol_map') or {}
    for endpoint in endpoints:
        listener, _, address = endpoint.partition('://')
        if protocols.get(listener, listener) == protocol:
            return address
    if endpoints:
        return endpoints[0].partition('://')[2]
    if registration.get('host'):
        return '%s:%s' % (registration['host'], registration['port'])
    return None


def read_properties(text):
    """key=value lines of a properties file (# and ! comments; no escapes, no continued lines)."""
    properties = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in '#!':
            continue
        key, sep, value = line.partition('=')
        if not sep:
            raise ValueError('not key=value: %r' % line.split()[0])
        properties[key.strip()] = value.strip()
    return properties


def read_owner_only(path):
    """The properties of a file that may hold passwords: one readable by its group or others is refused."""
    with open(path, encoding='utf-8') as handle:
        if stat.S_IMODE(os.fstat(handle.fileno()).st_mode) & 0o077:
            raise LookupError('%s is readable by others than its owner: chmod 600 it' % path)
        return read_properties(handle.read())


def client_properties(args=()):
    """(path, security protocol) of the client properties for this command line, or None without any.

    The user's own file always applies; the node's file only when the command line names no brokers
    (its protocol decides which listener the launcher picks) and this user may read it.
    """
    given = os.environ.get('KAFKA_CLIENT_PROPERTIES')
    paths = [os.path.expanduser(given or CLIENT_PROPERTIES_DEFAULT)]
    names_brokers = any(option_index(args, name) is not None for name in CLUSTER_OPTIONS if name != '--zookeeper') \
        or any(arg.startswith('bootstrap.servers=') for arg in args)
    if not given and not names_brokers:
        paths.append(NODE_CLIENT_PROPERTIES)
    for path in paths:
        try:
            properties = read_owner_only(path)
        except FileNotFoundError:
            if given:
                raise LookupError('no client properties file %s (KAFKA_CLIENT_PROPERTIES)' % path)
            continue
        except PermissionError:
            if path == NODE_CLIENT_PROPERTIES:
                continue  # root's: other users get the cluster's defaults
            raise LookupError('cannot read the client properties file %s: permission denied' % path)
        except (OSError, ValueError) as error:
            raise LookupError('cannot read the client properties file %s: %s' % (path, error))
        return path, properties.get('security.protocol', 'PLAINTEXT').upper()
    return None


def zookeeper_options(path=None):
    """The connection options of the ZooKeeper connection file; {} (plain) when the default file is absent.

    The file may hold passwords: one readable by its group or others is refused.
    """
    given = path or os.environ.get('KAFKA_CLI_ZOOKEEPER_CONFIG')
    path = given or ZOOKEEPER_CONFIG_DEFAULT
    try:
        properties = read_owner_only(path)
    except FileNotFoundError:
        if given:
            raise LookupError('no ZooKeeper connection file %s' % path)
        return {}
    except (OSError, ValueError) as error:
        raise LookupError('cannot read the ZooKeeper connection file %s: %s' % (path, error))
    for kind in ('truststore', 'keystore'):
        if properties.get('zookeeper.ssl.%s.type' % kind, 'PEM').upper() != 'PEM':
            raise LookupError('%s: zookeeper.ssl.%s.type must be PEM (the launcher reads no JKS or PKCS12)' % (path, kind))
    options = {ZOOKEEPER_PROPERTIES[key]: value for key, value in properties.items() if key in ZOOKEEPER_PROPERTIES}
    options['use_ssl'] = options.get('use_ssl', 'false').lower() == 'true'
    options['ssl_check_hostname'] = options.get('ssl_check_hostname', 'HTTPS').upper() == 'HTTPS'
    return options


def brokers_in_zookeeper(spec, default_chroot, protocol='PLAINTEXT'):
    """The brokers registered in the ZooKeeper `host:port[,host:port][/chroot]`, and where they were found.

    Without a chroot in `spec`, the cluster's chroot is tried first, then the root. The servers are
    tried in their order until one gives a session (with the options of the ZooKeeper connection file).
    """
    try:
        hosts, chroot = parse_connect(spec)
        servers = ','.join(hosts)
        roots = [chroot] if chroot else ([''] if '/' in spec else [default_chroot, ''])
        roots = [root.rstrip('/') for root in dict.fromkeys(roots)]
        with ZooKeeperReader(hosts, options=zookeeper_options()) as zookeeper:
            for root in roots:
                ids = zookeeper.children(root + '/brokers/ids')
                if not ids:
                    continue
                addresses = []
                for broker_id in sorted(ids, key=lambda i: int(i) if i.isdigit() else i):
                    data = zookeeper.get('%s/brokers/ids/%s' % (root, broker_id))
                    address = broker_address(json.loads(data), protocol) if data else None
                    if address:
                        addresses.append(address)
                if addresses:
                    return addresses, servers + root
            raise LookupError('%s: no broker registered under %s' % (
                servers, ' or '.join(root + '/brokers/ids' for root in roots)))
    except (OSError, ValueError, ZooKeeperError) as error:
        raise LookupError(str(error))


def cluster_servers(config, protocol=None):
    """This cluster's brokers, on the port of the first listener of `protocol` when it has one."""
    servers = config.get('bootstrap_servers') or []
    port = (config.get('listener_ports') or {}).get(protocol) if protocol else None
    return ['%s:%s' % (server.rpartition(':')[0], port) for server in servers] if port else list(servers)


def kafka_version(config):
    """(major, minor) of the node's Kafka release."""
    return tuple(int(part) for part in (str(config.get('kafka_version', '3.0')).split('.') + ['0'])[:2])


def client_config_options(tool, config):
    """The options that give `tool` a client properties file, the one to add first."""
    own = CLIENT_CONFIG_OPTIONS.get(tool, '--command-config')
    if own in ('--producer.config', '--consumer.config') and kafka_version(config) >= COMMAND_CONFIG_SINCE:
        return ['--command-config', own]
    return [own]


def rewrite(tool, args, config, client=None):
    """The arguments to run <tool>.sh with; `client` is (path, security protocol) of the user's client properties."""
    args = list(args)
    if tool == 'zookeeper-shell':
        if not args or not is_zookeeper_address(args[0]):
            args.insert(0, config['zookeeper_connect'])
        return args
    if tool != 'kafka-producer-perf-test' and tool not in BOOTSTRAP_TOOLS:
        return args
    if tool in NATIVE_ZOOKEEPER and config.get('zookeeper_connect') and option_index(args, '--zookeeper') is not None:
        return args
    if kafka_version(config) >= (4, 0) and option_index(args, '--broker-list') is not None:
        # Kafka 4 removed --broker-list (console producer, get-offsets, verifiable producer); the course uses it.
        args = ['--bootstrap-server', pop_option(args, '--broker-list')] + args
    args = with_brokers(tool, args, config, client[1] if client else None)
    options = client_config_options(tool, config)
    if client and all(option_index(args, option) is None for option in options):
        # First, like --bootstrap-server: tools with subcommands (kafka-features, kafka-metadata-quorum) take it only
        # before the subcommand.
        args = [options[0], client[0]] + args
    return args


def with_brokers(tool, args, config, protocol):
    """The arguments with this cluster's brokers (a listener of `protocol`, if given) when they name none."""
    bootstrap = ','.join(cluster_servers(config, protocol))

    if tool == 'kafka-producer-perf-test':
        # No --bootstrap-server here: bootstrap.servers goes into --producer-props.
        given = any(a.startswith('bootstrap.servers=') for a in args) or \
            any(option_index(args, option) is not None for option in client_config_options(tool, config))
        if bootstrap and not given:
            index = option_index(args, '--producer-props')
            if index is None:
                args += ['--producer-props', 'bootstrap.servers=' + bootstrap]
            else:
                args.insert(index + 1, 'bootstrap.servers=' + bootstrap)
        return args

    if option_index(args, '--zookeeper') is not None:
        spec = pop_option(args, '--zookeeper')
        if not spec:
            die(tool, 'option --zookeeper requires a value (HOST:PORT[/chroot])')
        if option_index(args, '--bootstrap-server') is None:
            try:
                brokers, where = brokers_in_zookeeper(spec, config.get('zookeeper_chroot', ''), protocol or 'PLAINTEXT')
                servers, source = ','.join(brokers), 'the brokers registered in ' + where
            except LookupError as error:
                # No ZooKeeper left to ask (e.g. after the migration to KRaft): course commands
                # must still run, so use this node's cluster.
                if not bootstrap:
                    die(tool, '--zookeeper %s: cannot find the brokers of that cluster (%s)' % (spec, error))
                servers, source = bootstrap, 'this cluster\'s brokers from %s; %s' % (CONFIG, error)
            args = ['--bootstrap-server', servers] + args
            sys.stderr.write('%s: Kafka 3 tools have no --zookeeper; using --bootstrap-server %s (%s)\n'
                             % (tool, servers, source))
        return args

    if bootstrap and not any(option_index(args, name) is not None for name in CLUSTER_OPTIONS):
        args = ['--bootstrap-server', bootstrap] + args
    return args


def main():
    tool = os.path.basename(sys.argv[0])
    if tool.endswith('.py'):
        # Run directly: kafka_cli.py <tool> [args...]
        if len(sys.argv) < 2:
            die('kafka_cli', 'usage: kafka_cli.py TOOL [ARGS...], or run it through a link named after the tool')
        tool = sys.argv.pop(1)
    try:
        with open(CONFIG, encoding='utf-8') as handle:
            config = json.load(handle)
    except (OSError, ValueError) as error:
        die(tool, 'cannot read the cluster configuration %s: %s' % (CONFIG, error))
    script = os.path.join(config.get('kafka_home', '/opt/kafka'), 'bin', tool + '.sh')
    if not os.access(script, os.X_OK):
        die(tool, '%s is not installed on this node' % script)
    try:
        client = client_properties(sys.argv[1:])
    except LookupError as error:
        die(tool, str(error))
    args = rewrite(tool, sys.argv[1:], config, client)
    os.execv(script, [script] + args)


if __name__ == '__main__':
    main()
