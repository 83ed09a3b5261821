"""Solidity through `contextpack index`: tags query (grammars/solidity.scm), relative imports, and
remappings (remappings.txt / foundry.toml) for package-style paths."""

from __future__ import annotations

from pathlib import Path

from indexed import cli_index, edges_from, write_files
from lang_cli import pack_paths, symbols

FILES = {
    "foundry.toml": '[profile.default]\nsrc = "src"\nlibs = ["lib"]\nremappings = ["@solmate/=lib/solmate/src/"]\n',
    "remappings.txt": "@shop/=src/\n",
    "src/Token.sol": """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "./interfaces/IERC20.sol";
import "@shop/utils/Math.sol";
import {Owned} from "@solmate/auth/Owned.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

uint256 constant MAX_SUPPLY = 1e24;

type Price is uint128;

error Unauthorized(address caller);

/// @title A simple token
contract Token is IERC20, Owned {
    using MathLib for uint256;

    struct Balance {
        uint256 amount;
        uint64 updated;
    }

    enum Phase { Sale, Closed }

    mapping(address => Balance) private balances;
    uint256 public totalSupply;

    event Minted(address indexed to, uint256 amount);

    modifier onlyDuringSale() {
        _;
    }

    constructor() Owned(msg.sender) {}

    function transfer(address to, uint256 amount) external returns (bool) {
        balances[msg.sender].amount -= amount;
        balances[to].amount = balances[to].amount.add(amount);
        return true;
    }

    receive() external payable {}
}

function toPrice(uint256 x) pure returns (Price) {
    return Price.wrap(uint128(x));
}
""",
    "src/interfaces/IERC20.sol": (
        "pragma solidity ^0.8.24;\n"
        "\n"
        "interface IERC20 {\n"
        "    function transfer(address to, uint256 amount) external returns (bool);\n"
        "}\n"),
    "src/utils/Math.sol": (
        "pragma solidity ^0.8.24;\n"
        "\n"
        "library MathLib {\n"
        "    function add(uint256 a, uint256 b) internal pure returns (uint256) {\n"
        "        return a + b;\n"
        "    }\n"
        "}\n"),
    "lib/solmate/src/auth/Owned.sol": (
        "pragma solidity ^0.8.0;\n"
        "\n"
        "abstract contract Owned {\n"
        "    constructor(address o) {}\n"
        "}\n"),
    "test/Token.t.sol": ('pragma solidity ^0.8.24;\n\nimport "src/Token.sol";\n\n'
                         'contract TokenTest {\n    function testTransfer() public {}\n}\n'),
}


def test_definitions_and_imports(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    store = cli_index(repo, tmp_path / "index.sqlite")
    assert [(d.name, d.kind, d.qualname, d.start_line, d.end_line) for d in store.definitions("src/Token.sol")] == [
        ("MAX_SUPPLY", "constant", "src.Token.MAX_SUPPLY", 9, 9),
        ("Price", "type", "src.Token.Price", 11, 11),
        ("Unauthorized", "type", "src.Token.Unauthorized", 13, 13),
        ("Token", "class", "src.Token.Token", 16, 44),
        ("Balance", "struct", "src.Token.Token.Balance", 19, 22),
        ("amount", "variable", "src.Token.Token.Balance.amount", 20, 20),
        ("updated", "variable", "src.Token.Token.Balance.updated", 21, 21),
        ("Phase", "enum", "src.Token.Token.Phase", 24, 24),
        ("balances", "variable", "src.Token.Token.balances", 26, 26),
        ("totalSupply", "variable", "src.Token.Token.totalSupply", 27, 27),
        ("Minted", "method", "src.Token.Token.Minted", 29, 29),
        ("onlyDuringSale", "method", "src.Token.Token.onlyDuringSale", 31, 33),
        ("transfer", "method", "src.Token.Token.transfer", 37, 41),
        ("toPrice", "function", "src.Token.toPrice", 46, 48),
    ]
    by_name = {d.name: d for d in store.definitions("src/Token.sol")}
    assert by_name["Token"].doc == "@title A simple token"
    assert by_name["transfer"].signature == "function transfer(address to, uint256 amount) external returns (bool)"
    assert [(i.module, i.names) for i in store.imports("src/Token.sol")] == [
        ("./interfaces/IERC20.sol", ("IERC20",)), ("@shop/utils/Math.sol", ()),
        ("@solmate/auth/Owned.sol", ("Owned",)), ("@openzeppelin/contracts/utils/Address.sol", ("Address",))]
    # remappings.txt (@shop/) and foundry.toml (@solmate/); @openzeppelin is not in the repository
    assert edges_from(store, "src/Token.sol") == [
        "lib/solmate/src/auth/Owned.sol", "src/interfaces/IERC20.sol", "src/utils/Math.sol"]
    assert edges_from(store, "test/Token.t.sol") == ["src/Token.sol"]  # from the project root


def test_symbols_and_pack(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "repo", FILES)
    index = tmp_path / "index.sqlite"
    cli_index(repo, index).close()
    assert symbols(repo, index, "Token.transfer") == [("src/Token.sol:37", "method", "src.Token.Token.transfer")]
    assert pack_paths(repo, index, "Token.transfer underflows when the balance is too small")[0] == "src/Token.sol"
