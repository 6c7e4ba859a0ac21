// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// The OpenZeppelin ERC-20 as a dApp would deploy it: the whole supply goes to the deployer.
contract E2EToken is ERC20 {
    constructor(uint256 supply) ERC20("Cloister E2E Token", "E2E") {
        _mint(msg.sender, supply);
    }
}
