import pytest

from weir.cli.options import parse_mapping, parse_vars
from weir.errors import ConfigError


def test_yaml_and_json_mappings_parse_the_same() -> None:
    assert parse_vars("{day: 2, name: x}") == {"day": 2, "name": "x"}
    assert parse_mapping('{"limit": 5}', "--conf", "{}") == {"limit": 5}
    assert parse_vars(None) == {} and parse_vars("") == {}


def test_errors_name_the_option_and_show_an_example() -> None:
    with pytest.raises(ConfigError, match=r"--conf must be a mapping, e.g. --conf '\{\"limit\": 5\}'"):
        parse_mapping("[1, 2]", "--conf", '{"limit": 5}')
    with pytest.raises(ConfigError, match="--vars is not valid YAML or JSON"):
        parse_vars("{day: [")
