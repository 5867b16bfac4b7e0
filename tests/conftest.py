import pytest

from tests import catalogue


@pytest.fixture(params=catalogue.GROUP_SPECS)
def catalogue_group(request):
    """Every catalogue group, built once per process."""
    return catalogue.group(request.param)


@pytest.fixture(params=catalogue.SMALL_GROUP_SPECS)
def small_group(request):
    return catalogue.group(request.param)


@pytest.fixture(params=range(len(catalogue.automata())), ids=[a.name for a in catalogue.automata()])
def catalogue_automaton(request):
    return catalogue.automata()[request.param]
