// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// Raised by Probe.guarded for any non-zero code, so clients must decode a custom error.
error Unauthorized(address caller, uint256 code);

/// A small contract whose calls revert in known ways and whose slot 0 holds a known value.
contract Probe {
    /// Slot 0: read back with eth_getStorageAt / cast storage.
    uint256 public stored;

    event Stored(address indexed who, uint256 value);

    constructor(uint256 initial) {
        stored = initial;
    }

    /// Reverts with the custom error Unauthorized(msg.sender, code) unless code is zero.
    function guarded(uint256 code) external {
        if (code != 0) revert Unauthorized(msg.sender, code);
        stored = 0;
    }

    /// Reverts with Error(string) unless value is above 1000.
    function checked(uint256 value) external {
        require(value > 1000, "Probe: value too small");
        stored = value;
    }

    /// Stores value and emits Stored.
    function set(uint256 value) external {
        stored = value;
        emit Stored(msg.sender, value);
    }
}
