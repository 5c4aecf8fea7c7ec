"""Operations: what the people running PostCash see of it.

* ``observability.py``: logging (JSON lines, request ids, masked numbers).
* ``metrics.py``: the Prometheus counters, gauges and exporter.
* ``instrumentation.py``: timing every request and serving ``/metrics``.
* ``health.py``: ``GET /health`` for the load balancer.
"""
