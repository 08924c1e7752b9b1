# -*- coding: utf-8 -*-
# Copyright: Kafka Ansible contributors
# SPDX-License-Identifier: Apache-2.0
"""A workaround for kafka-python 3.0.12, applied to every client of the modules (kafka_connection) and the tests.

A client refreshes its metadata in one background loop, which stops for good when a refresh fails with an error that
is not a KafkaError: a connection reset by a restarting broker (ConnectionResetError, an OSError) does that. The client
then keeps its old leaders: a producer retries NotLeaderForPartition on the same broker until its delivery timeout (the
KRaft rolling restart's load in a CI run of 2026-11-28 logged 'Metadata refresh: failed [Errno 104] Connection reset
by peer', then over 1,100 such retries). Every failed request asks for an update (request_update, which calls
start_refresh_loop): a loop that ended while the client is open is started again there.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def restart_an_ended_refresh_loop():
    """Patch kafka-python's ClusterMetadata once; needs kafka-python (import it first)."""
    from kafka.cluster import ClusterMetadata
    start = ClusterMetadata.start_refresh_loop
    if getattr(start, 'restarts_an_ended_loop', False):
        return

    def start_refresh_loop(self):
        ended = self._refresh_loop_future
        if ended is not None and ended.is_done and not self.closed:
            log.warning('the metadata refresh loop had ended (%r); starting it again', ended.exception)
            self._refresh_loop_future = None
        start(self)

    start_refresh_loop.restarts_an_ended_loop = True
    ClusterMetadata.start_refresh_loop = start_refresh_loop
