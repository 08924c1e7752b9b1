"""The lifecycle story runs first: the fault tests then run on the upgraded, reshaped cluster."""


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: item.module.__name__ != 'test_lifecycle')
