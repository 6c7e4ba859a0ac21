// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.37;

/// @title Cloister governance system contract (DESIGN.md §3 "Governance")
/// @notice Predeployed in genesis at 0x…C0C0. Members propose and vote with ordinary signed
/// transactions; each proposal goes through CCF's three steps: validate (at `propose`, by
/// applying its actions in a call that always reverts), resolve (votes counted against the
/// members at proposal time) and apply (atomically, in the deciding vote's transaction).
/// The interface is `crates/governance/src/abi.rs`; events follow OpenZeppelin Governor's.
contract Governance {
    struct Measurement {
        bytes32 id;
        bytes32 mrenclave;
        bytes32 mrsigner;
        uint16 productId;
        uint16 minIsvSvn;
    }

    struct ProposalView {
        address proposer;
        bytes[] actions;
        string description;
        uint64 voteStart;
        uint64 voteEnd;
        uint32 memberCount;
        uint32 required;
        uint32 forVotes;
        uint32 againstVotes;
        uint32 abstainVotes;
        uint8 state;
    }

    event ProposalCreated(
        uint256 proposalId,
        address proposer,
        address[] targets,
        uint256[] values,
        string[] signatures,
        bytes[] calldatas,
        uint256 voteStart,
        uint256 voteEnd,
        string description
    );
    event VoteCast(address indexed voter, uint256 proposalId, uint8 support, uint256 weight, string reason);
    event ProposalExecuted(uint256 proposalId);
    event ProposalCanceled(uint256 proposalId);
    event ProposalFailed(uint256 proposalId, bytes reason);

    event MemberAdded(address indexed member);
    event MemberRemoved(address indexed member);
    event ValidatorAdded(address indexed validator);
    event ValidatorRemoved(address indexed validator);
    event NodeAdmitted(address indexed node);
    event NodeRemoved(address indexed node);
    event MeasurementAllowed(bytes32 indexed id, bytes32 mrenclave, bytes32 mrsigner, uint16 productId, uint16 minIsvSvn);
    event MeasurementRevoked(bytes32 indexed id);
    event RoleSet(address indexed account, string role, bool granted);
    event PolicyReplaced(uint64 version, bytes32 documentHash);
    event ThresholdsSet(uint16 addBps, uint16 removeBps, uint64 votingPeriod);

    /// The sentinel a validation call reverts with when every action applied.
    error Validated();
    /// Applying ran out of the gas this transaction gave it (not a property of the proposal).
    error OutOfGas();

    /// The node's policy parser (a Cloister precompile): empty output if the document parses,
    /// else a revert whose data is `Error("policy: <reason>")`.
    address private constant POLICY_CHECK = 0x000000000000000000000000000000000000c0c1;

    // OpenZeppelin's ProposalState numbering, plus Failed.
    uint8 private constant ACTIVE = 1;
    uint8 private constant CANCELED = 2;
    uint8 private constant DEFEATED = 3;
    uint8 private constant EXPIRED = 6;
    uint8 private constant EXECUTED = 7;
    uint8 private constant FAILED = 8;

    /// An ordered set of addresses: views return `items`; `position` is index + 1 (0: absent).
    struct AddressSet {
        address[] items;
        mapping(address => uint256) position;
    }

    struct RoleGrant {
        address account;
        string role;
    }

    struct Proposal {
        address proposer;
        uint64 voteStart;
        uint64 voteEnd;
        uint32 memberCount;
        uint32 required;
        uint32 forVotes;
        uint32 againstVotes;
        uint32 abstainVotes;
        /// ACTIVE until decided (expiry is computed, never stored).
        uint8 status;
        /// `configVersion` at creation: who joined later may not vote.
        uint64 epoch;
        bytes[] actions;
        string description;
    }

    AddressSet private members;
    /// The `configVersion` in which each current member joined.
    mapping(address => uint64) private memberSince;
    AddressSet private validators;
    AddressSet private nodes;

    Measurement[] private measurements;
    mapping(bytes32 => uint256) private measurementPosition;

    RoleGrant[] private roleGrants;
    mapping(bytes32 => uint256) private rolePosition;

    bytes private policyJson;
    uint64 private policyVersion;

    uint16 private addBps;
    uint16 private removeBps;
    uint64 private votingPeriod;

    uint64 public configVersion;

    uint256 public proposalCount;
    mapping(uint256 => Proposal) private proposals;
    mapping(uint256 => mapping(address => bool)) private voted;

    modifier onlySelf() {
        require(msg.sender == address(this), "only a proposal can do this");
        _;
    }

    /// Builds the genesis state. Stores nothing but the arguments (no block fields, no
    /// sender, no own address), so the genesis storage is a pure function of them.
    constructor(
        address[] memory initialMembers,
        address[] memory initialValidators,
        address[] memory initialNodes,
        Measurement[] memory initialMeasurements,
        address[] memory roleAccounts,
        string[] memory roleNames,
        bytes memory initialPolicy,
        uint16 initialAddBps,
        uint16 initialRemoveBps,
        uint64 initialVotingPeriod
    ) {
        require(initialMembers.length > 0, "at least one member");
        require(initialValidators.length > 0, "at least one validator");
        require(roleAccounts.length == roleNames.length, "role accounts and names differ in length");
        configVersion = 1;
        for (uint256 i = 0; i < initialMembers.length; i++) {
            _addMember(initialMembers[i]);
        }
        for (uint256 i = 0; i < initialValidators.length; i++) {
            _addValidator(initialValidators[i]);
        }
        for (uint256 i = 0; i < initialNodes.length; i++) {
            _admitNode(initialNodes[i]);
        }
        for (uint256 i = 0; i < initialMeasurements.length; i++) {
            Measurement memory m = initialMeasurements[i];
            _allowMeasurement(m.mrenclave, m.mrsigner, m.productId, m.minIsvSvn);
        }
        for (uint256 i = 0; i < roleAccounts.length; i++) {
            _setRole(roleAccounts[i], roleNames[i], true);
        }
        _checkPolicy(initialPolicy);
        policyJson = initialPolicy;
        policyVersion = 1;
        _setThresholds(initialAddBps, initialRemoveBps, initialVotingPeriod);
    }

    // ----------------------------------------------------------------------------------------
    // Proposals and votes
    // ----------------------------------------------------------------------------------------

    function propose(bytes[] calldata actions, string calldata description) external returns (uint256 proposalId) {
        require(_eligible(msg.sender, configVersion), "only a member can propose");
        require(actions.length > 0, "a proposal needs at least one action");

        uint256 memberCount = members.items.length;
        uint256 required = 1;
        for (uint256 i = 0; i < actions.length; i++) {
            uint256 bps = _bpsFor(actions[i]);
            uint256 needed = (memberCount * bps + 9999) / 10000;
            if (needed > required) required = needed;
        }

        // Validate: apply everything against the current state in a call that always reverts.
        try this.validateActions(actions) {
            revert("validation did not revert");
        } catch (bytes memory reason) {
            if (_is(reason, OutOfGas.selector)) revert("out of gas while validating the proposal");
            if (!_is(reason, Validated.selector)) _bubble(reason);
        }

        proposalId = ++proposalCount;
        Proposal storage p = proposals[proposalId];
        p.proposer = msg.sender;
        p.voteStart = uint64(block.timestamp);
        p.voteEnd = uint64(block.timestamp) + votingPeriod;
        p.memberCount = uint32(memberCount);
        p.required = uint32(required);
        p.status = ACTIVE;
        p.epoch = configVersion;
        for (uint256 i = 0; i < actions.length; i++) {
            p.actions.push(actions[i]);
        }
        p.description = description;

        _emitCreated(proposalId, p);
    }

    function castVote(uint256 proposalId, uint8 support) external returns (uint256) {
        require(_state(proposalId) == ACTIVE, "proposal is not active");
        require(support <= 2, "support must be 0 (against), 1 (for) or 2 (abstain)");
        Proposal storage p = proposals[proposalId];
        require(_eligible(msg.sender, p.epoch), "not a member since the proposal was made");
        require(!voted[proposalId][msg.sender], "already voted");
        voted[proposalId][msg.sender] = true;

        if (support == 1) {
            p.forVotes += 1;
        } else if (support == 0) {
            p.againstVotes += 1;
        } else {
            p.abstainVotes += 1;
        }
        emit VoteCast(msg.sender, proposalId, support, 1, "");

        if (p.forVotes >= p.required) {
            _apply(proposalId, p);
        } else if (uint256(p.memberCount) < uint256(p.againstVotes) + p.abstainVotes + p.required) {
            // Even if every member left voted for, the threshold is out of reach.
            p.status = DEFEATED;
        }
        return 1;
    }

    function cancel(uint256 proposalId) external {
        require(_state(proposalId) == ACTIVE, "proposal is not active");
        Proposal storage p = proposals[proposalId];
        require(msg.sender == p.proposer, "only the proposer can cancel");
        p.status = CANCELED;
        emit ProposalCanceled(proposalId);
    }

    /// Applies `actions` (validation step); always reverts, with `Validated()` if all applied.
    function validateActions(bytes[] calldata actions) external onlySelf {
        _applyAll(actions);
        revert Validated();
    }

    /// Applies `actions` atomically (apply step of the deciding vote).
    function applyActions(bytes[] calldata actions) external onlySelf {
        _applyAll(actions);
    }

    // ----------------------------------------------------------------------------------------
    // Actions (only through a proposal)
    // ----------------------------------------------------------------------------------------

    function addMember(address member) external onlySelf {
        _bump();
        _addMember(member);
    }

    function removeMember(address member) external onlySelf {
        _bump();
        require(members.items.length > 1 || members.position[member] == 0, "no member would remain");
        _remove(members, member, "not a member");
        delete memberSince[member];
        emit MemberRemoved(member);
    }

    function addValidator(address validator) external onlySelf {
        _bump();
        _addValidator(validator);
    }

    function removeValidator(address validator) external onlySelf {
        _bump();
        require(validators.items.length > 1 || validators.position[validator] == 0, "no validator would remain");
        _remove(validators, validator, "not a validator");
        emit ValidatorRemoved(validator);
    }

    function admitNode(address node) external onlySelf {
        _bump();
        _admitNode(node);
    }

    function removeNode(address node) external onlySelf {
        _bump();
        _remove(nodes, node, "not an admitted node");
        emit NodeRemoved(node);
    }

    function allowMeasurement(bytes32 mrenclave, bytes32 mrsigner, uint16 productId, uint16 minIsvSvn)
        external
        onlySelf
    {
        _bump();
        _allowMeasurement(mrenclave, mrsigner, productId, minIsvSvn);
    }

    function revokeMeasurement(bytes32 id) external onlySelf {
        _bump();
        uint256 position = measurementPosition[id];
        require(position != 0, "measurement not allowed");
        // An empty list means "no rule" to a verifier: revoking the last allowed build would
        // admit any enclave instead of none.
        require(measurements.length > 1, "no measurement would remain");
        uint256 last = measurements.length;
        if (position != last) {
            Measurement memory moved = measurements[last - 1];
            measurements[position - 1] = moved;
            measurementPosition[moved.id] = position;
        }
        measurements.pop();
        delete measurementPosition[id];
        emit MeasurementRevoked(id);
    }

    function setRole(address account, string calldata role, bool granted) external onlySelf {
        _bump();
        _setRole(account, role, granted);
    }

    function setPolicy(bytes calldata json) external onlySelf {
        _bump();
        _checkPolicy(json);
        policyJson = json;
        policyVersion += 1;
        emit PolicyReplaced(policyVersion, keccak256(json));
    }

    function setThresholds(uint16 newAddBps, uint16 newRemoveBps, uint64 newVotingPeriod) external onlySelf {
        _bump();
        _setThresholds(newAddBps, newRemoveBps, newVotingPeriod);
    }

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    function state(uint256 proposalId) external view returns (uint8) {
        return _state(proposalId);
    }

    function getProposal(uint256 proposalId) external view returns (ProposalView memory view_) {
        uint8 current = _state(proposalId);
        Proposal storage p = proposals[proposalId];
        view_.proposer = p.proposer;
        view_.actions = p.actions;
        view_.description = p.description;
        view_.voteStart = p.voteStart;
        view_.voteEnd = p.voteEnd;
        view_.memberCount = p.memberCount;
        view_.required = p.required;
        view_.forVotes = p.forVotes;
        view_.againstVotes = p.againstVotes;
        view_.abstainVotes = p.abstainVotes;
        view_.state = current;
    }

    function proposalVotes(uint256 proposalId)
        external
        view
        returns (uint256 againstVotes, uint256 forVotes, uint256 abstainVotes)
    {
        Proposal storage p = proposals[proposalId];
        return (p.againstVotes, p.forVotes, p.abstainVotes);
    }

    function hasVoted(uint256 proposalId, address account) external view returns (bool) {
        return voted[proposalId][account];
    }

    function isMember(address account) external view returns (bool) {
        return members.position[account] != 0;
    }

    function getMembers() external view returns (address[] memory) {
        return members.items;
    }

    function getValidators() external view returns (address[] memory) {
        return validators.items;
    }

    function getNodes() external view returns (address[] memory) {
        return nodes.items;
    }

    function getMeasurements() external view returns (Measurement[] memory) {
        return measurements;
    }

    function getRoles() external view returns (address[] memory accounts, string[] memory roles) {
        uint256 n = roleGrants.length;
        accounts = new address[](n);
        roles = new string[](n);
        for (uint256 i = 0; i < n; i++) {
            accounts[i] = roleGrants[i].account;
            roles[i] = roleGrants[i].role;
        }
    }

    function policy() external view returns (bytes memory json, uint64 version) {
        return (policyJson, policyVersion);
    }

    function thresholds() external view returns (uint16, uint16, uint64) {
        return (addBps, removeBps, votingPeriod);
    }

    function clock() external view returns (uint48) {
        return uint48(block.timestamp);
    }

    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() external pure returns (string memory) {
        return "mode=timestamp";
    }

    // ----------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------

    function _state(uint256 proposalId) private view returns (uint8) {
        require(proposalId != 0 && proposalId <= proposalCount, "unknown proposal");
        Proposal storage p = proposals[proposalId];
        if (p.status == ACTIVE && block.timestamp > p.voteEnd) return EXPIRED;
        return p.status;
    }

    /// A member now who already was one at config version `epoch`.
    function _eligible(address account, uint64 epoch) private view returns (bool) {
        return members.position[account] != 0 && memberSince[account] <= epoch;
    }

    /// The share of members (basis points) an action needs: removing or replacing something
    /// needs `removeBps`, adding something `addBps`. Refuses anything but an action.
    function _bpsFor(bytes calldata action) private view returns (uint256) {
        require(action.length >= 4, "unknown action");
        bytes4 selector = bytes4(action[:4]);
        if (
            selector == this.addMember.selector || selector == this.addValidator.selector
                || selector == this.admitNode.selector || selector == this.allowMeasurement.selector
        ) {
            return addBps;
        }
        if (
            selector == this.removeMember.selector || selector == this.removeValidator.selector
                || selector == this.removeNode.selector || selector == this.revokeMeasurement.selector
                || selector == this.setPolicy.selector || selector == this.setThresholds.selector
        ) {
            return removeBps;
        }
        if (selector == this.setRole.selector) {
            (,, bool granted) = abi.decode(action[4:], (address, string, bool));
            return granted ? addBps : removeBps;
        }
        revert("unknown action");
    }

    function _applyAll(bytes[] calldata actions) private {
        for (uint256 i = 0; i < actions.length; i++) {
            _bpsFor(actions[i]);
            uint256 gasBefore = gasleft();
            (bool ok, bytes memory reason) = address(this).call(actions[i]);
            if (!ok) {
                _outOfGasCheck(gasBefore);
                _bubble(reason);
            }
        }
    }

    /// After a failed call: a call that had all but 1/64 of `gasBefore` and failed leaving
    /// 1/63 or less ran out of gas (or as good as), whatever it reported.
    function _outOfGasCheck(uint256 gasBefore) private view {
        if (gasleft() <= gasBefore / 63) revert OutOfGas();
    }

    function _is(bytes memory reason, bytes4 selector) private pure returns (bool) {
        return reason.length == 4 && bytes4(reason) == selector;
    }

    function _apply(uint256 proposalId, Proposal storage p) private {
        uint256 gasBefore = gasleft();
        try this.applyActions(p.actions) {
            p.status = EXECUTED;
            emit ProposalExecuted(proposalId);
        } catch (bytes memory reason) {
            // An apply that ran out of the gas it was given (here or in a nested call) would
            // fail only for this transaction's gas limit: refuse the vote so the voter (or
            // eth_estimateGas) retries with more, instead of failing the proposal for good.
            require(
                gasleft() > gasBefore / 63 && !_is(reason, OutOfGas.selector),
                "out of gas while applying the proposal"
            );
            p.status = FAILED;
            emit ProposalFailed(proposalId, reason);
        }
    }

    function _emitCreated(uint256 proposalId, Proposal storage p) private {
        uint256 n = p.actions.length;
        address[] memory targets = new address[](n);
        for (uint256 i = 0; i < n; i++) {
            targets[i] = address(this);
        }
        emit ProposalCreated(
            proposalId,
            p.proposer,
            targets,
            new uint256[](n),
            new string[](n),
            p.actions,
            p.voteStart,
            p.voteEnd,
            p.description
        );
    }

    function _bump() private {
        configVersion += 1;
    }

    function _addMember(address member) private {
        _insert(members, member, "already a member");
        memberSince[member] = configVersion;
        emit MemberAdded(member);
    }

    function _addValidator(address validator) private {
        _insert(validators, validator, "already a validator");
        emit ValidatorAdded(validator);
    }

    function _admitNode(address node) private {
        _insert(nodes, node, "node already admitted");
        emit NodeAdmitted(node);
    }

    function _allowMeasurement(bytes32 mrenclave, bytes32 mrsigner, uint16 productId, uint16 minIsvSvn) private {
        bytes32 id = keccak256(abi.encode(mrenclave, mrsigner, productId, minIsvSvn));
        require(measurementPosition[id] == 0, "measurement already allowed");
        measurements.push(Measurement(id, mrenclave, mrsigner, productId, minIsvSvn));
        measurementPosition[id] = measurements.length;
        emit MeasurementAllowed(id, mrenclave, mrsigner, productId, minIsvSvn);
    }

    function _setRole(address account, string memory role, bool granted) private {
        bytes32 name = keccak256(bytes(role));
        require(
            name == keccak256("auditor") || name == keccak256("member") || name == keccak256("admin"), "unknown role"
        );
        bytes32 key = keccak256(abi.encode(account, role));
        uint256 position = rolePosition[key];
        if (granted) {
            require(position == 0, "role already granted");
            roleGrants.push(RoleGrant(account, role));
            rolePosition[key] = roleGrants.length;
        } else {
            require(position != 0, "role not granted");
            uint256 last = roleGrants.length;
            if (position != last) {
                RoleGrant memory moved = roleGrants[last - 1];
                roleGrants[position - 1] = moved;
                rolePosition[keccak256(abi.encode(moved.account, moved.role))] = position;
            }
            roleGrants.pop();
            delete rolePosition[key];
        }
        emit RoleSet(account, role, granted);
    }

    function _setThresholds(uint16 newAddBps, uint16 newRemoveBps, uint64 newVotingPeriod) private {
        require(
            newAddBps >= 1 && newAddBps <= newRemoveBps && newRemoveBps <= 10000,
            "thresholds: need 1 <= addBps <= removeBps <= 10000"
        );
        require(newVotingPeriod >= 1, "thresholds: votingPeriod must be at least 1 second");
        addBps = newAddBps;
        removeBps = newRemoveBps;
        votingPeriod = newVotingPeriod;
        emit ThresholdsSet(newAddBps, newRemoveBps, newVotingPeriod);
    }

    /// Asks the node's policy parser; its revert data already reads "policy: <reason>".
    function _checkPolicy(bytes memory json) private view {
        uint256 gasBefore = gasleft();
        (bool ok, bytes memory reason) = POLICY_CHECK.staticcall(json);
        if (!ok) {
            _outOfGasCheck(gasBefore);
            if (reason.length == 0) revert("policy: the policy check failed");
            _bubble(reason);
        }
    }

    function _insert(AddressSet storage set, address item, string memory duplicate) private {
        require(set.position[item] == 0, duplicate);
        set.items.push(item);
        set.position[item] = set.items.length;
    }

    function _remove(AddressSet storage set, address item, string memory missing) private {
        uint256 position = set.position[item];
        require(position != 0, missing);
        uint256 last = set.items.length;
        if (position != last) {
            address moved = set.items[last - 1];
            set.items[position - 1] = moved;
            set.position[moved] = position;
        }
        set.items.pop();
        delete set.position[item];
    }

    /// Reverts with `reason` exactly as it was (so wallets show the inner reason).
    function _bubble(bytes memory reason) private pure {
        assembly ("memory-safe") {
            revert(add(reason, 0x20), mload(reason))
        }
    }
}
