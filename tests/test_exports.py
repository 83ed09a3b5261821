"""The public names of the package: exactly `__all__`, each importable, each documented."""

import contextpack


def test_every_exported_name_resolves_and_is_documented():
    assert contextpack.__all__ == sorted(contextpack.__all__)
    for name in contextpack.__all__:
        obj = getattr(contextpack, name)
        assert obj.__doc__, name
        assert name in dir(contextpack)


def test_an_unknown_name_is_an_attribute_error():
    try:
        contextpack.NoSuchThing  # noqa: B018
    except AttributeError as err:
        assert "NoSuchThing" in str(err)
    else:
        raise AssertionError("no AttributeError")


def test_the_exception_hierarchy_is_one_family():
    for name in contextpack.__all__:
        obj = getattr(contextpack, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, contextpack.ContextpackError), name
