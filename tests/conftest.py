import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from support import NodeProcess  # noqa: E402


@pytest.fixture
def node_factory(tmp_path):
    """Start real appliance processes; every one is stopped when the test ends."""
    nodes: list[NodeProcess] = []

    def make(name: str = "n1", **kw) -> NodeProcess:
        node = NodeProcess(str(tmp_path / name), **kw)
        nodes.append(node)
        return node.start()

    yield make
    for node in nodes:
        node.stop()


@pytest.fixture
def node(node_factory):
    return node_factory()
