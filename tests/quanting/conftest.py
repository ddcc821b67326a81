"""Fixtures of the quantification tests: the two-path cluster layout and a config using it."""

from __future__ import annotations

import pytest

from tests.support.quanting import make_cluster_layout, quanting_section


@pytest.fixture
def cluster_layout(services):
    layout = make_cluster_layout(services)
    yield layout
    layout.remove()


@pytest.fixture
def quant_config(make_config, services, cluster_layout):
    """A config whose backup/output/settings/slurm folders are the cluster layout's (two paths each)."""

    def build(hosts=None, **quanting):
        locations = {"instruments": {"path": str(cluster_layout.worker_root / "instruments")},
                     **cluster_layout.locations()}
        return make_config(locations=locations, quanting=quanting_section(services, cluster_layout, hosts, **quanting))

    return build
