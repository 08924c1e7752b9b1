"""The Prometheus of a Molecule scenario (group `monitoring`), as the tests on the controller see it,
and the queries of the Grafana dashboards in dashboards/ (issue 12)."""

import glob
import json
import os
import re
import time
import urllib.parse
import urllib.request

DASHBOARDS = os.path.join(os.path.dirname(__file__), '..', '..', 'dashboards')
# What Grafana substitutes in a query: "all" for multi-value variables, a rate window for
# $__rate_interval (at least four scrapes, as Grafana computes it).
SUBSTITUTIONS = {'$__rate_interval': '1m', '$__interval': '30s', '$__range': '5m'}


class Prometheus:
    def __init__(self, url):
        self.url = url.rstrip('/')

    def get(self, path, **params):
        query = ('?' + urllib.parse.urlencode(params, doseq=True)) if params else ''
        with urllib.request.urlopen(self.url + path + query, timeout=10) as answer:
            body = json.load(answer)
        assert body.get('status') == 'success', body
        return body['data']

    def ready(self):
        try:
            with urllib.request.urlopen(self.url + '/-/ready', timeout=5) as answer:
                return answer.status == 200
        except OSError:
            return False

    def query(self, expr):
        return self.get('/api/v1/query', query=expr)['result']

    def targets(self):
        return self.get('/api/v1/targets', state='active')['activeTargets']

    def rules(self):
        return [rule for group in self.get('/api/v1/rules')['groups'] for rule in group['rules']]

    def alerts(self, name, state='firing', **labels):
        """The alerts called `name` in `state` whose labels include `labels`."""
        return [a for a in self.get('/api/v1/alerts')['alerts']
                if a['labels'].get('alertname') == name and a['state'] == state
                and all(a['labels'].get(k) == v for k, v in labels.items())]

    def wait_for(self, predicate, timeout, what, interval=1.0):
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError('Prometheus at %s: %s did not happen within %d s' % (self.url, what, timeout))
            time.sleep(interval)


def dashboard_queries():
    """(dashboard file, panel title, refId, expr) of every query of every panel, rows included, and
    each query variable's metric selector as ('<file>', 'variable <name>', '-', selector)."""
    queries = []
    for path in sorted(glob.glob(os.path.join(DASHBOARDS, '*.json'))):
        with open(path) as source:
            dashboard = json.load(source)
        name = os.path.basename(path)
        panels = []
        for panel in dashboard.get('panels', []):
            panels.append(panel)
            panels.extend(panel.get('panels', []))
        for panel in panels:
            for target in panel.get('targets', []):
                queries.append((name, panel.get('title', ''), target.get('refId', ''), target['expr']))
        for variable in dashboard.get('templating', {}).get('list', []):
            if variable.get('type') == 'query':
                definition = variable.get('definition') or variable['query']['query']
                match = re.fullmatch(r'label_values\((.+),\s*(\w+)\)', definition.strip())
                assert match, '%s: variable %s: not a label_values(metric, label) query' % (name, variable['name'])
                queries.append((name, 'variable ' + variable['name'], '-', match.group(1)))
    return queries


def as_promql(expr):
    """A dashboard query as Prometheus runs it once Grafana has substituted its variables."""
    for key, value in SUBSTITUTIONS.items():
        expr = expr.replace(key, value)
    # Every dashboard variable is multi-value with "All" = .*
    return re.sub(r'\$\{?\w+\}?', '.*', expr)
