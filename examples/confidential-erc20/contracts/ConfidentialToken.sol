// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title ConfidentialToken
/// @notice An ERC-20 whose balances and allowances are readable only by the accounts they
/// belong to, the viewers a holder names, and auditors. Built for a Cloister chain, where
/// `eth_call`'s `from` is bound to the authenticated caller, so `msg.sender` in a view function
/// is who is asking. On an ordinary chain these checks are decoration: anyone can set `from`
/// and read storage directly. See README.md for what this contract can and cannot hide.
contract ConfidentialToken is ERC20, Ownable {
    /// @notice Addresses allowed to read every balance and allowance (set by the owner).
    mapping(address account => bool) public isAuditor;

    /// @notice Viewers a holder has allowed to read its balance and its allowances, e.g. a
    /// contract that must read `balanceOf(holder)` on the holder's behalf.
    mapping(address holder => mapping(address viewer => bool)) public isViewerOf;

    /// @notice The caller may not read this balance or allowance. Carries no data on purpose.
    error UnauthorizedRead();
    /// @notice A transfer or burn exceeds the balance. Unlike OpenZeppelin's
    /// `ERC20InsufficientBalance`, it does not echo the balance to a spender.
    error InsufficientBalance();

    event AuditorSet(address indexed auditor, bool enabled);
    event ViewerSet(address indexed holder, address indexed viewer, bool enabled);

    constructor(string memory name_, string memory symbol_, address admin)
        ERC20(name_, symbol_)
        Ownable(admin)
    {}

    // ---- administration -------------------------------------------------------------------

    /// @notice Creates `value` tokens for `to`. Only the owner.
    function mint(address to, uint256 value) external onlyOwner {
        _mint(to, value);
    }

    /// @notice Adds or removes an auditor. Only the owner.
    function setAuditor(address auditor, bool enabled) external onlyOwner {
        isAuditor[auditor] = enabled;
        emit AuditorSet(auditor, enabled);
    }

    /// @notice Shorthand for `setAuditor(auditor, true)`.
    function addAuditor(address auditor) external onlyOwner {
        isAuditor[auditor] = true;
        emit AuditorSet(auditor, true);
    }

    /// @notice Lets `viewer` (a person or a contract) read the caller's balance and allowances,
    /// or takes that back.
    function setViewer(address viewer, bool enabled) external {
        isViewerOf[msg.sender][viewer] = enabled;
        emit ViewerSet(msg.sender, viewer, enabled);
    }

    // ---- guarded reads --------------------------------------------------------------------

    /// @notice The balance of `account`: for `account`, its viewers and auditors only.
    function balanceOf(address account) public view override returns (uint256) {
        _requireViewer(account, account);
        return super.balanceOf(account);
    }

    /// @notice The allowance `holder` gave `spender`: for either of them, the holder's viewers
    /// and auditors only.
    function allowance(address holder, address spender) public view override returns (uint256) {
        _requireViewer(holder, spender);
        return super.allowance(holder, spender);
    }

    /// @dev `msg.sender`, not `tx.origin`: with `tx.origin` every contract a holder calls could
    /// read the holder's balance and republish it (README.md, "Why not tx.origin").
    function _requireViewer(address holder, address party) private view {
        address reader = msg.sender;
        if (reader == holder || reader == party || isAuditor[reader] || isViewerOf[holder][reader]) {
            return;
        }
        revert UnauthorizedRead();
    }

    // ---- ERC-20 internals that must not depend on who is reading --------------------------

    /// @dev OpenZeppelin's version reads the public (now guarded) `allowance`, which would tie
    /// spending to `msg.sender`; read the unguarded value instead.
    function _spendAllowance(address holder, address spender, uint256 value) internal override {
        uint256 current = super.allowance(holder, spender);
        if (current < type(uint256).max) {
            if (current < value) {
                revert ERC20InsufficientAllowance(spender, current, value);
            }
            unchecked {
                _approve(holder, spender, current - value, false);
            }
        }
    }

    /// @dev Checks the balance first so a spender's failing `transferFrom` does not return the
    /// holder's balance inside `ERC20InsufficientBalance`.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && super.balanceOf(from) < value) {
            revert InsufficientBalance();
        }
        super._update(from, to, value);
    }
}
