# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""The section of docs/performance.md that a benchmark owns, between its BEGIN/END markers."""

import os
import time

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'docs', 'performance.md')


def load_average():
    """The 1, 5 and 15 minute load averages, to say how idle the machine was."""
    return ' '.join(open('/proc/loadavg').read().split()[:3])


def write_section(name, note, body):
    """Replace the section `name` (appended when missing) with a dated note and the body."""
    begin, end = '<!-- BEGIN %s -->' % name, '<!-- END %s -->' % name
    text = open(DOC).read() if os.path.exists(DOC) else '# Performance\n'
    if begin not in text:
        text += '\n%s\n%s\n' % (begin, end)
    head, _, rest = text.partition(begin)
    _, _, tail = rest.partition(end)
    with open(DOC, 'w') as handle:
        handle.write('%s%s\nTaken on %s. %s\n\n%s\n%s%s' % (head, begin, time.strftime('%Y-%m-%d'), note, body, end, tail))
